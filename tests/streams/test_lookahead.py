"""streams/lookahead.py: the next batch is prepared while the one before is applied, and applied
while the one before waits for its acknowledgement; batches are applied and acknowledged in order,
each only after its output is acknowledged; an error in a step ends the run."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable

import pytest

from supportwatch.streams.lookahead import Lookahead

pytestmark = pytest.mark.timeout(10)


async def batches(*items: int) -> AsyncIterator[int]:
    for item in items:
        yield item


def done() -> asyncio.Future[None]:
    future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    future.set_result(None)
    return future


class Journal:
    def __init__(self) -> None:
        self.log: list[str] = []
        self.release: dict[int, asyncio.Event] = {}

    def prepare(self, batch: int) -> int:
        self.log.append(f"prepare {batch}")
        return batch * 10

    async def apply(self, prepared: int) -> Awaitable[None]:
        self.log.append(f"apply {prepared}")
        gate = self.release.get(prepared // 10)
        if gate is not None:
            await asyncio.wait_for(gate.wait(), 5)
        return done()

    async def ack(self, batch: int) -> None:
        self.log.append(f"ack {batch}")


async def test_every_batch_is_applied_in_order_and_acked_after_it_is_applied() -> None:
    journal = Journal()
    await Lookahead(journal.prepare, journal.apply, journal.ack).run(batches(1, 2, 3))
    applied = [line for line in journal.log if not line.startswith("prepare")]
    assert applied == ["apply 10", "ack 1", "apply 20", "ack 2", "apply 30", "ack 3"]


async def test_the_next_batch_is_prepared_while_one_is_applied() -> None:
    journal = Journal()
    journal.release[1] = asyncio.Event()
    run = asyncio.ensure_future(Lookahead(journal.prepare, journal.apply, journal.ack).run(batches(1, 2, 3, 4)))
    for _ in range(100):
        if "prepare 2" in journal.log:
            break
        await asyncio.sleep(0.01)
    assert "prepare 2" in journal.log and "ack 1" not in journal.log
    # depth 1: batch 2 waits to be applied, batch 3 is prepared and waits to be queued; 4 is not taken
    assert "prepare 4" not in journal.log
    journal.release[1].set()
    await asyncio.wait_for(run, 5)
    assert journal.log.count("ack 4") == 1


async def test_the_next_batch_is_applied_while_one_waits_for_its_acknowledgement() -> None:
    journal = Journal()
    held: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    async def apply(prepared: int) -> Awaitable[None]:
        await journal.apply(prepared)
        return held if prepared == 10 else done()

    run = asyncio.ensure_future(Lookahead(journal.prepare, apply, journal.ack).run(batches(1, 2, 3)))
    for _ in range(100):
        if "apply 20" in journal.log:
            break
        await asyncio.sleep(0.01)
    assert "apply 20" in journal.log and not any(line.startswith("ack") for line in journal.log)
    held.set_result(None)
    await asyncio.wait_for(run, 5)
    assert [line for line in journal.log if line.startswith("ack")] == ["ack 1", "ack 2", "ack 3"]


async def test_an_applier_error_ends_the_run_and_acks_nothing_after_it() -> None:
    journal = Journal()

    async def apply(prepared: int) -> Awaitable[None]:
        if prepared == 20:
            raise ValueError("broken batch")
        return await journal.apply(prepared)

    with pytest.raises(ValueError, match="broken batch"):
        await Lookahead(journal.prepare, apply, journal.ack).run(batches(1, 2, 3, 4, 5))
    assert "ack 2" not in journal.log and "apply 30" not in journal.log


async def test_an_error_in_the_last_batch_is_raised() -> None:
    async def apply(prepared: int) -> Awaitable[None]:
        raise RuntimeError("last")

    async def ack(batch: int) -> None:
        raise AssertionError("nothing is acked")

    with pytest.raises(RuntimeError, match="last"):
        await Lookahead(lambda batch: batch, apply, ack).run(batches(1))


def test_depth_must_be_positive() -> None:
    with pytest.raises(ValueError, match="depth"):
        Lookahead(lambda batch: batch, Journal().apply, Journal().ack, depth=0)
