"""Classification quality figures: accuracy, macro-F1 and a confusion matrix."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Quality:
    labels: tuple[str, ...]
    confusion: tuple[tuple[int, ...], ...]  # rows: true label, columns: predicted label

    @property
    def total(self) -> int:
        return sum(sum(row) for row in self.confusion)

    @property
    def accuracy(self) -> float:
        right = sum(self.confusion[i][i] for i in range(len(self.labels)))
        return right / self.total if self.total else 0.0

    def recall(self, index: int) -> float:
        actual = sum(self.confusion[index])
        return self.confusion[index][index] / actual if actual else 0.0

    def precision(self, index: int) -> float:
        predicted = sum(row[index] for row in self.confusion)
        return self.confusion[index][index] / predicted if predicted else 0.0

    def per_class(self) -> str:
        """One line per label: precision, recall, F1 and support."""
        width = max(len(label) for label in self.labels) + 2
        lines = ["label".ljust(width) + "precision".rjust(11) + "recall".rjust(8) + "F1".rjust(8) + "support".rjust(9)]
        for i, label in enumerate(self.labels):
            lines.append(label.ljust(width) + f"{self.precision(i):11.4f}{self.recall(i):8.4f}{self.f1(i):8.4f}"
                         f"{sum(self.confusion[i]):9d}")
        return "\n".join(lines)

    def f1(self, index: int) -> float:
        tp = self.confusion[index][index]
        predicted = sum(row[index] for row in self.confusion)
        actual = sum(self.confusion[index])
        if tp == 0:
            return 0.0
        precision, recall = tp / predicted, tp / actual
        return 2 * precision * recall / (precision + recall)

    @property
    def macro_f1(self) -> float:
        return sum(self.f1(i) for i in range(len(self.labels))) / len(self.labels)

    def table(self) -> str:
        width = max(len(label) for label in self.labels) + 2
        head = "true \\ predicted".ljust(width + 6) + "".join(name.rjust(width) for name in self.labels)
        lines = [head]
        for label, row in zip(self.labels, self.confusion, strict=True):
            lines.append(label.ljust(width + 6) + "".join(str(n).rjust(width) for n in row))
        return "\n".join(lines)


def score(labels: Sequence[str], truth: Sequence[str], predicted: Sequence[str]) -> Quality:
    index = {label: i for i, label in enumerate(labels)}
    matrix = [[0] * len(labels) for _ in labels]
    for t, p in zip(truth, predicted, strict=True):
        matrix[index[t]][index[p]] += 1
    return Quality(tuple(labels), tuple(tuple(row) for row in matrix))
