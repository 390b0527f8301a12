"""Settings of the sentiment classifier (the ``model`` group of supportwatch's settings)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from supportwatch.models.protocol import Label

Backend = Literal["onnx-int8", "onnx", "torch", "torch-int8"]
Device = Literal["cpu", "cuda", "auto"]

WEIGHTS_DIR = Path(__file__).resolve().parent / "weights"
# The shipped default, per backend: for ONNX Runtime the 3-layer student distilled from the
# fine-tuned 6-layer MiniLM (int8; no fp32 ONNX file is shipped), for torch that 6-layer model
# itself (fp16 safetensors loaded as fp32: the reference). ``minilm-sentiment-l6`` also has an
# int8 ONNX export, for teams that trade speed for a little accuracy (models/MODEL_CARD.md).
DEFAULT_MODEL = "minilm-sentiment"
SHIPPED = {
    "onnx-int8": WEIGHTS_DIR / "minilm-sentiment-l3",
    "onnx": WEIGHTS_DIR / "minilm-sentiment-l3",
    "torch": WEIGHTS_DIR / "minilm-sentiment-l6",
    "torch-int8": WEIGHTS_DIR / "minilm-sentiment-l6",
}


class ModelSettings(BaseModel):
    """Which model to load and how to run it.

    ``path`` is ``"minilm-sentiment"`` (the shipped default, resolved per backend), a name of a
    directory under ``models/weights/``, a local Hugging Face model directory, or a hub id (only
    for machines that reach the hub; ``HF_HUB_OFFLINE=1`` is respected).
    ONNX backends read ``model-int8.onnx`` (``onnx-int8``) or ``model.onnx`` (``onnx``) from the
    directory; ``python -m supportwatch.models.training.export`` writes both for any Hugging Face classifier.
    ``label_map`` maps the model's own label names to ours when they are not recognised.

    ``device`` applies to the ``torch`` backend: ``cpu`` (default), ``cuda`` (fp16 on the GPU; a load
    error where there is none) or ``auto`` (cuda when torch sees a GPU, else cpu). On cuda a classify
    call runs in length-sorted batches of ``gpu_batch_size`` and tokenises its chunks on
    ``encode_workers`` threads (0: one per CPU core, at most 8) while the GPU works.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    path: str = DEFAULT_MODEL
    backend: Backend = "onnx-int8"
    max_tokens: int = Field(default=128, ge=8, le=512)
    # texts per inference call, after sorting a classify call's texts by length (BENCHMARKS.md "Sentiment")
    batch_size: int = Field(default=8, ge=1, le=1024)
    threads: int = Field(default=2, ge=1, le=64)
    device: Device = "cpu"
    gpu_batch_size: int = Field(default=512, ge=1, le=8192)
    # threads that clean and tokenise chunks of a classify call ahead of the model; 0 = auto
    # (1 on cpu: the model is the limit there; one per core, at most 8, on cuda)
    encode_workers: int = Field(default=0, ge=0, le=64)
    label_map: dict[str, Label] | None = None
