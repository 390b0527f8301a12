"""One conversation's customer mood: recent scores, smoothed mood, survey answers, fired reasons."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from supportwatch.mood.signals import DetractorReason


@dataclass(frozen=True, slots=True)
class MoodState:
    """Immutable; the tracker returns a new state for every event.

    ``scores`` holds the last ``history`` message scores (rounded to 3 decimals), oldest first;
    ``mood`` is the EWMA of every score (None before the first message); ``armed`` is whether the
    mood has been neutral or positive since the last ``sentiment_turn``; ``fired`` holds the
    reasons already alerted and not re-armed; ``surveys`` the latest answer of each survey kind.
    """

    scores: tuple[float, ...] = ()
    mood: float | None = None
    messages: int = 0
    negative_run: int = 0
    armed: bool = False
    fired: frozenset[DetractorReason] = field(default_factory=frozenset)
    surveys: tuple[tuple[str, float], ...] = ()
    last_at: datetime | None = None

    def survey(self, kind: str) -> float | None:
        """The latest answer of survey ``kind`` (``csat``, ``nps``, ``ces``), if any."""
        return dict(self.surveys).get(kind)

    def to_dict(self) -> dict[str, Any]:
        """A compact JSON-able form (short keys, empty fields left out)."""
        out: dict[str, Any] = {"s": list(self.scores), "n": self.messages}
        if self.mood is not None:
            out["m"] = self.mood
        if self.negative_run:
            out["r"] = self.negative_run
        if self.armed:
            out["a"] = 1
        if self.fired:
            out["f"] = sorted(reason.value for reason in self.fired)
        if self.surveys:
            out["v"] = dict(self.surveys)
        if self.last_at is not None:
            out["t"] = self.last_at.isoformat()
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> MoodState:
        last = data.get("t")
        return cls(
            scores=tuple(float(s) for s in data.get("s", ())),
            mood=float(data["m"]) if data.get("m") is not None else None,
            messages=int(data.get("n", 0)),
            negative_run=int(data.get("r", 0)),
            armed=bool(data.get("a", 0)),
            fired=frozenset(DetractorReason(r) for r in data.get("f", ())),
            surveys=tuple(sorted((str(k), float(v)) for k, v in data.get("v", {}).items())),
            last_at=datetime.fromisoformat(last) if last is not None else None,
        )
