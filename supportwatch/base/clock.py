"""Injectable clocks. Live mode fires SLA deadlines by the clock it is given; the demo gives
the worker a scaled clock so that simulated hours pass in wall-clock seconds."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

Now = Callable[[], datetime]


def wall_clock() -> datetime:
    return datetime.now(UTC)


class ScaledClock:
    """Simulated time that runs ``speedup`` times faster than the wall clock from an origin."""

    def __init__(self, origin: datetime, speedup: float, monotonic: Callable[[], float] = time.monotonic) -> None:
        if origin.tzinfo is None:
            raise ValueError("origin must be timezone-aware")
        if speedup <= 0:
            raise ValueError("speedup must be positive")
        self.origin = origin.astimezone(UTC)
        self.speedup = speedup
        self._monotonic = monotonic
        self._start = monotonic()

    def __call__(self) -> datetime:
        return self.origin + timedelta(seconds=(self._monotonic() - self._start) * self.speedup)

    def wall_seconds_until(self, at: datetime) -> float:
        """How long to wait on the wall clock until the simulated time reaches ``at``."""
        return max(0.0, (at - self()).total_seconds() / self.speedup)
