from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from supportwatch.models.text import clean, head_and_tail


def test_clean_strips_mentions_urls_and_space() -> None:
    assert clean("@AmericanAir  my bag is lost!!  https://t.co/abc www.x.com/y\n") == "my bag is lost!!"


def test_clean_keeps_email_addresses() -> None:
    assert clean("write to me at jane@example.com") == "write to me at jane@example.com"


def test_clean_survives_broken_encodings() -> None:
    assert clean("bad \ud800 surrogate \x00\x07 and \ufffd") == "bad ? surrogate and"


@given(st.text())
def test_clean_never_raises_and_is_idempotent(text: str) -> None:
    once = clean(text)
    assert clean(once) == once


@given(st.lists(st.integers(), max_size=300), st.integers(min_value=2, max_value=200))
def test_head_and_tail_keeps_both_ends(ids: list[int], limit: int) -> None:
    cut = head_and_tail(ids, limit)
    assert len(cut) == min(len(ids), limit)
    if len(ids) > limit:
        head = (limit * 2) // 3
        assert cut[:head] == ids[:head]
        assert cut[head:] == ids[len(ids) - (limit - head) :]
    else:
        assert cut == ids


def test_clean_decodes_literal_escapes() -> None:
    assert clean("Plus\\u002c tomorrow is Day\\u2019s") == "Plus, tomorrow is Day\u2019s"
    assert clean("so funny \\ud83d\\ude02 ok") == "so funny \U0001f602 ok"
    assert clean("a lone \\ud83d surrogate") == "a lone surrogate"
    assert clean("\\u005cu0041 and C:\\users\\x") == "A and C:\\users\\x"
    assert clean("\\u0007bell \\u0040someone") == "bell"
