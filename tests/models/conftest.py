from __future__ import annotations

import pytest
from transformers import AutoTokenizer

from supportwatch.models import ModelSettings, load_classifier
from supportwatch.models.classifier import TransformerClassifier
from supportwatch.models.settings import SHIPPED


@pytest.fixture(scope="session")
def tokenizer() -> object:
    return AutoTokenizer.from_pretrained(SHIPPED["onnx-int8"])


@pytest.fixture(scope="session")
def fast_classifier() -> TransformerClassifier:
    """The shipped default: int8 on ONNX Runtime."""
    return load_classifier(ModelSettings())


@pytest.fixture(scope="session")
def reference_classifier() -> TransformerClassifier:
    """The shipped reference on torch fp32."""
    return load_classifier(ModelSettings(backend="torch"))
