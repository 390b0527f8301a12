"""Customer metrics: contacts, repeat contacts and channel switches, true first-contact
resolution, and gauges of the customers at risk this worker holds. No customer id is a label."""

from __future__ import annotations

from collections import Counter as Tally
from collections.abc import Iterable

from prometheus_client import CollectorRegistry, Counter, Gauge

from supportwatch.customers.rules import RiskReason
from supportwatch.customers.tracker import CustomerStep
from supportwatch.events import Channel


class CustomerMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.contacts = Counter(
            "supportwatch_customer_contacts", "New conversations opened by identified customers",
            ["channel"], registry=registry)
        self.repeats = Counter(
            "supportwatch_repeat_contacts",
            "New conversations within the repeat window of the customer's previous one (from_channel: its channel)",
            ["channel", "from_channel"], registry=registry)
        self.resolutions = Counter(
            "supportwatch_customer_resolutions",
            "Identified customers' conversations solved, each first contact until the customer comes back",
            ["channel", "team"], registry=registry)
        self.recontacts = Counter(
            "supportwatch_customer_recontacts",
            "Corrections: solved conversations whose customer opened a new one within the FCR window",
            ["channel", "team"], registry=registry)
        self.at_risk_customers = Gauge(
            "supportwatch_at_risk_customers", "Customers at risk of churn held by this worker", registry=registry)
        self.at_risk = Gauge(
            "supportwatch_customers_at_risk", "Customers at risk held by this worker, under each of their reasons",
            ["reason"], registry=registry)
        self.customers = Gauge(
            "supportwatch_customers", "Customers in this worker's customer table", registry=registry)
        for channel in Channel:
            self.contacts.labels(channel=channel.value)
            self.resolutions.labels(channel=channel.value, team="")
            self.recontacts.labels(channel=channel.value, team="")
            for previous in Channel:
                self.repeats.labels(channel=channel.value, from_channel=previous.value)
        for reason in RiskReason:
            self.at_risk.labels(reason=reason.value)

    def observe(self, step: CustomerStep) -> None:
        if step.duplicate:
            return
        if step.contact is not None:
            self.contacts.labels(channel=step.contact).inc()
        if step.repeat is not None:
            self.repeats.labels(channel=step.repeat.channel, from_channel=step.repeat.from_channel).inc()
        if step.resolution is not None:
            self.resolutions.labels(channel=step.resolution.channel, team=step.resolution.team or "").inc()
        for recontact in step.recontacts:
            self.recontacts.labels(channel=recontact.channel, team=recontact.team or "").inc()


class AtRiskBoard:
    """The customers at risk among those this worker holds, and their reasons: the gauges."""

    def __init__(self, metrics: CustomerMetrics | None = None) -> None:
        self._metrics = metrics
        self._reasons: dict[str, tuple[str, ...]] = {}

    def set(self, customer_id: str, reasons: tuple[str, ...]) -> None:
        if reasons:
            self._reasons[customer_id] = reasons
        else:
            self._reasons.pop(customer_id, None)

    def replace(self, items: Iterable[tuple[str, tuple[str, ...]]]) -> None:
        self._reasons = {customer_id: reasons for customer_id, reasons in items if reasons}

    def customers(self) -> list[str]:
        return list(self._reasons)

    def publish(self, held: int) -> None:
        if self._metrics is None:
            return
        tally = Tally(reason for reasons in self._reasons.values() for reason in reasons)
        self._metrics.at_risk_customers.set(len(self._reasons))
        for reason in RiskReason:
            self._metrics.at_risk.labels(reason=reason.value).set(tally.get(reason.value, 0))
        self._metrics.customers.set(held)
