"""Backend runners: transformers + torch (the reference, optionally dynamic int8) and ONNX Runtime."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt

from supportwatch.models.exceptions import ModelLoadError

ONNX_FILES = {"onnx-int8": "model-int8.onnx", "onnx": "model.onnx"}


def resolve_device(device: str) -> str:
    """``cpu`` or ``cuda`` for a ``device`` setting (``auto``: cuda when torch sees a GPU)."""
    import torch

    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cuda" and not torch.cuda.is_available():
        raise ModelLoadError("model.device is cuda but torch sees no GPU (use cpu or auto)")
    return device


class TorchRunner:
    """A ``transformers`` sequence classifier in fp32 on the CPU, with its Linear layers dynamically
    int8 (``int8``, CPU only), or in fp16 on a GPU (``device="cuda"``)."""

    def __init__(self, source: str, threads: int, int8: bool, device: str = "cpu") -> None:
        import torch
        from transformers import AutoModelForSequenceClassification

        self.device = resolve_device(device)
        if int8 and self.device != "cpu":
            raise ModelLoadError("the torch-int8 backend runs on the CPU only: use backend torch on cuda")
        torch.set_num_threads(threads)
        try:
            model = AutoModelForSequenceClassification.from_pretrained(source, dtype=torch.float32)
        except (OSError, ValueError) as exc:
            raise ModelLoadError(f"cannot load a torch sequence classifier from {source!r}: {exc}") from exc
        model.eval()
        if int8:
            model = torch.ao.quantization.quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)
        if self.device == "cuda":
            model = model.half().to(self.device)
        self._torch = torch
        self._model = model
        self.id2label = {int(k): str(v) for k, v in model.config.id2label.items()}

    def logits(self, input_ids: npt.NDArray[np.int64],
               attention_mask: npt.NDArray[np.int64]) -> npt.NDArray[np.float32]:
        torch = self._torch
        with torch.inference_mode():
            ids, mask = torch.from_numpy(input_ids), torch.from_numpy(attention_mask)
            if self.device != "cpu":
                ids = ids.pin_memory().to(self.device, non_blocking=True)
                mask = mask.pin_memory().to(self.device, non_blocking=True)
            out = self._model(input_ids=ids, attention_mask=mask)
            result: npt.NDArray[np.float32] = out.logits.float().cpu().numpy()
        return result


class OnnxRunner:
    """An exported classifier (``python -m supportwatch.models.training.export``) on ONNX Runtime's CPU provider."""

    def __init__(self, path: Path, threads: int) -> None:
        import onnxruntime as ort

        if not path.is_file():
            raise ModelLoadError(
                f"no ONNX model at {path}: export one with `python -m supportwatch.models.training.export`")
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        try:
            self._session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        except Exception as exc:  # onnxruntime raises its own untyped errors for damaged files
            raise ModelLoadError(f"cannot load ONNX model {path}: {exc}") from exc
        self._inputs = {i.name for i in self._session.get_inputs()}
        missing = {"input_ids", "attention_mask"} - self._inputs
        if missing:
            raise ModelLoadError(f"ONNX model {path} lacks inputs {sorted(missing)}")

    def logits(self, input_ids: npt.NDArray[np.int64],
               attention_mask: npt.NDArray[np.int64]) -> npt.NDArray[np.float32]:
        feed = {"input_ids": input_ids, "attention_mask": attention_mask}
        if "token_type_ids" in self._inputs:
            feed["token_type_ids"] = np.zeros_like(input_ids)
        result: npt.NDArray[np.float32] = np.asarray(self._session.run(None, feed)[0], dtype=np.float32)
        return result
