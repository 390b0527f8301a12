"""Export a Hugging Face sequence classifier to ONNX, graph-optimised, with a dynamic int8 copy.

    python -m supportwatch.models.training.export SRC_DIR OUT_DIR [--no-fp32]

Writes ``OUT_DIR/model.onnx`` (fp32), ``OUT_DIR/model-int8.onnx`` (int8 weights per output
channel, dynamic activation quantisation), the tokenizer, ``config.json`` (labels) and the
source's ``training.json`` record when it has one, so that
``ModelSettings(path=OUT_DIR, backend="onnx-int8")`` loads it.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

import onnx
import torch
from transformers import AutoModelForSequenceClassification, AutoTokenizer, PreTrainedModel

FP32_NAME = "model.onnx"
INT8_NAME = "model-int8.onnx"


class _Logits(torch.nn.Module):
    def __init__(self, model: PreTrainedModel) -> None:
        super().__init__()
        self.model = model

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        logits: torch.Tensor = self.model(input_ids=input_ids, attention_mask=attention_mask).logits
        return logits


def _optimise(raw: Path, target: Path, model: PreTrainedModel) -> None:
    """Fuse attention, layer norms and GELU where ONNX Runtime's transformer optimiser knows the model."""
    from onnxruntime.transformers.optimizer import optimize_model

    config = model.config
    model_type = "bert" if config.model_type in {"bert", "roberta", "distilbert", "xlm-roberta"} else None
    if model_type is None:
        target.write_bytes(raw.read_bytes())
        return
    optimised = optimize_model(str(raw), model_type=model_type, num_heads=config.num_attention_heads,
                               hidden_size=config.hidden_size, opt_level=1)
    optimised.save_model_to_file(str(target))


def export(src: Path, out: Path, keep_fp32: bool = True) -> Path:
    """Export ``src`` into ``out``; returns the int8 model's path."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    tokenizer = AutoTokenizer.from_pretrained(src)
    # Eager attention exports the MatMul/Softmax pattern that the optimiser fuses into one Attention
    # operator (QAttention once quantised); the SDPA export is not recognised and stays unfused.
    model = AutoModelForSequenceClassification.from_pretrained(src, dtype=torch.float32,
                                                               attn_implementation="eager").eval()
    out.mkdir(parents=True, exist_ok=True)
    sample = tokenizer(["a short one", "and a somewhat longer sample text to export"], padding=True,
                       return_tensors="pt")
    axes = {0: "batch", 1: "tokens"}
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "raw.onnx"
        torch.onnx.export(_Logits(model), (sample["input_ids"], sample["attention_mask"]), str(raw),
                          input_names=["input_ids", "attention_mask"], output_names=["logits"],
                          dynamic_axes={"input_ids": axes, "attention_mask": axes, "logits": {0: "batch"}},
                          opset_version=17, dynamo=False)
        fp32 = out / FP32_NAME
        _optimise(raw, fp32, model)
    int8 = out / INT8_NAME
    # Fused operators (com.microsoft domain) defeat shape inference: their outputs are float.
    quantize_dynamic(str(fp32), str(int8), weight_type=QuantType.QInt8, per_channel=True,
                     extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT})
    if not keep_fp32:
        fp32.unlink()
    tokenizer.save_pretrained(out)
    model.config.save_pretrained(out)
    if (src / "training.json").is_file() and src.resolve() != out.resolve():
        shutil.copy(src / "training.json", out / "training.json")
    return int8


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("src", type=Path, help="Hugging Face model directory")
    parser.add_argument("out", type=Path)
    parser.add_argument("--no-fp32", action="store_true", help="keep only the int8 model")
    args = parser.parse_args(argv)
    int8 = export(args.src, args.out, keep_fp32=not args.no_fp32)
    print(f"wrote {int8} ({int8.stat().st_size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
