"""The one Classifier implementation: encoding, batching and softmax around a backend runner."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Protocol

import numpy as np
import numpy.typing as npt

from supportwatch.models.encoding import Batch, Encoder, classifiable
from supportwatch.models.protocol import LABELS, Label, Sentiment

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
                 backend: str, source: str, encode_workers: int = 1) -> None:
        self._runner = runner
        self._encoder = encoder
        self._batch_size = batch_size
        self._workers = max(1, encode_workers)
        self._pool = None
        if self._workers > 1:
            # One call first: it leaves the fast tokenizer's truncation / padding state as every later
            # call wants it, so that the threads never change it concurrently ("Already borrowed").
            encoder.token_ids(["warm up"])
            self._pool = ThreadPoolExecutor(self._workers, thread_name_prefix="encode")
        self.backend = backend
        self.source = source
        # Sums the model's outputs into our three labels (a model may have two or several per label).
        self._project = np.zeros((len(labels), len(LABELS)), dtype=np.float64)
        for index, label in enumerate(labels):
            self._project[index, LABELS.index(label)] = 1.0

    def classify(self, texts: Sequence[str]) -> list[Sentiment]:
        result: list[Sentiment] = [EMPTY] * len(texts)
        todo = [i for i, text in enumerate(texts) if classifiable(text)]
        for batch in self._batches([texts[i] for i in todo]):
            probs = softmax(self._runner.logits(batch.input_ids, batch.attention_mask)) @ self._project
            for row, position in enumerate(batch.positions):
                values: dict[str, float] = {label: float(probs[row, j]) for j, label in enumerate(LABELS)}
                result[todo[position]] = Sentiment.from_probs(values)
        return result

    def _batches(self, texts: list[str]) -> Iterator[Batch]:
        """Length-sorted batches of ``texts``; with several encode workers, chunks of a few batches
        each are cleaned and tokenised on a thread pool (the fast tokenizer releases the GIL) while
        the model runs the chunks already encoded. Positions index ``texts`` either way."""
        chunk = 4 * self._batch_size
        if self._pool is None or len(texts) <= chunk:
            yield from self._encoder.batches(texts, self._batch_size)
            return
        starts = range(0, len(texts), chunk)
        encoded = self._pool.map(lambda s: (s, self._encoder.batches(texts[s : s + chunk], self._batch_size)), starts)
        for start, batches in encoded:
            for batch in batches:
                yield Batch(tuple(start + p for p in batch.positions), batch.input_ids, batch.attention_mask)
