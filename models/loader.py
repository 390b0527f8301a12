"""``load_classifier``: resolve the configured model, load its tokenizer and backend once."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING

from supportwatch.models.exceptions import ModelLoadError
from supportwatch.models.labels import map_labels
from supportwatch.models.settings import DEFAULT_MODEL, SHIPPED, WEIGHTS_DIR, ModelSettings

if TYPE_CHECKING:
    from supportwatch.models.classifier import TransformerClassifier


def resolve(settings: ModelSettings) -> str:
    """The directory (or hub id) that ``settings.path`` names for its backend."""
    if settings.path == DEFAULT_MODEL:
        return str(SHIPPED[settings.backend])
    shipped = WEIGHTS_DIR / settings.path
    if "/" not in settings.path and shipped.is_dir():
        return str(shipped)
    return settings.path


def load_classifier(settings: ModelSettings) -> TransformerClassifier:
    """Load the configured model once (seconds); call it at start-up, never per message.

    Offline use works from a local directory; hub ids need the hub or its cache
    (``HF_HUB_OFFLINE=1`` makes transformers use the cache only).
    """
    from transformers import AutoTokenizer

    from supportwatch.models.backends import ONNX_FILES, OnnxRunner, TorchRunner
    from supportwatch.models.classifier import TransformerClassifier
    from supportwatch.models.encoding import Encoder

    source = resolve(settings)
    try:
        tokenizer = AutoTokenizer.from_pretrained(source, use_fast=True)
    except (OSError, ValueError) as exc:
        raise ModelLoadError(f"cannot load a tokenizer from {source!r}: {exc}") from exc
    runner: TorchRunner | OnnxRunner
    batch_size, workers = settings.batch_size, settings.encode_workers or 1
    if settings.backend in ONNX_FILES:
        directory = Path(source)
        if not directory.is_dir():
            raise ModelLoadError(f"the {settings.backend} backend needs a local directory, not {source!r}")
        runner = OnnxRunner(directory / ONNX_FILES[settings.backend], settings.threads)
        id2label = _config_labels(directory)
    else:
        runner = TorchRunner(source, settings.threads, int8=settings.backend == "torch-int8",
                             device=settings.device)
        id2label = runner.id2label
        if runner.device != "cpu":
            # The GPU wants large batches and would wait on one tokenising thread (BENCHMARKS.md "Sentiment").
            batch_size = settings.gpu_batch_size
            workers = settings.encode_workers or min(8, os.cpu_count() or 1)
    labels = map_labels(id2label, settings.label_map)
    return TransformerClassifier(runner, Encoder(tokenizer, settings.max_tokens), labels,
                                 batch_size, settings.backend, source, encode_workers=workers)


def _config_labels(directory: Path) -> dict[int, str]:
    try:
        config = json.loads((directory / "config.json").read_text(encoding="utf-8"))
        return {int(k): str(v) for k, v in config["id2label"].items()}
    except (OSError, ValueError, KeyError, AttributeError) as exc:
        raise ModelLoadError(f"{directory / 'config.json'} has no usable id2label: {exc}") from exc
