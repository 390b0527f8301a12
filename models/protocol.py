"""The sentiment classifier behind a small protocol, so backends are interchangeable."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol, runtime_checkable

Label = Literal["negative", "neutral", "positive"]
LABELS: tuple[Label, ...] = ("negative", "neutral", "positive")


@dataclass(frozen=True, slots=True)
class Sentiment:
    """One message's sentiment: the winning label, each label's probability and a score.

    ``score`` is P(positive) - P(negative), in [-1, 1].
    """

    label: Label
    probs: dict[str, float]
    score: float

    @classmethod
    def from_probs(cls, probs: dict[str, float]) -> Sentiment:
        label = max(LABELS, key=lambda name: probs.get(name, 0.0))
        score = probs.get("positive", 0.0) - probs.get("negative", 0.0)
        return cls(label=label, probs=probs, score=max(-1.0, min(1.0, score)))

    def to_dict(self) -> dict[str, object]:
        return {"label": self.label, "score": round(self.score, 6),
                "probs": {k: round(v, 6) for k, v in self.probs.items()}}


@runtime_checkable
class Classifier(Protocol):
    """Classifies texts in one batch, returning one Sentiment per text, in order."""

    def classify(self, texts: Sequence[str]) -> list[Sentiment]: ...
