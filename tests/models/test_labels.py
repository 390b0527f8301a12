from __future__ import annotations

import pytest

from supportwatch.models import ModelLoadError
from supportwatch.models.labels import label_of, map_labels


def test_names_are_matched_case_insensitively() -> None:
    assert map_labels({0: "Negative", 1: "NEUTRAL", 2: "positive"}) == ("negative", "neutral", "positive")
    assert map_labels({0: "neg", 1: "neu", 2: "pos"}) == ("negative", "neutral", "positive")


def test_binary_models_are_accepted() -> None:
    assert map_labels({0: "NEGATIVE", 1: "POSITIVE"}) == ("negative", "positive")


def test_unknown_names_need_a_label_map() -> None:
    with pytest.raises(ModelLoadError, match="label_map"):
        map_labels({0: "LABEL_0", 1: "LABEL_1", 2: "LABEL_2"})
    mapped = map_labels({0: "LABEL_0", 1: "LABEL_1", 2: "LABEL_2"},
                        {"LABEL_0": "negative", "LABEL_1": "neutral", "LABEL_2": "positive"})
    assert mapped == ("negative", "neutral", "positive")


def test_a_model_without_both_polarities_is_refused() -> None:
    with pytest.raises(ModelLoadError, match="negative and positive"):
        map_labels({0: "neutral", 1: "positive"})


def test_label_of() -> None:
    assert label_of(" Pos ") == "positive"
    assert label_of("angry") is None
