"""Business-hours arithmetic on epoch seconds.

A :class:`BusinessCalendar` has a time zone, weekly opening hours (wall-clock intervals per
weekday) and holidays (local dates). Two questions are answered exactly, across DST changes:

* :meth:`BusinessCalendar.counted` - business seconds between two instants;
* :meth:`BusinessCalendar.add` - the first instant at which N business seconds have elapsed.

Time is split into segments of constant UTC offset; inside a segment the local wall clock runs
linearly (wall = utc + offset), so wall-clock intervals are plain arithmetic on a "naive local
timeline" of 86,400-second days. A wall-clock time that occurs twice on a fall-back night is
counted twice when it lies in an opening interval, a skipped one (spring forward) never.
``None`` as a calendar means 24/7: see :func:`counted_between` and :func:`add_counted`.

The cost does not grow with the length of a range: whole weeks inside it are counted at once
(the week's open seconds times the weeks, less the holidays among them, from prefix sums), so a
clock that started years ago costs a few segments (two per year in a zone with DST) per question.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from supportwatch.sla.exceptions import CalendarError

DAY = 86400
_EPOCH_DATE = date(1970, 1, 1)
_MAX_DAYS = 3700  # no calendar with open hours goes ten years without opening
_LONG_DAYS = 14  # ranges of more days than this count their whole weeks at once


@dataclass(frozen=True, eq=False)
class BusinessCalendar:
    name: str
    timezone: str
    # 7 entries (Monday first) of (start, end) seconds of the local day, 0 <= start < end <= 86400
    weekly: tuple[tuple[tuple[int, int], ...], ...]
    holidays: frozenset[date] = frozenset()
    _zone: ZoneInfo = field(init=False, repr=False)
    _holiday_days: frozenset[int] = field(init=False, repr=False)
    _daily: tuple[int, ...] = field(init=False, repr=False)  # open seconds per weekday, Monday first
    _week: int = field(init=False, repr=False)  # open seconds of a week without holidays
    _holiday_list: tuple[int, ...] = field(init=False, repr=False)  # holiday day numbers, sorted
    _holiday_sums: tuple[int, ...] = field(init=False, repr=False)  # open seconds lost to the first n holidays
    _transitions: dict[int, list[float]] = field(init=False, repr=False, default_factory=dict)

    def __post_init__(self) -> None:
        if len(self.weekly) != 7:
            raise ValueError("weekly hours need 7 days")
        if not any(self.weekly):
            raise ValueError("a calendar needs some opening hours")
        object.__setattr__(self, "_zone", ZoneInfo(self.timezone))
        days = sorted((d - _EPOCH_DATE).days for d in self.holidays)
        daily = tuple(sum(end - start for start, end in hours) for hours in self.weekly)
        sums = [0]
        for day in days:
            sums.append(sums[-1] + daily[(day + 3) % 7])
        object.__setattr__(self, "_holiday_days", frozenset(days))
        object.__setattr__(self, "_daily", daily)
        object.__setattr__(self, "_week", sum(daily))
        object.__setattr__(self, "_holiday_list", tuple(days))
        object.__setattr__(self, "_holiday_sums", tuple(sums))

    # --- UTC offsets -------------------------------------------------------------------------
    def _offset(self, ts: float) -> float:
        offset = datetime.fromtimestamp(ts, self._zone).utcoffset()
        return offset.total_seconds() if offset is not None else 0.0

    def _year_transitions(self, year: int) -> list[float]:
        cached = self._transitions.get(year)
        if cached is not None:
            return cached
        found: list[float] = []
        start = datetime(year, 1, 1, tzinfo=UTC).timestamp()
        end = datetime(year + 1, 1, 1, tzinfo=UTC).timestamp()
        lo, lo_off = start, self._offset(start)
        while lo < end:
            hi = min(lo + DAY, end)
            hi_off = self._offset(hi)
            if hi_off != lo_off:
                a, b = lo, hi  # offset(a) == lo_off != offset(b): bisect to the second
                while b - a > 1:
                    mid = (a + b) // 2
                    if self._offset(mid) == lo_off:
                        a = mid
                    else:
                        b = mid
                found.append(b)
            lo, lo_off = hi, hi_off
        self._transitions[year] = found
        return found

    def _segment_end(self, ts: float) -> float:
        """The next instant after ``ts`` at which the UTC offset changes."""
        year = datetime.fromtimestamp(ts, UTC).year
        for y in (year, year + 1):
            marks = self._year_transitions(y)
            i = bisect.bisect_right(marks, ts)
            if i < len(marks):
                return marks[i]
        return datetime(year + 2, 1, 1, tzinfo=UTC).timestamp()

    # --- the naive local timeline ------------------------------------------------------------
    def _open_intervals(self, day: int) -> Sequence[tuple[int, int]]:
        if day in self._holiday_days:
            return ()
        return self.weekly[(day + 3) % 7]  # 1970-01-01 was a Thursday

    def _days_open(self, first: int, end: int) -> int:
        """Open seconds of the whole days ``first`` .. ``end - 1`` (O(1): whole weeks at once)."""
        weeks, rest = divmod(end - first, 7)
        total = weeks * self._week + sum(self._daily[(first + i + 3) % 7] for i in range(rest))
        lo = bisect.bisect_left(self._holiday_list, first)
        hi = bisect.bisect_left(self._holiday_list, end)
        return total - (self._holiday_sums[hi] - self._holiday_sums[lo])

    def _day_counted(self, day: int, x: float, y: float) -> float:
        """Open seconds of ``day`` within ``[x, y)``."""
        total = 0.0
        base = day * DAY
        for start, end in self._open_intervals(day):
            lo = max(x, base + start)
            hi = min(y, base + end)
            if hi > lo:
                total += hi - lo
        return total

    def _wall_counted(self, x: float, y: float) -> float:
        day, last = int(x // DAY), int(y // DAY)
        if last - day > _LONG_DAYS:  # the first day, the whole days in between, the last day
            return self._day_counted(day, x, y) + self._days_open(day + 1, last) + self._day_counted(last, x, y)
        total = 0.0
        while day * DAY < y:
            total += self._day_counted(day, x, y)
            day += 1
        return total

    def _wall_add(self, x: float, seconds: float, limit: float) -> float | None:
        """Wall time at which ``seconds`` have been counted from ``x``; None if not before ``limit``."""
        day = int(x // DAY)
        while day * DAY < limit:
            base = day * DAY
            for start, end in self._open_intervals(day):
                lo = max(x, base + start)
                hi = min(limit, base + end)
                if hi > lo:
                    if seconds <= hi - lo:
                        return lo + seconds
                    seconds -= hi - lo
            day += 1
            if seconds > self._week:  # skip whole weeks that cannot use up ``seconds``, at once
                weeks = int(seconds // self._week)
                if weeks * self._week >= seconds:
                    weeks -= 1
                weeks = min(weeks, (int(limit // DAY) - day) // 7)
                if weeks > 0:
                    seconds -= self._days_open(day, day + 7 * weeks)
                    day += 7 * weeks
        return None

    # --- public arithmetic -------------------------------------------------------------------
    def counted(self, start: float, end: float) -> float:
        """Business seconds in ``[start, end)`` (epoch seconds); 0 when ``end <= start``."""
        total = 0.0
        t = start
        while t < end:
            seg_end = min(end, self._segment_end(t))
            off = self._offset(t)
            total += self._wall_counted(t + off, seg_end + off)
            t = seg_end
        return total

    def add(self, start: float, seconds: float) -> float:
        """The earliest instant ``x >= start`` with ``counted(start, x) == seconds``."""
        if seconds <= 0:
            return start
        t = start
        horizon = start + _MAX_DAYS * DAY  # pushed on by every segment with open hours
        while t < horizon:
            seg_end = self._segment_end(t)
            off = self._offset(t)
            wall = self._wall_add(t + off, seconds, seg_end + off)
            if wall is not None:
                return wall - off
            counted = self._wall_counted(t + off, seg_end + off)
            if counted > 0:
                horizon = seg_end + _MAX_DAYS * DAY
            seconds -= counted
            t = seg_end
        raise CalendarError(f"calendar {self.name!r} does not open within {_MAX_DAYS} days")

    def is_open(self, ts: float) -> bool:
        """Whether ``ts`` lies in business hours (used by routing and the brute-force tests)."""
        local = datetime.fromtimestamp(ts, self._zone)
        day = (local.date() - _EPOCH_DATE).days
        second = local.hour * 3600 + local.minute * 60 + local.second + local.microsecond / 1e6
        return any(start <= second < end for start, end in self._open_intervals(day))


def counted_between(calendar: BusinessCalendar | None, start: float, end: float) -> float:
    """Counted seconds in ``[start, end)``: business time with a calendar, wall time without."""
    if calendar is None:
        return end - start if end > start else 0.0
    return calendar.counted(start, end)


def add_counted(calendar: BusinessCalendar | None, start: float, seconds: float) -> float:
    """When ``seconds`` counted seconds will have elapsed from ``start``."""
    if calendar is None:
        return start + seconds if seconds > 0 else start
    return calendar.add(start, seconds)


def merge_intervals(intervals: Iterable[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    """Sorted, non-overlapping intervals (adjacent ones joined)."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return tuple(merged)
