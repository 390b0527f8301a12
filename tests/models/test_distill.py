from __future__ import annotations

import random
from pathlib import Path

import pytest
import torch
from transformers import AutoTokenizer, BertConfig, BertForSequenceClassification

from supportwatch.models.settings import SHIPPED
from supportwatch.models.training.data import Example
from supportwatch.models.training.distill import cached_logits, length_batches, truncate_layers


def test_truncate_keeps_the_chosen_layers_and_leaves_the_teacher_alone() -> None:
    torch.manual_seed(0)
    config = BertConfig(vocab_size=100, hidden_size=16, num_hidden_layers=4, num_attention_heads=2,
                        intermediate_size=32, num_labels=3)
    teacher = BertForSequenceClassification(config)
    student = truncate_layers(teacher, [0, 3])
    assert student.config.num_hidden_layers == 2
    assert len(student.bert.encoder.layer) == 2
    assert len(teacher.bert.encoder.layer) == 4
    for mine, theirs in ((0, 0), (1, 3)):
        assert torch.equal(student.bert.encoder.layer[mine].output.dense.weight,
                           teacher.bert.encoder.layer[theirs].output.dense.weight)
    assert torch.equal(student.classifier.weight, teacher.classifier.weight)
    ids = torch.tensor([[1, 5, 7, 2]])
    assert student(input_ids=ids).logits.shape == (1, 3)


def test_length_batches_cover_all_rows_with_similar_lengths() -> None:
    rows = [Example(f"text {i}", i % 3, "test") for i in range(100)]
    lengths = {row.text: (i * 37) % 50 for i, row in enumerate(rows)}
    chunks = length_batches(rows, lengths, 8, random.Random(1))
    assert sorted(row.text for chunk in chunks for row in chunk) == sorted(row.text for row in rows)
    assert max(max(lengths[r.text] for r in c) - min(lengths[r.text] for r in c) for c in chunks) <= 5
    again = length_batches(rows, lengths, 8, random.Random(1))
    assert [[r.text for r in c] for c in chunks] == [[r.text for r in c] for c in again]


def test_teacher_logits_are_kept_and_reused_only_when_they_cover_the_rows(tmp_path: Path) -> None:
    torch.manual_seed(0)
    tokenizer = AutoTokenizer.from_pretrained(SHIPPED["onnx-int8"])
    config = BertConfig(vocab_size=tokenizer.vocab_size, hidden_size=16, num_hidden_layers=1,
                        num_attention_heads=2, intermediate_size=32, num_labels=3)
    teacher = BertForSequenceClassification(config).eval()
    rows = [Example(text, 0, "test") for text in ("great service", "still waiting", "ok")]
    path = tmp_path / "logits.pt"
    first = cached_logits(path, teacher, tokenizer, rows, 16)
    assert path.is_file() and set(first) == {row.text for row in rows}

    class Unusable(torch.nn.Module):
        def forward(self, **_: object) -> None:
            raise AssertionError("the teacher ran although its logits were saved")

    again = cached_logits(path, Unusable(), tokenizer, rows, 16)  # type: ignore[arg-type]
    assert all(torch.equal(again[text], first[text]) for text in first)
    with pytest.raises(AssertionError, match="teacher ran"):
        cached_logits(path, Unusable(), tokenizer, [*rows, Example("a new text", 2, "test")], 16)  # type: ignore[arg-type]
