"""Prometheus metrics of the SLA engine, built against an injected registry.

Histogram buckets hold every target and critical limit of every policy for that clock, so the
share of responses within target is exact (``le`` is inclusive, as ``within_target`` is).
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram

from supportwatch.events.model import Channel, Priority
from supportwatch.sla.policy import CLOCKS, PolicySet
from supportwatch.sla.signals import Clock, ClockOutcome, SignalKind, SlaSignal

EXTRA_BUCKETS: tuple[float, ...] = (10, 30, 60, 300, 900, 3600, 4 * 3600, 86400, 3 * 86400, 7 * 86400)
OUTCOMES = ("within_target", "breached")


def buckets_for(policies: PolicySet, clock: Clock) -> list[float]:
    return sorted({*policies.targets(clock), *EXTRA_BUCKETS})


class SlaMetrics:
    def __init__(self, registry: CollectorRegistry, policies: PolicySet) -> None:
        self.durations = {
            clock: Histogram(
                f"supportwatch_{clock.value}_seconds",
                f"Counted {clock.value.replace('_', ' ')} time (business, unpaused seconds)",
                ["channel", "priority"],
                buckets=buckets_for(policies, clock),
                registry=registry,
            )
            for clock in CLOCKS
        }
        labels = ["channel", "priority", "clock", "team"]  # team: a handful per deployment
        self.responses = Counter(
            "supportwatch_sla_responses",
            "Clocks that reached their goal, by whether they were within target",
            [*labels, "outcome"],
            registry=registry,
        )
        self.fired = {
            SignalKind.WARNING: Counter(
                "supportwatch_sla_warnings", "SLA warning levels fired", labels, registry=registry
            ),
            SignalKind.BREACH: Counter(
                "supportwatch_sla_breaches", "SLA targets missed", labels, registry=registry
            ),
            SignalKind.CRITICAL: Counter(
                "supportwatch_sla_criticals", "SLA critical limits missed", labels, registry=registry
            ),
        }
        for channel in Channel:
            for priority in Priority:
                for clock in CLOCKS:
                    self.durations[clock].labels(channel.value, priority.value)
                    for outcome in OUTCOMES:
                        self.responses.labels(channel.value, priority.value, clock.value, "", outcome)
                    for counter in self.fired.values():
                        counter.labels(channel.value, priority.value, clock.value, "")

    def observe_outcome(self, outcome: ClockOutcome) -> None:
        ref = outcome.conversation
        self.durations[outcome.clock].labels(ref.channel, ref.priority).observe(outcome.elapsed_seconds)
        result = OUTCOMES[0] if outcome.within_target else OUTCOMES[1]
        self.responses.labels(ref.channel, ref.priority, outcome.clock.value, ref.team or "", result).inc()

    def observe_signal(self, signal: SlaSignal) -> None:
        counter = self.fired.get(signal.kind)
        if counter is not None:  # STOPPED resolves alerts; it is not counted
            ref = signal.conversation
            counter.labels(ref.channel, ref.priority, signal.clock.value, ref.team or "").inc()
