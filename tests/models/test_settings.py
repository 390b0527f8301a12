from __future__ import annotations

import shutil
from pathlib import Path

import pydantic
import pytest

from supportwatch.models import ModelLoadError, ModelSettings, load_classifier
from supportwatch.models.loader import resolve
from supportwatch.models.settings import SHIPPED, WEIGHTS_DIR


def test_settings_are_frozen_and_strict() -> None:
    settings = ModelSettings()
    with pytest.raises(pydantic.ValidationError):
        settings.batch_size = 3  # type: ignore[misc]
    with pytest.raises(pydantic.ValidationError):
        ModelSettings(backend="tensorflow")  # type: ignore[arg-type]
    with pytest.raises(pydantic.ValidationError):
        ModelSettings(max_tokens=2)


def test_default_resolves_per_backend() -> None:
    assert resolve(ModelSettings()) == str(SHIPPED["onnx-int8"])
    assert resolve(ModelSettings(backend="torch")) == str(SHIPPED["torch"])
    assert resolve(ModelSettings(path="minilm-sentiment-l6")) == str(WEIGHTS_DIR / "minilm-sentiment-l6")
    assert resolve(ModelSettings(path="cardiffnlp/twitter-roberta-base-sentiment-latest")) == (
        "cardiffnlp/twitter-roberta-base-sentiment-latest")


def test_shipped_weights_are_complete_and_small() -> None:
    for directory in set(SHIPPED.values()):
        assert (directory / "config.json").is_file()
        assert (directory / "tokenizer.json").is_file()
    assert (SHIPPED["onnx-int8"] / "model-int8.onnx").is_file()
    assert (SHIPPED["torch"] / "model.safetensors").is_file()
    total = sum(f.stat().st_size for f in WEIGHTS_DIR.rglob("*") if f.is_file())
    assert total < 100 * 1024 * 1024


def test_onnx_backend_without_its_file_is_a_load_error(tmp_path: Path) -> None:
    for name in ("config.json", "tokenizer.json", "tokenizer_config.json"):
        shutil.copy(SHIPPED["onnx-int8"] / name, tmp_path / name)
    with pytest.raises(ModelLoadError, match="python -m supportwatch.models.training.export"):
        load_classifier(ModelSettings(path=str(tmp_path), backend="onnx"))


def test_unreachable_hub_id_is_a_load_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ModelLoadError):
        load_classifier(ModelSettings(path="no-such-org/no-such-model", backend="torch"))
