"""streams/sending.py: a batch's changelog is written only after the broker acknowledged the
batch's own records, whatever other stages send through the same producer meanwhile."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

import pytest

from supportwatch.streams.sending import BatchSender

pytestmark = pytest.mark.timeout(10)


class HeldOutputs:
    """A shared producer whose acknowledgements the test gives by hand."""

    def __init__(self) -> None:
        self.receipts: dict[str, asyncio.Future[None]] = {}

    async def handed(self, *keys: str) -> None:
        for _ in range(500):
            if set(keys) <= set(self.receipts):
                return
            await asyncio.sleep(0.001)
        raise AssertionError(f"{keys} never reached the producer")

    async def send(self, topic: str, key: str, value: bytes) -> Awaitable[Any]:
        receipt = self.receipts[key] = asyncio.get_running_loop().create_future()
        return receipt


async def test_each_stage_waits_for_its_own_records_only() -> None:
    outputs = HeldOutputs()
    conversations, customers = BatchSender(outputs), BatchSender(outputs)
    published: list[str] = []
    first = asyncio.ensure_future(conversations.send([("alerts", "a", b"1")], lambda: published.append("a")))
    second = asyncio.ensure_future(customers.send([("alerts", "b", b"2")], lambda: published.append("b")))
    await outputs.handed("a", "b")
    outputs.receipts["b"].set_result(None)
    await asyncio.wait_for(second, 5)
    assert published == ["b"] and not first.done()  # "a" is not acknowledged yet
    outputs.receipts["a"].set_result(None)
    await asyncio.wait_for(first, 5)
    assert published == ["b", "a"]


async def test_a_refused_batch_is_sent_again_before_its_changelog() -> None:
    outputs = HeldOutputs()
    sender = BatchSender(outputs, retry_first=0.01)
    published: list[str] = []
    sending = asyncio.ensure_future(sender.send([("alerts", "a", b"1")], lambda: published.append("a")))
    await outputs.handed("a")
    outputs.receipts["a"].set_exception(ConnectionError("broker down"))
    for _ in range(500):
        if not outputs.receipts["a"].done():
            break
        await asyncio.sleep(0.005)
    assert published == [] and not outputs.receipts["a"].done()  # handed to the producer again
    outputs.receipts["a"].set_result(None)
    await asyncio.wait_for(sending, 5)
    assert published == ["a"]


async def test_the_changelog_keeps_the_order_the_batches_were_started_in() -> None:
    outputs = HeldOutputs()
    sender = BatchSender(outputs)
    published: list[str] = []
    first = sender.start([("alerts", "a", b"1")], lambda: published.append("a"))
    second = sender.start([("alerts", "b", b"2")], lambda: published.append("b"))
    await outputs.handed("a", "b")  # both batches are with the producer
    outputs.receipts["b"].set_result(None)
    await asyncio.sleep(0.01)
    assert published == [] and not second.done()  # "b" waits for "a"'s changelog
    outputs.receipts["a"].set_result(None)
    await asyncio.wait_for(asyncio.gather(first, second), 5)
    assert published == ["a", "b"]


class SlowOutputs:
    """A producer that yields to the loop on every record: concurrent batches could interleave."""

    def __init__(self) -> None:
        self.sent: list[str] = []

    async def send(self, topic: str, key: str, value: bytes) -> Awaitable[Any]:
        await asyncio.sleep(0)
        self.sent.append(key)
        receipt: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        receipt.set_result(None)
        return receipt


async def test_the_records_reach_the_producer_in_the_order_the_batches_were_started_in() -> None:
    # One conversation's facts of consecutive batches are keyed alike: out of order, the customer
    # stage would take the older fact for a repeat.
    outputs = SlowOutputs()
    sender = BatchSender(outputs)
    first = sender.start([("customers", f"a{i}", b"") for i in range(3)], lambda: None)
    second = sender.start([("customers", f"b{i}", b"") for i in range(3)], lambda: None)
    await asyncio.wait_for(asyncio.gather(first, second), 5)
    assert outputs.sent == ["a0", "a1", "a2", "b0", "b1", "b2"]
