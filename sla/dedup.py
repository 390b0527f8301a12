"""Exact duplicate detection by event id, in bounded memory per conversation.

Each event id is reduced to a 128-bit BLAKE2b digest. Two different ids share a digest with
probability about 2**-128 per pair: collision-free for any real number of events (a 32-bit CRC,
used before, already collides among a few ten thousand ids). A conversation keeps the digests of
the last ``remember`` ids it applied, newest last, in one ``bytes`` object (16 bytes per id).

The same digest gives the 60-bit key that orders events of equal time in the log: 60 bits are two
30-bit digits of a Python int, as small in memory as the CRC32 it replaces. That key only orders;
it never decides whether an event is a duplicate.
"""

from __future__ import annotations

import struct
from hashlib import blake2b

DIGEST_SIZE = 16
_KEY = struct.Struct(">Q")


def digest(event_id: str) -> bytes:
    """The 128-bit BLAKE2b digest of an event id."""
    return blake2b(event_id.encode("utf-8"), digest_size=DIGEST_SIZE).digest()


def order_key(id_digest: bytes) -> int:
    """A 60-bit key from the digest, to order events of equal time."""
    return _KEY.unpack_from(id_digest)[0] >> 4


def seen(ids: bytes, id_digest: bytes) -> bool:
    """Whether ``id_digest`` is one of the digests in ``ids`` (only whole, aligned digests count)."""
    at = ids.find(id_digest)
    while at >= 0 and at % DIGEST_SIZE:
        at = ids.find(id_digest, at + 1)  # each try starts further on: at most len(ids) of them
    return at >= 0
