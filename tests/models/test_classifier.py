"""The real shipped model on texts nobody could misread."""

from __future__ import annotations

import pytest

from supportwatch.models import Classifier
from supportwatch.models.classifier import EMPTY, TransformerClassifier

NEGATIVE = [
    "This is the worst service I have ever had. I am furious and cancelling my account.",
    "My order arrived broken and nobody answers. Absolutely terrible, I hate this company.",
    "Third time I'm asking for a refund. Disgusting way to treat customers.",
]
POSITIVE = [
    "Thank you so much, you solved it in minutes! Amazing support, I love it.",
    "Great job, the new plan works perfectly. Very happy with your help!",
    "Wonderful experience, the agent was kind and helpful. Thanks a lot!",
]
NEUTRAL = [
    "What is the address of your office in Berlin?",
    "My order number is 48213.",
]


@pytest.fixture(params=["fast", "reference"])
def classifier(request: pytest.FixtureRequest) -> TransformerClassifier:
    return request.getfixturevalue(f"{request.param}_classifier")


def test_unmistakable_texts(classifier: TransformerClassifier) -> None:
    results = classifier.classify(NEGATIVE + POSITIVE + NEUTRAL)
    labels = [r.label for r in results]
    assert labels == ["negative"] * 3 + ["positive"] * 3 + ["neutral"] * 2
    for result in results[:3]:
        assert result.score < -0.5
    for result in results[3:6]:
        assert result.score > 0.5


def test_probabilities_and_score_are_consistent(classifier: TransformerClassifier) -> None:
    for result in classifier.classify(NEGATIVE + POSITIVE):
        assert set(result.probs) == {"negative", "neutral", "positive"}
        assert sum(result.probs.values()) == pytest.approx(1.0)
        assert result.score == pytest.approx(result.probs["positive"] - result.probs["negative"])
        assert -1.0 <= result.score <= 1.0
        assert result.label == max(result.probs, key=lambda k: result.probs[k])


def test_order_and_batching_do_not_change_results(fast_classifier: TransformerClassifier) -> None:
    texts = NEGATIVE + POSITIVE + NEUTRAL
    together = [r.label for r in fast_classifier.classify(texts)]
    one_by_one = [fast_classifier.classify([t])[0].label for t in texts]
    reversed_run = [r.label for r in fast_classifier.classify(texts[::-1])][::-1]
    assert together == one_by_one == reversed_run


def test_empty_texts_are_skipped_not_classified(fast_classifier: TransformerClassifier) -> None:
    results = fast_classifier.classify(["", "   ", "@support https://x.co/1", NEGATIVE[0]])
    assert results[:3] == [EMPTY, EMPTY, EMPTY]
    assert results[3].label == "negative"
    assert fast_classifier.classify([]) == []


def test_long_and_damaged_texts_never_crash(fast_classifier: TransformerClassifier) -> None:
    email = ("Hello,\n\n" + "I am writing about invoice 2231 and the details of the account. " * 400
             + "\n\nHonestly this is a disgrace, I am furious and want my money back.")
    damaged = "caf\udce9 \x00\x1b[31m n\u0301o \ufffd\ufffd still broken and awful"
    results = fast_classifier.classify([email, damaged, "x" * 1_000_000])
    assert len(results) == 3
    assert results[0].label == "negative"  # the tail of the email carries the feeling


def test_both_backends_satisfy_the_protocol(classifier: TransformerClassifier) -> None:
    assert isinstance(classifier, Classifier)
