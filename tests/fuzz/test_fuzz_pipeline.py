"""Pipeline fuzz (benchmarks/fuzz_pipeline.py, bounded): mutated events go through decode, classify,
event JSON, track, table, alert and delivery encoding without a crash in any stage."""

from __future__ import annotations

import asyncio
import itertools
import json
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import SecretStr

from benchmarks.fuzz_pipeline import (
    MUTATIONS,
    START,
    Case,
    KeywordClassifier,
    Pipeline,
    Report,
    cases,
    main,
    mutate,
    to_wire,
)
from supportwatch.alerts import Alert, Notification, SlackSink
from supportwatch.events import EventLimits
from supportwatch.runtime import Runtime, build_runtime
from supportwatch.settings import Settings
from supportwatch.simulator import Simulator, SimulatorConfig

LIMITS = EventLimits()
BODIES = [json.loads(r.value) for r in itertools.islice(
    Simulator(SimulatorConfig(seed=5, invalid_ratio=0, extra_fields_ratio=0.3), START).records(), 60)]  # fmt: skip


def unexpected(report: Report) -> dict[str, str]:
    return {f"{stage} {name}": report.examples[(stage, name)] for stage, name in report.crashes}


@pytest.fixture(scope="module")
def runtime() -> Runtime:
    return build_runtime(Settings())


@pytest.fixture
def pipeline(runtime: Runtime) -> Iterator[Pipeline]:
    fresh = Pipeline(runtime, KeywordClassifier(), LIMITS)
    yield fresh
    fresh.close()


@settings(max_examples=60, deadline=timedelta(seconds=10))
@given(seed=st.integers(0, 2**32), kinds=st.lists(st.sampled_from(MUTATIONS), min_size=1, max_size=3),
       where=st.integers(0, len(BODIES) - 1))  # fmt: skip
def test_a_mutated_event_in_a_valid_stream_crashes_no_stage(
    runtime: Runtime, seed: int, kinds: list[str], where: int
) -> None:
    rng = random.Random(seed)
    pipeline = Pipeline(runtime, KeywordClassifier(), LIMITS)
    try:
        for index, body in enumerate(BODIES):
            value: dict[str, object] | str = body
            if index == where:
                for kind in kinds:
                    value = mutate(rng, value, kind, BODIES[:index]) if isinstance(value, dict) else value
            at = datetime.fromisoformat(body["occurred_at"])
            pipeline.run(Case(to_wire(rng, value, index == where and "bytes" in kinds), at, tuple(kinds)))
        pipeline.run(Case(b"{}", START + timedelta(days=3), ()))  # every clock comes due
    finally:
        pipeline.close()
    assert unexpected(pipeline.report) == {}
    assert pipeline.report.cases == len(BODIES) + 1


def test_a_seeded_soak_reaches_every_stage_and_crashes_none(pipeline: Pipeline) -> None:
    for case in cases(seed=11, count=1500):
        pipeline.run(case)
    report = pipeline.report
    assert unexpected(report) == {}
    assert report.cases == 1500 and report.accepted > 300 and report.alerts > 50
    assert {"bad_json", "bad_encoding", "too_deep", "too_large", "invalid_value", "field_too_large"} <= set(
        report.dead_letters
    )


def test_the_same_seed_gives_the_same_cases() -> None:
    first = [(c.wire, c.mutations) for c in cases(seed=3, count=200)]
    assert first == [(c.wire, c.mutations) for c in cases(seed=3, count=200)]
    assert first != [(c.wire, c.mutations) for c in cases(seed=4, count=200)]


def test_the_script_prints_its_figures(capsys: pytest.CaptureFixture[str]) -> None:
    main(["--cases", "200", "--seed", "2"])
    out = capsys.readouterr().out
    for line in ("cases 200", "dead-lettered by reason:", "crashes:", "slowest cases (CPU time):", "cases/s"):
        assert line in out


def test_an_agent_id_outside_ascii_is_delivered_with_an_encoded_idempotency_key() -> None:
    alert = Alert(id="a1", kind="sla_breach", level="breach", severity="major", channel="chat", agent_id="josé",
                  fired_at=datetime(2026, 3, 2, tzinfo=UTC), summary="First reply breached")  # fmt: skip

    seen: list[httpx.Request] = []

    def receive(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200)

    async def send() -> None:
        async with httpx.AsyncClient(transport=httpx.MockTransport(receive)) as http:
            sink = SlackSink(http, SecretStr("http://slack.invalid/hook"))
            await sink.send(Notification(alert, f"agent:{alert.agent_id}\n\x00", "agent"))

    asyncio.run(send())
    assert seen[0].headers["Idempotency-Key"] == "a1/breach/agent:jos%C3%A9%0A%00"
