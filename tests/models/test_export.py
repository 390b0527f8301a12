"""Any Hugging Face classifier directory exports to ONNX and gives the torch backend's answers."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from transformers import AutoTokenizer, BertConfig, BertForSequenceClassification

from supportwatch.models import ModelSettings, load_classifier
from supportwatch.models.settings import SHIPPED
from supportwatch.models.training.export import FP32_NAME, INT8_NAME, export

TEXTS = ["I am happy", "this is bad, really bad and slow", "", "ok", "where is my parcel number 77?"]


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small random BERT classifier with labels named the way many hub models name them."""
    torch.manual_seed(0)
    config = BertConfig(vocab_size=30522, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                        intermediate_size=64, num_labels=3,
                        id2label={0: "NEG", 1: "NEU", 2: "POS"}, label2id={"NEG": 0, "NEU": 1, "POS": 2})
    directory = tmp_path_factory.mktemp("tiny")
    BertForSequenceClassification(config).save_pretrained(directory)
    AutoTokenizer.from_pretrained(SHIPPED["onnx-int8"]).save_pretrained(directory)
    return directory


def test_export_matches_torch(tiny_model: Path, tmp_path: Path) -> None:
    int8 = export(tiny_model, tmp_path)
    assert int8 == tmp_path / INT8_NAME
    assert (tmp_path / FP32_NAME).is_file()
    torch_results = load_classifier(ModelSettings(path=str(tiny_model), backend="torch")).classify(TEXTS)
    onnx_results = load_classifier(ModelSettings(path=str(tmp_path), backend="onnx")).classify(TEXTS)
    for expected, got in zip(torch_results, onnx_results, strict=True):
        for label in ("negative", "neutral", "positive"):
            assert got.probs[label] == pytest.approx(expected.probs[label], abs=1e-4)
    int8_results = load_classifier(ModelSettings(path=str(tmp_path), backend="onnx-int8")).classify(TEXTS)
    assert len(int8_results) == len(TEXTS)
    for result in int8_results:
        assert sum(result.probs.values()) == pytest.approx(1.0)


def test_int8_only_export(tiny_model: Path, tmp_path: Path) -> None:
    export(tiny_model, tmp_path, keep_fp32=False)
    assert not (tmp_path / FP32_NAME).exists()
    assert (tmp_path / INT8_NAME).stat().st_size > 0
