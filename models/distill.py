"""Distil the fine-tuned 6-layer teacher into a smaller student for fast CPU inference.

    python -m models.distill --teacher build/teacher --out build/student-l3

The teacher's logits over the training split (the slow part: a full fp32 pass) are kept in
``--logits`` and reused by later runs with the same teacher, split and length.

The student is the teacher with only some encoder layers kept (default 0, 2, 5: the bottom
layer, one from the middle and the top one, whose output the classifier head was trained on),
then trained one epoch on the same corpus split as the teacher, on a mix of the hard labels and
the teacher's temperature-softened probabilities. A fixed seed drives everything.
"""

from __future__ import annotations

import argparse
import copy
import random
import time
from pathlib import Path
from typing import Any

import torch
from torch.nn import functional
from transformers import (
    AutoModelForSequenceClassification,
    AutoTokenizer,
    PreTrainedModel,
)

from models.data import Example, download_vader_sdist, load_corpus
from models.train import Trainer, batches


def truncate_layers(teacher: PreTrainedModel, keep: list[int]) -> PreTrainedModel:
    """A copy of a BERT-style classifier keeping only the encoder layers ``keep`` (in order)."""
    student = copy.deepcopy(teacher)
    encoder: Any = student.base_model.encoder
    encoder.layer = torch.nn.ModuleList([encoder.layer[i] for i in keep])
    student.config.num_hidden_layers = len(keep)
    return student


def length_batches(rows: list[Example], lengths: dict[str, int], size: int,
                   rng: random.Random) -> list[list[Example]]:
    """Batches of similar length (little padding), in random order."""
    keyed = sorted(rows, key=lambda e: (lengths[e.text], rng.random()))
    chunks = [keyed[i : i + size] for i in range(0, len(keyed), size)]
    rng.shuffle(chunks)
    return chunks


@torch.inference_mode()
def teacher_logits(teacher: PreTrainedModel, tokenizer: object, rows: list[Example],
                   max_len: int) -> dict[str, torch.Tensor]:
    teacher.eval()
    out: dict[str, torch.Tensor] = {}
    for chunk in batches(sorted(rows, key=lambda e: len(e.text)), 128, None):
        enc = tokenizer([e.text for e in chunk], truncation=True, max_length=max_len,  # type: ignore[operator]
                        padding=True, return_tensors="pt")
        for example, logits in zip(chunk, teacher(**enc).logits, strict=True):
            out[example.text] = logits.clone()
    return out


def cached_logits(path: Path | None, teacher: PreTrainedModel, tokenizer: object, rows: list[Example],
                  max_len: int) -> dict[str, torch.Tensor]:
    """The teacher's logits for ``rows``, from ``path`` when it holds them all, else computed (and saved)."""
    if path is not None and path.is_file():
        saved: dict[str, torch.Tensor] = torch.load(path)
        if all(e.text in saved for e in rows):
            return saved
    soft = teacher_logits(teacher, tokenizer, rows, max_len)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        torch.save(soft, path)
    return soft


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--teacher", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--layers", default="0,2,5")
    parser.add_argument("--cache", type=Path, default=Path("build/cache"))
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--holdout", type=int, default=5000)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--lr", type=float, default=6e-5)
    parser.add_argument("--max-len", type=int, default=64)
    parser.add_argument("--temperature", type=float, default=2.0)
    parser.add_argument("--alpha", type=float, default=0.5, help="weight of the hard-label loss")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--limit", type=int, default=0, help="train on the first N examples only (smoke runs)")
    parser.add_argument("--logits", type=Path, default=None,
                        help="file of the teacher's logits: read if it exists, written otherwise")
    args = parser.parse_args(argv)

    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    rng = random.Random(args.seed)  # noqa: S311 - reproducible shuffling, not security
    train_rows, test_rows = load_corpus(download_vader_sdist(args.cache), args.seed, args.holdout)
    if args.limit:
        train_rows = train_rows[: args.limit]
    tokenizer = AutoTokenizer.from_pretrained(args.teacher)
    teacher = AutoModelForSequenceClassification.from_pretrained(args.teacher, dtype=torch.float32)
    started = time.monotonic()
    # alpha 1 trains the truncated teacher on the hard labels only (no teacher pass: faster).
    soft = cached_logits(args.logits, teacher, tokenizer, train_rows, args.max_len) if args.alpha < 1 else {}
    logits_seconds = time.monotonic() - started
    print(f"teacher logits for {len(soft)} texts in {logits_seconds:.0f}s", flush=True)
    lengths = {e.text: min(len(ids), args.max_len) for e, ids in
               zip(train_rows, tokenizer([e.text for e in train_rows])["input_ids"], strict=True)}

    keep = [int(i) for i in args.layers.split(",")]
    student = truncate_layers(teacher, keep)
    del teacher
    trainer = Trainer(student, args.epochs * ((len(train_rows) + args.batch_size - 1) // args.batch_size), args.lr)
    t = args.temperature
    for _ in range(args.epochs):
        student.train()
        for chunk in length_batches(train_rows, lengths, args.batch_size, rng):
            enc = tokenizer([e.text for e in chunk], truncation=True, max_length=args.max_len,
                            padding=True, return_tensors="pt")
            logits = student(**enc).logits
            loss = functional.cross_entropy(logits, torch.tensor([e.label for e in chunk]))
            if soft:
                target = torch.stack([soft[e.text] for e in chunk])
                distil = functional.kl_div(functional.log_softmax(logits / t, -1),
                                           functional.softmax(target / t, -1), reduction="batchmean")
                loss = args.alpha * loss + (1 - args.alpha) * distil * t * t
            trainer.step(loss)

    trainer.finish(tokenizer, test_rows, args.max_len, args.out, {
        "teacher": str(args.teacher), "layers_kept": keep, "seed": args.seed, "epochs": args.epochs,
        "batch_size": args.batch_size, "lr": args.lr, "max_len": args.max_len,
        "temperature": args.temperature, "alpha": args.alpha, "train_examples": len(train_rows),
        "held_out": len(test_rows), "teacher_logits_seconds": round(logits_seconds),
    })


if __name__ == "__main__":
    main()
