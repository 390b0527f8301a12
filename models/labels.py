"""Mapping a model's own label names (from its config) onto negative / neutral / positive."""

from __future__ import annotations

from collections.abc import Mapping

from supportwatch.models.exceptions import ModelLoadError
from supportwatch.models.protocol import LABELS, Label

_SYNONYMS: dict[str, Label] = {
    "negative": "negative", "neg": "negative",
    "neutral": "neutral", "neu": "neutral",
    "positive": "positive", "pos": "positive",
}


def label_of(name: str) -> Label | None:
    """Our label for a label name such as ``Negative`` or ``pos``; None when not recognised."""
    return _SYNONYMS.get(name.strip().lower())


def map_labels(id2label: Mapping[int, str], override: Mapping[str, Label] | None = None) -> tuple[Label, ...]:
    """Our label for each output index of the model, in index order.

    Names are matched case-insensitively (``negative``/``neg``, ...); ``override`` maps names that
    are not recognised (e.g. ``LABEL_0``). A model must at least tell negative from positive.
    """
    mapped: list[Label] = []
    for index in range(len(id2label)):
        name = str(id2label[index])
        label = (override or {}).get(name) or label_of(name)
        if label is None:
            known = ", ".join(repr(str(id2label[i])) for i in range(len(id2label)))
            raise ModelLoadError(f"cannot map the model's label {name!r} (labels {known}) to one of "
                                 f"{', '.join(LABELS)}: set model.label_map")
        mapped.append(label)
    if "negative" not in mapped or "positive" not in mapped:
        raise ModelLoadError(f"the model's labels {mapped} must include negative and positive")
    return tuple(mapped)
