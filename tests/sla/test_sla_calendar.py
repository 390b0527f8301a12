"""Business-hours arithmetic against a brute-force minute count, across DST changes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from supportwatch.sla import BusinessCalendar
from supportwatch.sla.calendar import add_counted, counted_between, merge_intervals

ZONES = ["Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "UTC", "Asia/Kolkata"]
# DST changes of 2026 in the zones above (and ordinary weeks), as range starts
STARTS = [
    datetime(2026, 3, 27, tzinfo=UTC),  # Europe springs forward on the 29th
    datetime(2026, 10, 23, tzinfo=UTC),  # Europe falls back on the 25th
    datetime(2026, 3, 6, tzinfo=UTC),  # New York springs forward on the 8th
    datetime(2026, 10, 30, tzinfo=UTC),  # New York falls back on 1 November
    datetime(2026, 4, 3, tzinfo=UTC),  # Lord Howe falls back half an hour on the 5th
    datetime(2026, 6, 15, tzinfo=UTC),
]


def _minutes_open(calendar: BusinessCalendar, start: float, end: float) -> list[float]:
    return [m for m in range(int(start), int(end), 60) if calendar.is_open(m)]


@st.composite
def calendars(draw: st.DrawFn) -> BusinessCalendar:
    zone = draw(st.sampled_from(ZONES))
    weekly = []
    for _ in range(7):
        marks = sorted(draw(st.lists(st.integers(0, 48), min_size=0, max_size=4, unique=True)))
        pairs = [(marks[i] * 1800, marks[i + 1] * 1800) for i in range(0, len(marks) - 1, 2)]
        weekly.append(merge_intervals(p for p in pairs if p[0] < p[1]))
    if not any(weekly):
        weekly[draw(st.integers(0, 6))] = ((2 * 3600, 3 * 3600 + 1800),)  # inside DST changes
    holidays = draw(st.frozensets(st.dates(date(2026, 3, 1), date(2026, 11, 10)), max_size=20))
    return BusinessCalendar("generated", zone, tuple(weekly), holidays)


@settings(max_examples=60)
@given(calendars(), st.sampled_from(STARTS), st.integers(0, 4 * 1440), st.integers(0, 6 * 1440))
def test_counted_agrees_with_a_minute_count(calendar: BusinessCalendar, base: datetime, offset: int,
                                            length: int) -> None:
    start = base.timestamp() + offset * 60
    end = start + length * 60
    assert calendar.counted(start, end) == 60 * len(_minutes_open(calendar, start, end))


@settings(max_examples=60)
@given(calendars(), st.sampled_from(STARTS), st.integers(0, 4 * 1440), st.integers(1, 2000))
def test_add_agrees_with_a_minute_count(calendar: BusinessCalendar, base: datetime, offset: int,
                                        minutes: int) -> None:
    start = base.timestamp() + offset * 60
    due = calendar.add(start, minutes * 60)
    open_minutes = _minutes_open(calendar, start, due)
    assert len(open_minutes) == minutes
    assert open_minutes[-1] + 60 == due  # the earliest such instant: it ends on a counted minute
    assert calendar.counted(start, due) == minutes * 60


@given(calendars(), st.sampled_from(STARTS), st.floats(0, 10 * 86400), st.floats(1, 5 * 86400))
def test_add_inverts_counted(calendar: BusinessCalendar, base: datetime, offset: float, seconds: float) -> None:
    start = base.timestamp() + offset
    due = calendar.add(start, seconds)
    assert calendar.counted(start, due) == pytest.approx(seconds, abs=1e-6)


def test_berlin_office_week_with_holiday() -> None:
    nine_to_five = ((9 * 3600, 17 * 3600),)
    office = BusinessCalendar("office", "Europe/Berlin", (nine_to_five,) * 5 + ((), ()), frozenset({date(2026, 4, 3)}))
    friday_evening = datetime(2026, 4, 2, 16, 0, tzinfo=UTC)  # Thursday 18:00 in Berlin (CEST, +2)
    # 4 business hours from Thursday 18:00: Friday is Good Friday, the weekend is closed -> Monday 13:00
    due = office.add(friday_evening.timestamp(), 4 * 3600)
    assert datetime.fromtimestamp(due, UTC) == datetime(2026, 4, 6, 11, 0, tzinfo=UTC)
    assert office.counted(friday_evening.timestamp(), due) == 4 * 3600


def test_fall_back_night_counts_the_repeated_hour_twice() -> None:
    all_day = ((0, 86400),)
    calendar = BusinessCalendar("always", "Europe/Berlin", (all_day,) * 7)
    start = datetime(2026, 10, 24, 22, 0, tzinfo=UTC)  # Sunday 25 October, 00:00 CEST
    end = datetime(2026, 10, 25, 23, 0, tzinfo=UTC)  # Monday 00:00 CET: a 25-hour day
    assert calendar.counted(start.timestamp(), end.timestamp()) == 25 * 3600


def test_without_calendar_time_is_wall_time() -> None:
    assert counted_between(None, 100.0, 250.0) == 150.0
    assert counted_between(None, 250.0, 100.0) == 0.0
    assert add_counted(None, 100.0, 60.0) == 160.0
    assert add_counted(None, 100.0, -5.0) == 100.0


def test_calendar_needs_opening_hours() -> None:
    with pytest.raises(ValueError, match="opening hours"):
        BusinessCalendar("closed", "UTC", ((),) * 7)


def test_merge_intervals_joins_overlaps() -> None:
    assert merge_intervals([(5, 8), (0, 2), (2, 3), (7, 10)]) == ((0, 3), (5, 10))
    assert timedelta(seconds=merge_intervals([(0, 86400)])[0][1]) == timedelta(days=1)


def _day_by_day(calendar: BusinessCalendar, start: float, end: float) -> float:
    """``counted`` as the sum of ranges of at most one day (each counted day by day)."""
    total, t = 0.0, start
    while t < end:
        total += calendar.counted(t, min(end, t + 86400))
        t += 86400
    return total


@settings(max_examples=30)
@given(calendars(), st.sampled_from(STARTS), st.floats(0, 86400), st.integers(15, 3 * 366), st.floats(0, 86400))
def test_long_ranges_count_whole_weeks_exactly(calendar: BusinessCalendar, base: datetime, offset: float,
                                               days: int, extra: float) -> None:
    start = base.timestamp() - 300 * 86400 + offset  # the holidays (2026) fall inside some ranges
    end = start + days * 86400 + extra
    assert calendar.counted(start, end) == pytest.approx(_day_by_day(calendar, start, end), abs=1e-6)


@settings(max_examples=30)
@given(calendars(), st.sampled_from(STARTS), st.floats(0, 86400), st.floats(1, 3 * 365 * 86400))
def test_long_adds_invert_counted(calendar: BusinessCalendar, base: datetime, offset: float, span: float) -> None:
    start = base.timestamp() - 300 * 86400 + offset
    seconds = calendar.counted(start, start + span)
    if seconds == 0:
        return
    due = calendar.add(start, seconds)
    assert due <= start + span + 1e-6 and calendar.counted(start, due) == pytest.approx(seconds, abs=1e-6)
    assert calendar.counted(start, due - 1) < seconds  # the earliest such instant, to the second


def test_a_clock_started_decades_ago_costs_segments_not_days(monkeypatch: pytest.MonkeyPatch) -> None:
    """Berlin office hours from 2000 to 2026: ~26 years of days, counted without visiting them
    (days visited, not time, is asserted: the machine is shared)."""
    nine_to_five = ((9 * 3600, 17 * 3600),)
    office = BusinessCalendar("office", "Europe/Berlin", (nine_to_five,) * 5 + ((), ()),
                              frozenset({date(2010, 12, 24), date(2026, 1, 1)}))
    start, end = datetime(2000, 1, 3, 9, tzinfo=UTC).timestamp(), datetime(2026, 3, 2, 10, tzinfo=UTC).timestamp()
    office.counted(start, end)  # the DST changes of each year are found once per calendar
    visited = []
    original = BusinessCalendar._open_intervals

    def counting(self: BusinessCalendar, day: int) -> Sequence[tuple[int, int]]:
        visited.append(day)
        return original(self, day)

    monkeypatch.setattr(BusinessCalendar, "_open_intervals", counting)
    counted = office.counted(start, end)
    assert len(visited) < 600  # two partial days per DST segment, against ~9,500 days
    weeks, holidays = (end - start) // (7 * 86400), 2  # both fall on weekdays
    assert abs(counted - (weeks * 40 - holidays * 8) * 3600) < 2 * 40 * 3600  # within the partial weeks
    assert office.add(start, counted) == end  # open at the end: counting reaches it just then
