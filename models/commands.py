"""The ``supportwatch classify`` and ``supportwatch evaluate`` commands (wired into the CLI by the shell).

``classify``: one text per input line -> one JSON object per output line, in input order.
``evaluate``: a JSONL file of ``{"text", "label"}`` -> accuracy, macro-F1, per-class precision / recall /
F1, confusion matrix, messages/s.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Iterator
from itertools import islice
from pathlib import Path
from typing import TextIO

from supportwatch.models.exceptions import EvaluationDataError
from supportwatch.models.labels import label_of
from supportwatch.models.protocol import LABELS, Classifier, Label
from supportwatch.models.scoring import Quality, score


def _chunks(items: Iterable[str], size: int) -> Iterator[list[str]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def run_classify(classifier: Classifier, lines: Iterable[str], out: TextIO, batch_size: int) -> int:
    """Classify each line (trailing newline dropped) and write its JSON object; returns the count.

    An empty or unclassifiable line still gets its line (neutral, score 0) so outputs align with inputs.
    """
    written = 0
    for chunk in _chunks((line.rstrip("\r\n") for line in lines), batch_size):
        for sentiment in classifier.classify(chunk):
            out.write(json.dumps(sentiment.to_dict()) + "\n")
            written += 1
        out.flush()
    return written


def read_labelled(path: Path) -> tuple[list[str], list[Label]]:
    """Texts and labels of a ``{"text", "label"}`` JSONL file; blank lines are skipped."""
    texts: list[str] = []
    labels: list[Label] = []
    with path.open(encoding="utf-8", errors="replace") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                text, raw_label = row["text"], row["label"]
            except (ValueError, TypeError, KeyError) as exc:
                message = f"not a JSON object with text and label: {exc}"
                raise EvaluationDataError(str(path), number, message) from exc
            if not isinstance(text, str):
                raise EvaluationDataError(str(path), number, "text must be a string")
            label = label_of(str(raw_label))
            if label is None:
                raise EvaluationDataError(str(path), number, f"unknown label {raw_label!r}")
            labels.append(label)
            texts.append(text)
    return texts, labels


def read_groups(path: Path, key: str = "style") -> list[str | None]:
    """The optional ``style`` (chat, email, ...) of each row of a file :func:`read_labelled` accepts."""
    groups: list[str | None] = []
    with path.open(encoding="utf-8", errors="replace") as handle:
        for line in handle:
            if line.strip():
                value = json.loads(line).get(key)
                groups.append(str(value) if value is not None else None)
    return groups


def run_evaluate(classifier: Classifier, path: Path, out: TextIO, batch_size: int) -> Quality:
    """Classify every text of ``path`` and print accuracy, macro-F1, per-class recall, the confusion
    matrix and speed."""
    texts, truth = read_labelled(path)
    predicted: list[str] = []
    started = time.perf_counter()
    for chunk in _chunks(texts, batch_size):
        predicted.extend(sentiment.label for sentiment in classifier.classify(chunk))
    seconds = time.perf_counter() - started
    quality = score(LABELS, truth, predicted)
    rate = len(texts) / seconds if seconds > 0 else 0.0
    out.write(f"messages {quality.total}\naccuracy {quality.accuracy:.4f}\nmacro-F1 {quality.macro_f1:.4f}\n"
              f"{quality.per_class()}\n{quality.table()}\nmessages/s {rate:.0f} (batch size {batch_size})\n")
    groups = read_groups(path)
    for group in sorted({g for g in groups if g is not None}):
        picked = [i for i, g in enumerate(groups) if g == group]
        part = score(LABELS, [truth[i] for i in picked], [predicted[i] for i in picked])
        recalls = ", ".join(f"{label} {part.recall(j):.3f}" for j, label in enumerate(LABELS))
        out.write(f"style {group}: messages {part.total} accuracy {part.accuracy:.4f} "
                  f"macro-F1 {part.macro_f1:.4f} recall {recalls}\n")
    return quality
