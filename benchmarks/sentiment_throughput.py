"""Sentiment throughput and quality, every configuration in one run, on real short messages.

    python benchmarks/sentiment_throughput.py [--data FILE.jsonl] [--quality FILE.jsonl ...]
                                              [--naive-limit N] [--student-torch DIR]

Throughput is end-to-end ``classify`` (cleaning, tokenising, head+tail cut, length-sorted dynamic
padding, inference, softmax) the way the ingest agent calls it: the messages arrive in chunks of
``chunk`` (the agent's ``sentiment_batch_size``) and the classifier runs them in length-sorted
batches of ``batch`` (``model.batch_size``). Quality (accuracy, macro-F1) is scored on ``--data``
and on every ``--quality`` file. Then the ratios the targets are stated in: the shipped default
against the torch fp32 reference model (speed and macro-F1) and against a naive loop of
``transformers.pipeline("sentiment-analysis", model=<reference>)`` one message at a time.
``--student-torch`` (the distilled student's torch directory, e.g. build/student-l3) adds the
naive loop over the student itself. Where torch sees a GPU, the torch reference also runs with
``model.device=cuda`` (fp16, batches of ``model.gpu_batch_size``, threaded tokenising) in chunks
of 4,096 (``--gpu-repeat`` copies of the messages, so the GPU has work to measure).

Rates on a shared machine mean little: the 1-minute load average is printed before and after the
run, and the run refuses to start above ``--max-load`` (1.5) unless ``--max-load 0``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch

from supportwatch.models import ModelSettings, load_classifier
from supportwatch.models.commands import read_labelled
from supportwatch.models.protocol import LABELS, Classifier
from supportwatch.models.scoring import score
from supportwatch.models.settings import SHIPPED, Backend, Device

DATA = Path("/work/shared/data/tweeteval-sentiment-val.jsonl")
Predict = Callable[[Sequence[str]], list[str]]


@dataclass(frozen=True)
class Config:
    name: str
    backend: Backend
    path: str
    chunk: int
    batch: int
    device: Device = "cpu"


@dataclass
class Row:
    name: str
    backend: str
    chunk: int
    batch: int
    messages: int
    rate: float
    macro_f1: dict[str, float] = field(default_factory=dict)
    accuracy: dict[str, float] = field(default_factory=dict)


def rate_of(predict: Predict, texts: list[str], chunk: int) -> tuple[float, list[str]]:
    predict(texts[:chunk])  # warm-up
    predicted: list[str] = []
    started = time.perf_counter()
    for start in range(0, len(texts), chunk):
        predicted.extend(predict(texts[start : start + chunk]))
    return len(texts) / (time.perf_counter() - started), predicted


def scored(row: Row, name: str, truth: Sequence[str], predicted: Sequence[str]) -> None:
    quality = score(LABELS, list(truth), list(predicted))
    row.accuracy[name], row.macro_f1[name] = quality.accuracy, quality.macro_f1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DATA, help="labelled messages the rates are measured on")
    parser.add_argument("--quality", type=Path, action="append", default=[],
                        help="more labelled files to score quality on (e.g. build/heldout.jsonl)")
    parser.add_argument("--naive-limit", type=int, default=500, help="messages for each naive pipeline loop")
    parser.add_argument("--limit", type=int, default=0, help="first N messages only (0 = all)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--student-torch", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=None, help="also write the rows as JSON")
    parser.add_argument("--max-load", type=float, default=1.5,
                        help="refuse to run above this 1-minute load average (0: run anyway)")
    parser.add_argument("--gpu-repeat", type=int, default=20, help="copies of the messages for the GPU rows")
    args = parser.parse_args()
    load = os.getloadavg()[0]
    print(f"load average (1 min) before: {load:.2f}")
    if args.max_load and load > args.max_load:
        raise SystemExit(f"the machine is loaded ({load:.2f} > {args.max_load}): rates would not mean much")

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    torch.set_num_threads(args.threads)
    texts, truth_labels = read_labelled(args.data)
    if args.limit:
        texts, truth_labels = texts[: args.limit], truth_labels[: args.limit]
    extra = {path.name: read_labelled(path) for path in args.quality}
    words = sum(len(t.split()) for t in texts) / len(texts)
    print(f"{args.data.name}: {len(texts)} messages, {words:.1f} words on average; "
          f"{os.cpu_count()} CPUs ({platform.processor() or platform.machine()}), threads {args.threads}")
    names = [args.data.name, *extra]
    print("| configuration | chunk | batch | messages/s | " + " | ".join(f"macro-F1 {n}" for n in names) + " |")
    print("| --- " * (4 + len(names)) + "|")

    reference = str(SHIPPED["torch"])
    default = "minilm-sentiment"
    configs = [Config("L3 student int8, ONNX Runtime (default)", "onnx-int8", default, chunk, batch)
               for chunk, batch in ((256, 8), (256, 16), (256, 32), (32, 32), (1, 1))]
    configs += [Config("L6 int8, ONNX Runtime", "onnx-int8", "minilm-sentiment-l6", 256, 16),
                Config("L6 reference, torch dynamic int8", "torch-int8", reference, 256, 16),
                Config("L6 reference, torch fp32", "torch", reference, 256, 16),
                Config("L6 reference, torch fp32", "torch", reference, 32, 32)]
    if args.student_torch is not None:
        configs.append(Config("L3 student, torch fp32", "torch", str(args.student_torch), 256, 16))
    if torch.cuda.is_available():
        configs += [Config(f"L6 reference, torch fp16 cuda ({torch.cuda.get_device_name()})", "torch", reference,
                           4096, 512, "cuda"),
                    Config("L3 student int8, ONNX Runtime (default), same chunks", "onnx-int8", default, 4096, 8)]
    rows: list[Row] = []
    for config in configs:
        classifier = load_classifier(ModelSettings(path=config.path, backend=config.backend, device=config.device,
                                                   batch_size=config.batch, gpu_batch_size=config.batch,
                                                   threads=args.threads))

        def predict(batch: Sequence[str], c: Classifier = classifier) -> list[str]:
            return [s.label for s in c.classify(batch)]

        timed = texts * args.gpu_repeat if config.chunk == 4096 else texts
        rate, predicted = rate_of(predict, timed, config.chunk)
        predicted = predicted[: len(texts)]
        row = Row(config.name, config.backend, config.chunk, config.batch, len(timed), rate)
        scored(row, args.data.name, truth_labels, predicted)
        for name, (more_texts, more_truth) in extra.items():
            scored(row, name, more_truth, predict(more_texts))
        rows.append(row)
        print(f"| {row.name} | {row.chunk} | {row.batch} | {row.rate:.0f} | "
              + " | ".join(f"{row.macro_f1[n]:.4f}" for n in names) + " |", flush=True)

    from transformers import pipeline

    naive_models = [("L6 reference", reference)]
    if args.student_torch is not None:
        naive_models.append(("L3 student", str(args.student_torch)))
    subset, subset_truth = texts[: args.naive_limit], truth_labels[: args.naive_limit]
    for label, source in naive_models:
        naive = pipeline("sentiment-analysis", model=source, device="cpu", dtype=torch.float32)
        rate, predicted = rate_of(lambda batch, p=naive: [str(p(t)[0]["label"]).lower() for t in batch], subset, 1)
        row = Row(f"naive `transformers.pipeline` loop, {label} fp32", "pipeline", 1, 1, len(subset), rate)
        scored(row, args.data.name, subset_truth, predicted)
        rows.append(row)
        print(f"| {row.name} | 1 | 1 | {row.rate:.0f} | {row.macro_f1[args.data.name]:.4f} (first {len(subset)}) |",
              flush=True)

    fast = next(r for r in rows if r.backend == "onnx-int8" and r.chunk == 256 and r.batch == 8)
    fp32 = next(r for r in rows if r.backend == "torch" and r.name.startswith("L6") and r.chunk == 256)
    print(f"\ndefault (chunk 256, batch 8) vs L6 torch fp32 reference (same chunks): {fast.rate / fp32.rate:.1f}x "
          "messages/s; macro-F1 " + ", ".join(f"{n} {fast.macro_f1[n] - fp32.macro_f1[n]:+.4f}" for n in names))
    for naive_row in (r for r in rows if r.backend == "pipeline"):
        print(f"default vs {naive_row.name}: {fast.rate / naive_row.rate:.1f}x messages/s")
    print(f"load average (1 min) after: {os.getloadavg()[0]:.2f}")
    if args.out is not None:
        args.out.write_text(json.dumps([asdict(r) for r in rows], indent=2) + "\n")


if __name__ == "__main__":
    main()
