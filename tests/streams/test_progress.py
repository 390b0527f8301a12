"""The fire horizon of a partition: the wall clock when caught up, its event-time watermark when behind."""

from __future__ import annotations

from supportwatch.streams.progress import PartitionProgress


def test_the_horizon_follows_the_watermark_while_behind_and_the_clock_once_caught_up() -> None:
    highwaters = {0: 10}
    progress = PartitionProgress(highwaters.get)
    progress.start(0)
    assert progress.horizon(0, now_ts=1_000.0) is None  # nothing applied, records waiting
    progress.applied(0, 3, event_ts=400.0)
    assert progress.horizon(0, now_ts=1_000.0) == 400.0 and progress.lag(0) == 6
    progress.applied(0, 4, event_ts=350.0)  # an earlier event time never moves the watermark back
    assert progress.horizon(0, now_ts=1_000.0) == 400.0
    progress.applied(0, 9, event_ts=None)  # a dead letter moves the position, not the watermark
    assert progress.caught_up(0) and progress.horizon(0, now_ts=1_000.0) == 1_000.0
    highwaters[0] = 12  # new records arrived
    assert progress.horizon(0, now_ts=1_001.0) == 400.0


def test_a_partition_with_nothing_new_is_caught_up_from_its_committed_offset() -> None:
    committed: dict[int, int] = {}
    progress = PartitionProgress({1: 42}.get, committed.get)
    progress.start(1)
    assert progress.horizon(1, now_ts=5.0) is None  # committed offset not known yet
    committed[1] = 42  # faust's seek after the rebalance
    assert progress.horizon(1, now_ts=5.0) == 5.0


def test_after_a_restart_records_read_again_are_applied_before_the_clock_judges() -> None:
    committed = {2: 29}
    progress = PartitionProgress({2: 31}.get, committed.get)
    progress.applied(2, 30, event_ts=90.0)  # before the restart
    progress.start(2)  # reassigned: offsets 29 and 30 will be read again
    assert not progress.caught_up(2) and progress.horizon(2, now_ts=100.0) is None
    progress.applied(2, 29, event_ts=80.0)
    progress.applied(2, 30, event_ts=90.0)
    assert progress.horizon(2, now_ts=100.0) == 100.0


def test_an_unknown_high_watermark_is_never_caught_up() -> None:
    progress = PartitionProgress(lambda partition: None)
    progress.applied(2, 0, event_ts=7.0)
    assert not progress.caught_up(2) and progress.horizon(2, now_ts=9.0) == 7.0


def test_a_position_still_unknown_long_after_the_assignment_fires_by_the_clock() -> None:
    progress = PartitionProgress({3: 5}.get, unknown_grace_seconds=30.0)
    progress.start(3, now_ts=100.0)
    assert progress.horizon(3, now_ts=120.0) is None
    assert progress.horizon(3, now_ts=131.0) == 131.0
