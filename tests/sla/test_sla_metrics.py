"""SLA metrics against an injected registry: names, zero-initialised label sets, exact buckets."""

from __future__ import annotations

from datetime import timedelta

from prometheus_client import CollectorRegistry

from supportwatch.sla import PolicySet, SlaEngine, SlaStep
from supportwatch.sla.metrics import SlaMetrics, buckets_for
from supportwatch.sla.signals import Clock
from tests.sla.sla_testkit import T0, MakeEvent


def test_known_label_sets_start_at_zero(policies: PolicySet) -> None:
    registry = CollectorRegistry()
    SlaMetrics(registry, policies)
    labels = {"channel": "phone", "priority": "urgent", "clock": "resolution", "team": ""}
    assert registry.get_sample_value("supportwatch_sla_breaches_total", labels) == 0
    assert registry.get_sample_value("supportwatch_sla_responses_total", {**labels, "outcome": "breached"}) == 0
    assert registry.get_sample_value("supportwatch_first_reply_seconds_count", {"channel": "email",
                                                                                "priority": "low"}) == 0


def test_buckets_hold_every_target_and_critical(policies: PolicySet) -> None:
    buckets = buckets_for(policies, Clock.FIRST_REPLY)
    assert set(policies.targets(Clock.FIRST_REPLY)) <= set(buckets)
    assert buckets == sorted(buckets) and len(buckets) > len(policies.targets(Clock.FIRST_REPLY))


def ref_team(steps: list[SlaStep]) -> str:
    teams = {signal.conversation.team or "" for step in steps for signal in step.signals}
    assert len(teams) == 1
    return teams.pop()


def test_outcomes_and_signals_are_counted(policies: PolicySet, engine: SlaEngine, ev: MakeEvent) -> None:
    registry = CollectorRegistry()
    metrics = SlaMetrics(registry, policies)
    state = engine.apply(None, ev(0, "customer")).state
    steps = [engine.advance(state, (T0 + timedelta(seconds=61)).timestamp()), engine.apply(state, ev(61, "agent")),
             engine.apply(state, ev(62, "customer")), engine.apply(state, ev(100, "agent"))]
    for step in steps:
        for signal in step.signals:
            metrics.observe_signal(signal)
        for outcome in step.outcomes:
            metrics.observe_outcome(outcome)
    chat = {"channel": "chat", "priority": "normal"}
    counted = {**chat, "team": ref_team(steps)}
    assert registry.get_sample_value("supportwatch_sla_warnings_total", {**counted, "clock": "first_reply"}) == 2
    assert registry.get_sample_value("supportwatch_sla_breaches_total", {**counted, "clock": "first_reply"}) == 1
    assert registry.get_sample_value("supportwatch_sla_criticals_total", {**counted, "clock": "first_reply"}) == 0
    responses = "supportwatch_sla_responses_total"
    assert registry.get_sample_value(responses, {**counted, "clock": "first_reply", "outcome": "breached"}) == 1
    assert registry.get_sample_value(responses, {**counted, "clock": "next_reply", "outcome": "within_target"}) == 1
    # 61 s is over the 60 s target: the 60 s bucket (exactly the target) does not hold it
    assert registry.get_sample_value("supportwatch_first_reply_seconds_bucket", {**chat, "le": "60.0"}) == 0
    assert registry.get_sample_value("supportwatch_first_reply_seconds_bucket", {**chat, "le": "120.0"}) == 1
    assert registry.get_sample_value("supportwatch_next_reply_seconds_sum", chat) == 38
