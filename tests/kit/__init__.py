"""The test kit every test package uses: one event builder, a manual clock, the collecting outputs
and the alert delivery as the worker wires it.

- :class:`ManualClock`: ``now`` moved by hand (``advance(seconds)``).
- :class:`Events`, ``event``, ``raw_event``, ``event_factory``: v1 events from a compact description
  (tests/kit/events.py): ``event(30, "agent", "c-1")`` is a validated Event 30 s after :data:`T0`,
  ``raw_event(at, "customer", "c-1", text=...)`` its ``(key, bytes)`` record; a package's own
  defaults are a shape: ``Events(agent="a-1", text="hello")``.
- :class:`CollectingOutputs`: the stages' outputs, kept per topic (supportwatch.streams.outputs).
- ``delivery(runtime_or_alert_settings, ...)``: an AlertDelivery from the worker's build_delivery.

The last two import the faust app (seconds): they load on first use, so that the event builder
and the clock stay cheap for the core tests and the benchmarks.
"""

from __future__ import annotations

from typing import Any

from tests.kit.clock import ManualClock
from tests.kit.events import T0, TEXT, Events, MakeEvent, event, event_factory, raw_event

__all__ = [
    "T0",
    "TEXT",
    "CollectingOutputs",
    "Events",
    "MakeEvent",
    "ManualClock",
    "delivery",
    "event",
    "event_factory",
    "raw_event",
]


def __getattr__(name: str) -> Any:
    if name == "CollectingOutputs":
        from supportwatch.streams.outputs import CollectingOutputs

        return CollectingOutputs
    if name == "delivery":
        from tests.kit.wiring import delivery

        return delivery
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
