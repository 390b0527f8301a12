"""Turning raw customer texts into padded token batches, the way training saw them.

Texts are cleaned (:func:`models.text.clean`), cut to ``max_tokens`` keeping the head and the
tail, then grouped by length so each batch is padded only to its own longest text (dynamic
padding, the single biggest speed factor measured on CPU).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from supportwatch.models.text import clean, head_and_tail

# Characters kept before tokenising: a megabyte of pasted log must not cost a megabyte of tokens.
CHARS_PER_TOKEN_BUDGET = 16


@dataclass(frozen=True, slots=True)
class Batch:
    """One padded batch and the positions of its texts in the caller's list."""

    positions: tuple[int, ...]
    input_ids: npt.NDArray[np.int64]
    attention_mask: npt.NDArray[np.int64]


def classifiable(text: str) -> bool:
    """Whether a text has anything left to classify once mentions, URLs and noise are stripped."""
    return bool(clean(text))


def trim_chars(text: str, limit: int) -> str:
    """Keep the first two thirds and the last third of ``limit`` characters."""
    if len(text) <= limit:
        return text
    head = (limit * 2) // 3
    return text[:head] + " " + text[len(text) - (limit - head) :]


def _special_tokens(tokenizer: Any) -> tuple[list[int], list[int]]:
    """The special tokens a tokenizer puts before and after one sequence (e.g. [CLS] ... [SEP])."""
    probe = "sentiment"
    plain = list(tokenizer(probe, add_special_tokens=False)["input_ids"])
    full = list(tokenizer(probe, add_special_tokens=True)["input_ids"])
    for start in range(len(full) - len(plain) + 1):
        if full[start : start + len(plain)] == plain:
            return full[:start], full[start + len(plain) :]
    return [], []


class Encoder:
    """Cleans, tokenises, truncates (head and tail) and batches texts for one tokenizer."""

    def __init__(self, tokenizer: Any, max_tokens: int) -> None:
        self._tokenizer = tokenizer
        self._max_tokens = max_tokens
        self._prefix, self._suffix = _special_tokens(tokenizer)
        self._special_count = len(self._prefix) + len(self._suffix)
        pad = tokenizer.pad_token_id
        self._pad_id = int(pad) if pad is not None else 0

    def token_ids(self, texts: Sequence[str]) -> list[list[int]]:
        """Token ids with special tokens, at most ``max_tokens`` each. Texts must be non-empty."""
        if not texts:
            return []
        budget = self._max_tokens - self._special_count
        trimmed = [trim_chars(clean(text), self._max_tokens * CHARS_PER_TOKEN_BUDGET) for text in texts]
        encoded = self._tokenizer(trimmed, add_special_tokens=False, truncation=False, verbose=False)
        prefix, suffix = self._prefix, self._suffix
        return [prefix + head_and_tail(list(ids), budget) + suffix for ids in encoded["input_ids"]]

    def batches(self, texts: Sequence[str], batch_size: int) -> list[Batch]:
        """Length-sorted, dynamically padded batches covering every position of ``texts``."""
        ids = self.token_ids(texts)
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
        out: list[Batch] = []
        for start in range(0, len(order), batch_size):
            chunk = order[start : start + batch_size]
            width = max(len(ids[i]) for i in chunk)
            input_ids = np.full((len(chunk), width), self._pad_id, dtype=np.int64)
            mask = np.zeros((len(chunk), width), dtype=np.int64)
            for row, i in enumerate(chunk):
                input_ids[row, : len(ids[i])] = ids[i]
                mask[row, : len(ids[i])] = 1
            out.append(Batch(tuple(chunk), input_ids, mask))
        return out
