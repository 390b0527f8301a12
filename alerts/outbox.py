"""Redis layout and atomic scripts of the outbox: dedup keys, the outbox stream, the retry set.

Keys under the configured prefix:
``dedup:<id>/<level>/<recipient>/<sink>`` (set-if-absent with TTL: one notification per recipient and sink),
``sent:<id>`` (the recipient|sink pairs that were sent a firing level: who a resolved update goes to),
``resolved:<id>`` (the condition ended: pending re-escalations of it are dropped),
``alert:<id>`` (the latest firing alert of that id: what the on-call API acts on),
``digest:<recipient>|<sink>`` (warnings waiting for that recipient's digest), ``digests`` (sorted set:
when each waiting digest is due), ``digesting:<member>`` / ``digesting`` (a digest being queued),
``ack:<id>`` (acknowledged: the severity rank it covers, who, when), ``snooze:<scope>`` (a conversation's
notifications held up to a severity rank until a time), ``actions`` (stream: who did what),
``outbox`` (stream with a consumer group: notifications to deliver), ``retry`` (sorted set by due time:
retries waiting for their backoff and delayed escalations), ``dead`` (stream: permanent failures).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Any

from supportwatch.alerts.model import Alert, severity_rank
from supportwatch.alerts.sinks import Notification

# Does ``ack:<id>`` ({"v": rank, ...}) hold back severity rank ``rank``? Does ``snooze:<scope>``
# ({"v": rank, "u": until, ...}) at unix time ``now``? A snooze's end is judged by the caller's clock;
# the key's own TTL only cleans up.
_HELD_LUA = """
local function acked(p, id, rank)
  local raw = redis.call('GET', p .. 'ack:' .. id)
  return raw ~= false and cjson.decode(raw).v >= rank
end
local function snoozed(p, scope, rank, now)
  local raw = redis.call('GET', p .. 'snooze:' .. scope)
  if not raw then return false end
  local z = cjson.decode(raw)
  return z.v >= rank and z.u > now
end
"""

# ARGV: prefix, ttl, alert id, mode (0 firing, 1 resolved, 2 action), alert JSON, scope, severity rank,
# now (unix seconds), then per route: dedup suffix, member, entry, due (0 = now), digest period (0 =
# none). A firing alert is suppressed for every route while its id is acknowledged at its rank or
# above, or its scope (the conversation) is snoozed so; a resolved update or an action goes only to
# the routes that were sent the alert.
SUBMIT_LUA = _HELD_LUA + """
local p, ttl, id, mode = ARGV[1], tonumber(ARGV[2]), ARGV[3], ARGV[4]
local rank, now = tonumber(ARGV[7]), tonumber(ARGV[8])
local sent = p .. 'sent:' .. id
local held = nil
if mode == '0' then
  redis.call('SET', p .. 'alert:' .. id, ARGV[5], 'EX', ttl)
  if acked(p, id, rank) then
    held = 'acknowledged'
  elseif snoozed(p, ARGV[6], rank, now) then
    held = 'snoozed'
  end
elseif mode == '1' then
  redis.call('SET', p .. 'resolved:' .. id, '1', 'EX', ttl)
end
local out = {}
for i = 9, #ARGV, 5 do
  local dkey, member, entry, due = p .. 'dedup:' .. ARGV[i], ARGV[i + 1], ARGV[i + 2], tonumber(ARGV[i + 3])
  local digest = tonumber(ARGV[i + 4])
  local r
  if held then
    r = held
  elseif mode ~= '0' and redis.call('SISMEMBER', sent, member) == 0 then
    r = 'unnotified'
  elseif not redis.call('SET', dkey, '1', 'NX', 'EX', ttl) then
    r = 'duplicate'
  elseif due > 0 then
    redis.call('ZADD', p .. 'retry', due, entry)
    r = 'delayed'
  elseif digest > 0 then
    redis.call('SADD', sent, member)
    redis.call('EXPIRE', sent, ttl)
    redis.call('RPUSH', p .. 'digest:' .. member, entry)
    redis.call('ZADD', p .. 'digests', 'NX', now + digest, member)
    r = 'digested'
  else
    if mode == '0' then
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

# ARGV: prefix, now (unix seconds), limit, ttl. Moves due entries of the retry set into the outbox; a
# delayed escalation whose alert was resolved, acknowledged or snoozed meanwhile is dropped, and
# returned after the reason.
PROMOTE_LUA = _HELD_LUA + """
local p, ttl, now = ARGV[1], tonumber(ARGV[4]), tonumber(ARGV[2])
local due = redis.call('ZRANGEBYSCORE', p .. 'retry', '-inf', ARGV[2], 'LIMIT', 0, tonumber(ARGV[3]))
local dropped = {}
for _, m in ipairs(due) do
  redis.call('ZREM', p .. 'retry', m)
  local e = cjson.decode(m)
  if e.esc == 1 then
    local reason = nil
    if redis.call('EXISTS', p .. 'resolved:' .. e.id) == 1 then
      reason = 'suppressed'
    elseif acked(p, e.id, e.v or 0) then
      reason = 'acknowledged'
    elseif snoozed(p, e.sc or e.id, e.v or 0, now) then
      reason = 'snoozed'
    end
    if reason then
      dropped[#dropped + 1] = reason
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

# ARGV: prefix, now, limit. Moves the lists of the digests whose window has ended to ``digesting:<member>``
# (unless one is still there from an interrupted flush) and returns every member with a list waiting
# there: the caller queues one digest per member and deletes its list in one transaction.
TAKE_DIGESTS_LUA = """
local p = ARGV[1]
local due = redis.call('ZRANGEBYSCORE', p .. 'digests', '-inf', ARGV[2], 'LIMIT', 0, tonumber(ARGV[3]))
for _, member in ipairs(due) do
  if redis.call('EXISTS', p .. 'digesting:' .. member) == 0 then
    redis.call('ZREM', p .. 'digests', member)
    if redis.call('EXISTS', p .. 'digest:' .. member) == 1 then
      redis.call('RENAME', p .. 'digest:' .. member, p .. 'digesting:' .. member)
      redis.call('SADD', p .. 'digesting', member)
    end
  end
end
return redis.call('SMEMBERS', p .. 'digesting')
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
    scope: str = ""  # what a snooze names: the conversation (or the alert id when there is none)
    rank: int = 0  # severity_rank of the alert

    @classmethod
    def of(cls, alert: Alert, recipient: str, role: str, sink: str, at: float, escalation: bool) -> Entry:
        return cls(
            alert.model_dump_json(), alert.id, alert.kind.value, recipient, role, sink, at, 0, escalation,
            snooze_scope(alert), severity_rank(alert.severity),
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
                "sc": self.scope,
                "v": self.rank,
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
            scope=str(data.get("sc", "")),
            rank=int(data.get("v", 0)),
        )


def snooze_scope(alert: Alert) -> str:
    """A snooze quiets a conversation (at a severity and below); an alert of no conversation by its id."""
    return alert.conversation_id or alert.id
