"""The ``model.device`` setting: the GPU path's batching and threaded tokenising, checked on the CPU."""

from __future__ import annotations

import json
from pathlib import Path

import pydantic
import pytest
import torch

from supportwatch.models import ModelLoadError, ModelSettings, load_classifier
from supportwatch.models.backends import resolve_device
from supportwatch.models.classifier import TransformerClassifier

VALIDATION = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "tweeteval-sentiment-val.jsonl"
SHORT = ["I love you guys, thank you!", "", "This is a disgrace, worst support ever.", "Where is your office?",
         "@airline my flight is delayed again", "ok thanks", "https://t.co/x", "Refund still not here after 3 weeks."]


def _texts(count: int) -> list[str]:
    if VALIDATION.is_file():
        lines = VALIDATION.read_text(encoding="utf-8").splitlines()[:count]
        return [json.loads(line)["text"] for line in lines]
    return [f"{text} ({i})" for i in range(count // len(SHORT) + 1) for text in SHORT][:count]


def test_device_setting_is_validated() -> None:
    assert ModelSettings().device == "cpu"
    assert ModelSettings(device="auto").device == "auto"
    with pytest.raises(pydantic.ValidationError):
        ModelSettings(device="tpu")  # type: ignore[arg-type]


def test_auto_picks_what_torch_sees() -> None:
    assert resolve_device("auto") == ("cuda" if torch.cuda.is_available() else "cpu")
    assert resolve_device("cpu") == "cpu"


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a GPU")
def test_cuda_without_a_gpu_is_a_load_error() -> None:
    with pytest.raises(ModelLoadError, match="no GPU"):
        load_classifier(ModelSettings(backend="torch", device="cuda"))


def test_threaded_encoding_path_gives_the_cpu_labels(reference_classifier: TransformerClassifier) -> None:
    """device=cpu through the GPU code path (several encode workers, chunked, larger batches) labels
    every text as the plain torch CPU path does, in the caller's order, empty texts included."""
    texts = [*SHORT, *_texts(300)]
    threaded = load_classifier(ModelSettings(backend="torch", device="cpu", batch_size=16, encode_workers=3))
    mine, theirs = threaded.classify(texts), reference_classifier.classify(texts)
    assert [s.label for s in mine] == [s.label for s in theirs]
    assert max(abs(a.score - b.score) for a, b in zip(mine, theirs, strict=True)) < 1e-4
    assert mine[1] == theirs[1] and mine[1].score == 0.0


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no GPU: torch.cuda.is_available() is False")
def test_cuda_fp16_agrees_with_the_cpu_reference(reference_classifier: TransformerClassifier) -> None:
    texts = [*SHORT, *_texts(2000)]
    gpu = load_classifier(ModelSettings(backend="torch", device="cuda"))
    mine, theirs = gpu.classify(texts), reference_classifier.classify(texts)
    agree = sum(a.label == b.label for a, b in zip(mine, theirs, strict=True)) / len(texts)
    assert agree >= 0.99
    assert max(abs(a.score - b.score) for a, b in zip(mine, theirs, strict=True)) < 0.05
    assert [s.label for s in gpu.classify(SHORT)] == [s.label for s in reference_classifier.classify(SHORT)]
