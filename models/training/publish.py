"""Copy a trained classifier into ``models/weights/`` as a compact Hugging Face directory.

    python -m supportwatch.models.training.publish build/teacher models/weights/minilm-sentiment-l6

Weights are stored in fp16 (half the bytes; the torch backends load them back as fp32), next to
the tokenizer, ``config.json`` and the run's ``training.json``.
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

import torch
from transformers import AutoModelForSequenceClassification, AutoTokenizer


def publish(src: Path, out: Path) -> None:
    model = AutoModelForSequenceClassification.from_pretrained(src, dtype=torch.float32)
    out.mkdir(parents=True, exist_ok=True)
    model.half().save_pretrained(out)
    AutoTokenizer.from_pretrained(src).save_pretrained(out)
    if (src / "training.json").is_file():
        shutil.copy(src / "training.json", out / "training.json")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("src", type=Path)
    parser.add_argument("out", type=Path)
    args = parser.parse_args(argv)
    publish(args.src, args.out)
    size = sum(f.stat().st_size for f in args.out.iterdir() if f.is_file())
    print(f"wrote {args.out} ({size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
