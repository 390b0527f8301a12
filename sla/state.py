"""One conversation's SLA state, kept compact (``__slots__``, epoch-second floats, short hashes,
shared immutable parts) so that a worker can hold hundreds of thousands of open conversations.

* :class:`Run` - one cycle of one clock (running, paused or stopped). Runs are never changed once
  made (a change makes a new one), so a copy of a core shares them;
* :class:`Core` - what the events so far imply: conversation fields, status, the latest run of
  each clock. It is a pure function of the events applied, in event-time order;
* :class:`ConversationSla` - the core plus the out-of-order machinery (the events still within
  the lateness horizon, and the core as it was before the first of them), the digests of the
  latest event ids (exact duplicate detection, :mod:`sla.dedup`) and the record of what was
  already emitted, which re-applying events never emits again.

Everything a conversation keeps is bounded, however long it runs: the log by the lateness and by
a count, the ids by a count, ``emitted`` to the clock cycles the log can still re-apply.
"""

from __future__ import annotations

import base64
import sys
from typing import Any

from supportwatch.sla.dedup import DIGEST_SIZE
from supportwatch.sla.exceptions import StateError
from supportwatch.sla.log import Log, first_channel, from_lists, to_lists

FORMAT = 2  # 1: before event-id digests (ids) and the count-bounded log (floor); still read
RUN_SLOTS = ("first", "next", "resolution")  # Core attribute per clock, in sla.policy.ClockIndex order

# Something already emitted for a clock cycle: (clock index, cycle, level name or OUTCOME/STOPPED),
# read by unpacking. A plain tuple: ``(index, cycle, level) in emitted`` is the engine's most
# frequent test, and comparing a tuple subclass with a tuple costs a subtype check each time.
Emitted = tuple[int, int, str]
OUTCOME = "outcome"
STOPPED = "stopped"
# emitted entries kept before those of past cycles are dropped: more than one cycle of each clock
# emits (its levels, an outcome and a stop: 6 for the shipped policies)
EMITTED_SLACK = 24
_KEYS: dict[Emitted, Emitted] = {}


def emitted_key(index: int, cycle: int, level: str) -> Emitted:
    """One shared tuple per distinct key, so that emitted records cost a pointer per state."""
    key = (index, cycle, level)
    if len(_KEYS) < 100_000:
        return _KEYS.setdefault(key, key)
    return _KEYS.get(key, key)


class Run:
    """One cycle of a clock. Counted seconds = ``acc`` + counted time since ``resumed``.
    Treated as immutable: the engine replaces a run instead of changing it."""

    __slots__ = ("policy", "cycle", "started", "acc", "resumed", "stopped")

    def __init__(
        self,
        policy: str,
        cycle: int,
        started: float,
        acc: float = 0.0,
        resumed: float | None = None,
        stopped: float | None = None,
    ) -> None:
        self.policy = policy
        self.cycle = cycle
        self.started = started
        self.acc = acc
        self.resumed = resumed  # None: paused or stopped
        self.stopped = stopped

    @property
    def running(self) -> bool:
        return self.resumed is not None

    @property
    def active(self) -> bool:
        """Running or paused: not stopped."""
        return self.stopped is None

    @property
    def state(self) -> str:
        if self.stopped is not None:
            return "stopped"
        return "running" if self.resumed is not None else "paused"

    def to_list(self) -> list[Any]:
        return [self.policy, self.cycle, self.started, self.acc, self.resumed, self.stopped]

    @classmethod
    def from_list(cls, data: list[Any]) -> Run:
        policy, cycle, started, acc, resumed, stopped = data
        resumed, stopped = _opt_float(resumed), _opt_float(stopped)
        return cls(sys.intern(str(policy)), int(cycle), float(started), float(acc), resumed, stopped)


class Core:
    __slots__ = ("channel", "priority", "team", "agent_id", "customer_id", "tier", "status", "replied", *RUN_SLOTS)

    def __init__(self, channel: str, priority: str = "normal") -> None:
        self.channel = channel
        self.priority = priority
        self.team: str | None = None
        self.agent_id: str | None = None
        self.customer_id: str | None = None
        self.tier: str | None = None  # the customer's tier, as the conversation's latest event said
        self.status: str | None = None
        self.replied = False  # an agent has answered a first reply clock
        self.first: Run | None = None
        self.next: Run | None = None
        self.resolution: Run | None = None

    def runs(self) -> tuple[Run | None, Run | None, Run | None]:
        """The latest run of each clock, by :class:`sla.policy.ClockIndex`."""
        return (self.first, self.next, self.resolution)

    def copy(self) -> Core:
        """A copy sharing the (immutable) runs."""
        other = Core(self.channel, self.priority)
        other.team, other.agent_id, other.customer_id = self.team, self.agent_id, self.customer_id
        other.tier = self.tier
        other.status, other.replied = self.status, self.replied
        other.first, other.next, other.resolution = self.first, self.next, self.resolution
        return other

    def share_runs(self, other: Core) -> None:
        """Use ``other``'s run wherever it equals ours (a base read back from storage shares its runs)."""
        for name in RUN_SLOTS:
            mine, theirs = getattr(self, name), getattr(other, name)
            if mine is not None and theirs is not None and mine.to_list() == theirs.to_list():
                setattr(self, name, theirs)

    def to_list(self) -> list[Any]:
        head: list[Any] = [self.channel, self.priority, self.team, self.agent_id, self.customer_id]
        runs = [run.to_list() if run is not None else None for run in self.runs()]
        tail = [self.tier] if self.tier is not None else []  # appended: a core without a tier reads as before
        return [*head, self.status, self.replied, *runs, *tail]

    @classmethod
    def from_list(cls, data: list[Any]) -> Core:
        channel, priority, team, agent_id, customer_id, status, replied, *runs = data
        runs, tier = runs[:3], runs[3:]
        core = cls(sys.intern(channel), sys.intern(priority))
        core.team, core.agent_id, core.customer_id = _opt_intern(team), _opt_intern(agent_id), customer_id
        core.tier = _opt_intern(tier[0]) if tier else None
        core.status, core.replied = _opt_intern(status), bool(replied)
        core.first, core.next, core.resolution = (Run.from_list(r) if r is not None else None for r in runs)
        return core


class ConversationSla:
    """The SLA state of one conversation, as stored in a table (see :meth:`to_dict`)."""

    __slots__ = ("conversation_id", "core", "base", "log", "watermark", "emitted", "due", "ids", "floor")

    def __init__(self, conversation_id: str, core: Core) -> None:
        self.conversation_id = conversation_id
        self.core = core
        # the core before the log's first event; None when the log is empty, or while it holds the
        # conversation's first events (the base is then a new Core: see base_core)
        self.base: Core | None = None
        self.log: Log | None = None  # events within the lateness horizon (see sla.log)
        self.watermark = float("-inf")  # the latest event time seen
        self.emitted: tuple[Emitted, ...] = ()
        self.due: float | None = None  # cache of the next due time (inf: none); None: unknown
        self.ids = b""  # digests of the latest event ids applied, newest last (sla.dedup)
        # (ts, id key) of the latest event folded into the base to bound the log while still within
        # the lateness: an event that sorts at or before it can no longer be ordered (None: none such)
        self.floor: tuple[float, int] | None = None

    def base_core(self) -> Core:
        """A copy of the core before the log's first event."""
        if self.base is not None:
            return self.base.copy()
        assert self.log  # noqa: S101 - no base and a log: the log holds the first events
        return Core(first_channel(self.log))  # as the first event found it: nothing but its channel

    def keep_emitted_from(self, reference: Core) -> None:
        """Forget what was emitted for clock cycles before ``reference``'s (nothing re-applies them),
        once there are more than :data:`EMITTED_SLACK` entries: cheap on every event, yet bounded."""
        if len(self.emitted) <= EMITTED_SLACK:
            return
        runs = reference.runs()
        kept = []
        for entry in self.emitted:
            clock, cycle, _ = entry
            run = runs[clock]
            if run is None or cycle >= run.cycle:
                kept.append(entry)
        if len(kept) < len(self.emitted):
            self.emitted = tuple(kept)

    @property
    def finished(self) -> bool:
        """Closed, no clock running or paused, no event that could still be re-ordered."""
        core = self.core
        return (
            core.status == "closed"
            and not self.log
            and not any(run is not None and run.active for run in core.runs())
        )

    def to_dict(self) -> dict[str, Any]:
        out = {
            "v": FORMAT,
            "id": self.conversation_id,
            "w": self.watermark if self.watermark != float("-inf") else None,
            "core": self.core.to_list(),
            "base": self.base.to_list() if self.base is not None else None,
            "log": to_lists(self.log) if self.log else None,
            "em": [list(item) for item in self.emitted],
            "ids": base64.b64encode(self.ids).decode("ascii"),
        }
        if self.floor is not None:
            out["fl"] = list(self.floor)
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ConversationSla:
        """Read :meth:`to_dict`'s form back; also format 1, which has no ids: a re-send of an event
        applied before the upgrade is then refused by the lateness only."""
        if not isinstance(data, dict) or data.get("v") not in (1, FORMAT):
            raise StateError(f"unknown conversation state format: {str(data)[:80]}")
        state = cls(str(data["id"]), Core.from_list(data["core"]))
        state.watermark = float(data["w"]) if data["w"] is not None else float("-inf")
        if data["base"] is not None:
            state.base = Core.from_list(data["base"])
            state.base.share_runs(state.core)
        if data["log"]:
            state.log = from_lists(data["log"])
        state.emitted = tuple(emitted_key(int(i), int(c), str(level)) for i, c, level in data["em"])
        state.ids = base64.b64decode(data.get("ids", ""))
        if len(state.ids) % DIGEST_SIZE:
            raise StateError(f"conversation {state.conversation_id!r}: event-id digests of {len(state.ids)} bytes")
        floor = data.get("fl")
        if floor is not None:
            state.floor = (float(floor[0]), int(floor[1]))
        return state


def _opt_intern(value: Any) -> str | None:
    return None if value is None else sys.intern(str(value))


def _opt_float(value: Any) -> float | None:
    return None if value is None else float(value)
