"""Redis layout and atomic scripts of the outbox: dedup keys, the outbox stream, the retry set.

Keys under the configured prefix:
``dedup:<id>/<level>/<recipient>/<sink>`` (set-if-absent with TTL: one notification per recipient and sink),
``sent:<id>`` (the recipient|sink pairs that were sent a firing level: who a resolved update goes to),
``resolved:<id>`` (the condition ended: pending re-escalations of it are dropped),
``outbox`` (stream with a consumer group: notifications to deliver), ``retry`` (sorted set by due time:
retries waiting for their backoff and delayed escalations), ``dead`` (stream: permanent failures).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Any

from alerts.model import Alert
from alerts.sinks import Notification

# ARGV: prefix, ttl, alert id, resolved flag, then per route: dedup suffix, member, entry, due (0 = now).
SUBMIT_LUA = """
local p, ttl, id, resolved = ARGV[1], tonumber(ARGV[2]), ARGV[3], ARGV[4] == '1'
local sent = p .. 'sent:' .. id
local out = {}
if resolved then redis.call('SET', p .. 'resolved:' .. id, '1', 'EX', ttl) end
for i = 5, #ARGV, 4 do
  local dkey, member, entry, due = p .. 'dedup:' .. ARGV[i], ARGV[i + 1], ARGV[i + 2], tonumber(ARGV[i + 3])
  local r
  if resolved and redis.call('SISMEMBER', sent, member) == 0 then
    r = 'unnotified'
  elseif not redis.call('SET', dkey, '1', 'NX', 'EX', ttl) then
    r = 'duplicate'
  elseif due > 0 then
    redis.call('ZADD', p .. 'retry', due, entry)
    r = 'delayed'
  else
    if not resolved then
      redis.call('SADD', sent, member)
      redis.call('EXPIRE', sent, ttl)
    end
    redis.call('XADD', p .. 'outbox', '*', 'n', entry)
    r = 'queued'
  end
  out[#out + 1] = r
end
return out
"""

# ARGV: prefix, now (unix seconds), limit, ttl. Moves due entries of the retry set into the outbox;
# a delayed escalation whose alert was resolved meanwhile is dropped and returned.
PROMOTE_LUA = """
local p, ttl = ARGV[1], tonumber(ARGV[4])
local due = redis.call('ZRANGEBYSCORE', p .. 'retry', '-inf', ARGV[2], 'LIMIT', 0, tonumber(ARGV[3]))
local dropped = {}
for _, m in ipairs(due) do
  redis.call('ZREM', p .. 'retry', m)
  local e = cjson.decode(m)
  if e.esc == 1 then
    if redis.call('EXISTS', p .. 'resolved:' .. e.id) == 1 then
      dropped[#dropped + 1] = m
    else
      local sent = p .. 'sent:' .. e.id
      redis.call('SADD', sent, e.r .. '|' .. e.s)
      redis.call('EXPIRE', sent, ttl)
      e.esc = 0
      redis.call('XADD', p .. 'outbox', '*', 'n', cjson.encode(e))
    end
  else
    redis.call('XADD', p .. 'outbox', '*', 'n', m)
  end
end
return {#due, dropped}
"""


@dataclass(frozen=True, slots=True)
class Entry:
    """One notification in the outbox: an alert for one recipient over one sink."""

    alert_json: str
    alert_id: str
    kind: str
    recipient: str
    role: str
    sink: str
    enqueued_at: float  # unix seconds of the first submit, for the delivery latency
    attempts: int = 0
    escalation: bool = False  # a delayed escalation not yet moved into the outbox

    @classmethod
    def of(cls, alert: Alert, recipient: str, role: str, sink: str, at: float, escalation: bool) -> Entry:
        return cls(
            alert.model_dump_json(), alert.id, alert.kind.value, recipient, role, sink, at, 0, escalation
        )

    @property
    def member(self) -> str:
        return f"{self.recipient}|{self.sink}"

    def dedup_suffix(self, level: str) -> str:
        return f"{self.alert_id}/{level}/{self.recipient}/{self.sink}"

    def notification(self) -> Notification:
        return Notification(Alert.from_json(self.alert_json), self.recipient, self.role)

    def retried(self) -> Entry:
        return replace(self, attempts=self.attempts + 1)

    def encode(self) -> str:
        return json.dumps(
            {
                "a": self.alert_json,
                "id": self.alert_id,
                "k": self.kind,
                "r": self.recipient,
                "role": self.role,
                "s": self.sink,
                "q": self.enqueued_at,
                "t": self.attempts,
                "esc": 1 if self.escalation else 0,
            },
            separators=(",", ":"),
            sort_keys=True,
        )

    @classmethod
    def decode(cls, raw: str | bytes) -> Entry:
        data: dict[str, Any] = json.loads(raw)
        return cls(
            alert_json=data["a"],
            alert_id=data["id"],
            kind=data["k"],
            recipient=data["r"],
            role=data["role"],
            sink=data["s"],
            enqueued_at=float(data["q"]),
            attempts=int(data["t"]),
            escalation=bool(data["esc"]),
        )
