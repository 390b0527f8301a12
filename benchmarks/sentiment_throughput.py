"""Sentiment throughput and quality, all backends in one run on real short messages.

    python benchmarks/sentiment_throughput.py [--data FILE.jsonl] [--naive-limit N]

For each configuration: messages/s of end-to-end ``classify`` (cleaning, tokenising, padding,
inference, softmax), accuracy and macro-F1 on the labelled file, then the ratios the targets are
stated in: the fast default against the torch fp32 reference and against a naive loop of
``transformers.pipeline("sentiment-analysis", model=<reference>)`` one message at a time.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import torch

from models import ModelSettings, load_classifier
from models.commands import read_labelled
from models.protocol import LABELS
from models.scoring import Quality, score
from models.settings import SHIPPED

DATA = Path("/work/shared/data/tweeteval-sentiment-val.jsonl")


@dataclass(frozen=True)
class Row:
    name: str
    backend: str
    batch: int
    messages: int
    rate: float
    accuracy: float
    macro_f1: float


def measure(name: str, backend: str, predict: Callable[[Sequence[str]], list[str]], texts: list[str],
            truth: list[str], batch_size: int) -> Row:
    predict(texts[:batch_size])  # warm-up
    predicted: list[str] = []
    started = time.perf_counter()
    for start in range(0, len(texts), batch_size):
        predicted.extend(predict(texts[start : start + batch_size]))
    seconds = time.perf_counter() - started
    quality: Quality = score(LABELS, truth, predicted)
    row = Row(name, backend, batch_size, len(texts), len(texts) / seconds, quality.accuracy, quality.macro_f1)
    print(f"| {name} | {batch_size} | {len(texts)} | {row.rate:.0f} | {row.accuracy:.4f} "
          f"| {row.macro_f1:.4f} |", flush=True)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--naive-limit", type=int, default=500, help="messages for the naive pipeline loop")
    parser.add_argument("--limit", type=int, default=0, help="first N messages only (0 = all)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--out", type=Path, default=None, help="also write the rows as JSON")
    args = parser.parse_args()

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    torch.set_num_threads(args.threads)
    texts, truth_labels = read_labelled(args.data)
    if args.limit:
        texts, truth_labels = texts[: args.limit], truth_labels[: args.limit]
    truth: list[str] = list(truth_labels)
    tokens = sum(len(t.split()) for t in texts) / len(texts)
    print(f"{args.data.name}: {len(texts)} messages, {tokens:.1f} words on average; "
          f"{os.cpu_count()} CPUs ({platform.processor() or platform.machine()}), threads {args.threads}")
    print("| configuration | batch | messages | messages/s | accuracy | macro-F1 |")
    print("| --- | --- | --- | --- | --- | --- |")
    rows: list[Row] = []
    configs = [("onnx-int8", "L6 int8, ONNX Runtime (default)", (1, 8, 32, 64)),
               ("torch-int8", "L6 reference, torch dynamic int8", (32,)),
               ("torch", "L6 reference, torch fp32", (1, 32))]
    for backend, label, sizes in configs:
        for size in sizes:
            started = time.perf_counter()
            classifier = load_classifier(ModelSettings(backend=backend, batch_size=size, threads=args.threads))
            print(f"<!-- {backend} loaded in {time.perf_counter() - started:.1f}s -->", flush=True)
            rows.append(measure(label, backend, lambda batch, c=classifier: [s.label for s in c.classify(batch)],
                                texts, truth, size))

    from transformers import pipeline

    naive = pipeline("sentiment-analysis", model=str(SHIPPED["torch"]), device="cpu", dtype=torch.float32)
    subset = texts[: args.naive_limit]
    naive_row = measure("naive transformers.pipeline loop, L6 reference fp32", "pipeline",
                        lambda batch: [str(naive(t)[0]["label"]).lower() for t in batch],
                        subset, truth[: len(subset)], 1)
    rows.append(naive_row)

    fast = next(r for r in rows if r.backend == "onnx-int8" and r.batch == 32)
    reference = next(r for r in rows if r.backend == "torch" and r.batch == 32)
    print(f"\nfast default (batch 32) vs torch fp32 reference (batch 32): {fast.rate / reference.rate:.1f}x "
          f"messages/s, macro-F1 {fast.macro_f1 - reference.macro_f1:+.4f}")
    print(f"fast default (batch 32) vs naive pipeline loop: {fast.rate / naive_row.rate:.1f}x messages/s")
    if args.out is not None:
        args.out.write_text(json.dumps([asdict(r) for r in rows], indent=2) + "\n")


if __name__ == "__main__":
    main()
