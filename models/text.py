"""Text normalisation shared by training and inference, so both see the same input."""

from __future__ import annotations

import re
import unicodedata

_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_MENTION = re.compile(r"(?<!\w)@\w+")
_SPACE = re.compile(r"\s+")
# Literal JSON-style escapes left in a text by a double encoding upstream (``Plus\\u002c``).
_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")


def _normalise(text: str) -> str:
    text = text.encode("utf-8", "replace").decode("utf-8", "replace")
    text = unicodedata.normalize("NFKC", text)
    if not text.isprintable():  # only then can it hold control or format characters (category C)
        text = "".join(ch for ch in text if ch == "\n" or unicodedata.category(ch)[0] != "C")
    return text.replace("\ufffd", " ")


def decode_escapes(text: str) -> str:
    """Decode literal ``\\uXXXX`` escapes (surrogate pairs joined; a lone surrogate becomes U+FFFD)."""
    decoded = _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)
    return decoded.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def clean(text: str) -> str:
    """Strip @mentions and URLs, decode literal ``\\uXXXX`` escapes, normalise Unicode and collapse
    white space.

    Encoding damage (lone surrogates, replacement characters, control bytes) is dropped
    rather than raised: a customer's odd bytes must never stop the pipeline.
    """
    text = _normalise(text)
    while "\\u" in text:  # decoded escapes are normalised like any other text
        decoded = decode_escapes(text)
        if decoded == text:
            break
        text = _normalise(decoded)
    text = _URL.sub(" ", text)
    text = _MENTION.sub(" ", text)
    return _SPACE.sub(" ", text).strip()


def head_and_tail(token_ids: list[int], limit: int) -> list[int]:
    """Keep the first and last part of a long token sequence.

    Long emails state the problem at the top and the customer's feeling near the end,
    so a middle cut keeps both (two thirds head, one third tail).
    """
    if len(token_ids) <= limit:
        return token_ids
    head = (limit * 2) // 3
    tail = limit - head
    return token_ids[:head] + token_ids[len(token_ids) - tail :]
