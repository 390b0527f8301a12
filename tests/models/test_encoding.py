from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from supportwatch.models.encoding import Encoder, classifiable, trim_chars


def test_classifiable() -> None:
    assert classifiable("thanks!")
    assert not classifiable("   @support https://example.com/x  ")
    assert not classifiable("")


def test_long_texts_keep_head_and_tail(tokenizer: object) -> None:
    encoder = Encoder(tokenizer, max_tokens=32)
    text = "start " + "filler " * 500 + "terrible service"
    (ids,) = encoder.token_ids([text])
    assert len(ids) == 32
    words = tokenizer.decode(ids, skip_special_tokens=True)  # type: ignore[attr-defined]
    assert words.startswith("start filler")
    assert words.endswith("terrible service")
    assert ids[0] == tokenizer.cls_token_id  # type: ignore[attr-defined]
    assert ids[-1] == tokenizer.sep_token_id  # type: ignore[attr-defined]


def test_a_megabyte_text_is_cut_before_tokenising(tokenizer: object) -> None:
    encoder = Encoder(tokenizer, max_tokens=64)
    (ids,) = encoder.token_ids(["word " * 200_000 + "end"])
    assert len(ids) == 64


def test_trim_chars() -> None:
    assert trim_chars("abcdef", 10) == "abcdef"
    assert trim_chars("abcdefghij", 6) == "abcd ij"


def test_batches_are_length_sorted_and_cover_every_text(tokenizer: object) -> None:
    encoder = Encoder(tokenizer, max_tokens=64)
    texts = ["a b c d e f g h", "hi", "one two three", "ok", "a much longer message about a refund"]
    batches = encoder.batches(texts, batch_size=2)
    assert sorted(p for b in batches for p in b.positions) == list(range(len(texts)))
    widths = [b.input_ids.shape[1] for b in batches]
    assert widths == sorted(widths)
    for batch in batches:
        assert batch.input_ids.shape == batch.attention_mask.shape
        assert batch.attention_mask[:, 0].all()
        assert batch.attention_mask[:, -1].any()


@settings(max_examples=40, deadline=None)
@given(st.lists(st.text(min_size=1, max_size=400).filter(classifiable), min_size=1, max_size=12),
       st.integers(min_value=1, max_value=5))
def test_any_text_encodes_within_the_limit(tokenizer: object, texts: list[str], batch_size: int) -> None:
    encoder = Encoder(tokenizer, max_tokens=24)
    batches = encoder.batches(texts, batch_size)
    assert sorted(p for b in batches for p in b.positions) == list(range(len(texts)))
    assert all(b.input_ids.shape[1] <= 24 for b in batches)
