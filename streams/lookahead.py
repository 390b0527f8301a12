"""Take, prepare and apply batches while the ones before them are still being acknowledged.

A batch of a stage costs three kinds of time: the model's (in its executor thread), the loop's
(decoding, tracking) and the broker's (acknowledging the batch's output). Run one after the other,
each waits for the others, and faust's take buffer stops filling while the agent works.
:class:`Lookahead` overlaps them in three steps joined by bounded queues:

1. take a batch and ``prepare`` it (decode, start the model);
2. ``apply`` the prepared batches strictly in the order they were taken; applying returns what
   completes once the batch's output is acknowledged and its changelog written
   (streams/sending.py keeps those in order too);
3. wait for that, in order, and then ``ack`` the batch's events.

So the group's committed offsets never pass an event whose effects are not on the broker, and at
most ``2 * depth + 3`` batches are taken and not acknowledged at a time (``depth`` waiting at each
queue, one in each step). An exception in a step ends the run.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterable, Awaitable, Callable, Sequence
from typing import Any, Generic, TypeVar

B = TypeVar("B")
P = TypeVar("P")

class Lookahead(Generic[B, P]):
    def __init__(
        self,
        prepare: Callable[[B], P],
        apply: Callable[[P], Awaitable[Awaitable[None]]],
        ack: Callable[[B], Awaitable[None]],
        depth: int = 1,
    ) -> None:
        if depth < 1:
            raise ValueError(f"depth must be at least 1, got {depth}")
        self._prepare = prepare
        self._apply = apply
        self._ack = ack
        self._depth = depth

    async def run(self, batches: AsyncIterable[B]) -> None:
        """Take, prepare, apply and acknowledge every batch of ``batches``; return once the last
        is acknowledged."""
        prepared: asyncio.Queue[tuple[B, P] | None] = asyncio.Queue(maxsize=self._depth)
        applied: asyncio.Queue[tuple[B, Awaitable[None]] | None] = asyncio.Queue(maxsize=self._depth)
        steps = [asyncio.ensure_future(self._apply_all(prepared, applied)),
                 asyncio.ensure_future(self._ack_all(applied))]
        try:
            async for batch in batches:
                await _put(prepared, (batch, self._prepare(batch)), steps)
            await _put(prepared, None, steps)  # the end
            for step in steps:
                await step
        finally:
            for step in steps:
                step.cancel()

    async def _apply_all(self, prepared: asyncio.Queue[tuple[B, P] | None],
                         applied: asyncio.Queue[tuple[B, Awaitable[None]] | None]) -> None:
        while (item := await prepared.get()) is not None:
            batch, ready = item
            await applied.put((batch, await self._apply(ready)))
        await applied.put(None)

    async def _ack_all(self, applied: asyncio.Queue[tuple[B, Awaitable[None]] | None]) -> None:
        while (item := await applied.get()) is not None:
            batch, done = item
            await done
            await self._ack(batch)


async def _put(queue: asyncio.Queue[Any], item: Any, steps: Sequence[asyncio.Future[None]]) -> None:
    """Queue ``item``; raise a step's exception if a step ends first."""
    put = asyncio.ensure_future(queue.put(item))
    await asyncio.wait([put, *steps], return_when=asyncio.FIRST_COMPLETED)
    if put.done():
        return
    put.cancel()
    for step in steps:
        if step.done():
            step.result()
    raise RuntimeError("a step ended before the last batch was applied")
