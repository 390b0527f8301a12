from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from supportwatch.models import EvaluationDataError
from supportwatch.models.classifier import TransformerClassifier
from supportwatch.models.commands import read_labelled, run_classify, run_evaluate


def test_classify_writes_one_object_per_line_in_order(fast_classifier: TransformerClassifier) -> None:
    lines = ["I love you guys, thank you!\n", "\n", "This is a disgrace, worst support ever.\n",
             "Where is your office?"]
    out = io.StringIO()
    assert run_classify(fast_classifier, lines, out, batch_size=2) == 4
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [r["label"] for r in rows] == ["positive", "neutral", "negative", "neutral"]
    assert rows[1] == {"label": "neutral", "score": 0.0,
                       "probs": {"negative": 0.0, "neutral": 1.0, "positive": 0.0}}
    for row in rows:
        assert set(row) == {"label", "score", "probs"}
        assert -1 <= row["score"] <= 1


def test_evaluate_prints_quality_and_speed(fast_classifier: TransformerClassifier, tmp_path: Path) -> None:
    path = tmp_path / "val.jsonl"
    rows = [{"text": "Thanks, wonderful help!", "label": "positive"},
            {"text": "Awful. I am so angry with you.", "label": "negative"},
            {"text": "Awful. I am so angry with you!", "label": "positive"},
            {"text": "The meeting is at 3pm.", "label": "Neutral"}]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n\n", encoding="utf-8")
    out = io.StringIO()
    quality = run_evaluate(fast_classifier, path, out, batch_size=8)
    assert quality.total == 4
    assert quality.accuracy == pytest.approx(0.75)
    assert quality.confusion[2][0] == 1
    text = out.getvalue()
    assert "accuracy 0.7500" in text
    assert f"macro-F1 {quality.macro_f1:.4f}" in text
    assert "true \\ predicted" in text
    assert "messages/s" in text


@pytest.mark.parametrize(("line", "message"), [
    ("not json", "not a JSON object"),
    ('{"text": "hi"}', "not a JSON object"),
    ('{"text": 3, "label": "positive"}', "text must be a string"),
    ('{"text": "hi", "label": "angry"}', "unknown label"),
])
def test_bad_lines_name_the_line(tmp_path: Path, line: str, message: str) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"text": "fine", "label": "neutral"}\n' + line + "\n", encoding="utf-8")
    with pytest.raises(EvaluationDataError, match=message) as caught:
        read_labelled(path)
    assert caught.value.line == 2
    assert str(caught.value).startswith(f"{path}:2:")


def test_evaluate_prints_per_class_recall_and_styles(fast_classifier: TransformerClassifier,
                                                     tmp_path: Path) -> None:
    path = tmp_path / "styled.jsonl"
    rows = [{"text": "Thanks, wonderful help!", "label": "positive", "style": "chat"},
            {"text": "Awful. I am so angry with you.", "label": "negative", "style": "email"},
            {"text": "The meeting is at 3pm.", "label": "neutral", "style": "chat"}]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    out = io.StringIO()
    run_evaluate(fast_classifier, path, out, batch_size=8)
    text = out.getvalue()
    assert "precision  recall" in text and "support" in text
    assert "style chat: messages 2" in text and "style email: messages 1" in text


def test_the_shipped_check_set_is_well_formed() -> None:
    path = Path(__file__).resolve().parents[2] / "models" / "checks" / "support-mixed.jsonl"
    texts, labels = read_labelled(path)
    assert len(texts) >= 250 and len(set(texts)) == len(texts)
    assert set(labels) == {"negative", "neutral", "positive"}
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert {r["style"] for r in rows} == {"chat", "email", "social", "messaging"}
