"""The one Classifier implementation: encoding, batching and softmax around a backend runner."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np
import numpy.typing as npt

from models.encoding import Encoder, classifiable
from models.protocol import LABELS, Label, Sentiment

# What an empty text (nothing left after cleaning) is reported as; the model never sees it.
EMPTY = Sentiment(label="neutral", probs={"negative": 0.0, "neutral": 1.0, "positive": 0.0}, score=0.0)


class Runner(Protocol):
    """A backend: logits for one padded batch."""

    def logits(self, input_ids: npt.NDArray[np.int64],
               attention_mask: npt.NDArray[np.int64]) -> npt.NDArray[np.float32]: ...


def softmax(logits: npt.NDArray[np.float32]) -> npt.NDArray[np.float64]:
    shifted = logits.astype(np.float64) - logits.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    result: npt.NDArray[np.float64] = exp / exp.sum(axis=1, keepdims=True)
    return result


class TransformerClassifier:
    """Classifies texts with a transformer behind ``runner``; see :class:`models.protocol.Classifier`."""

    def __init__(self, runner: Runner, encoder: Encoder, labels: tuple[Label, ...], batch_size: int,
                 backend: str, source: str) -> None:
        self._runner = runner
        self._encoder = encoder
        self._batch_size = batch_size
        self.backend = backend
        self.source = source
        # Sums the model's outputs into our three labels (a model may have two or several per label).
        self._project = np.zeros((len(labels), len(LABELS)), dtype=np.float64)
        for index, label in enumerate(labels):
            self._project[index, LABELS.index(label)] = 1.0

    def classify(self, texts: Sequence[str]) -> list[Sentiment]:
        result: list[Sentiment] = [EMPTY] * len(texts)
        todo = [i for i, text in enumerate(texts) if classifiable(text)]
        for batch in self._encoder.batches([texts[i] for i in todo], self._batch_size):
            probs = softmax(self._runner.logits(batch.input_ids, batch.attention_mask)) @ self._project
            for row, position in enumerate(batch.positions):
                values: dict[str, float] = {label: float(probs[row, j]) for j, label in enumerate(LABELS)}
                result[todo[position]] = Sentiment.from_probs(values)
        return result
