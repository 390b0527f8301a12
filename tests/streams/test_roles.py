"""A worker's role wires its own stages: ``all`` every one, ``conversations`` the input, the
deadlines and delivery, ``customers`` the customer stage (its own consumer group, the customer
table's changelog under the name an ``all`` worker gives it). A conversations worker and a
customers worker together raise a customer's alerts as one ``all`` worker does."""

from __future__ import annotations

from pathlib import Path

import pytest

from supportwatch.models import Classifier
from supportwatch.settings import Role
from supportwatch.streams.recovery import SeekingRecovery
from tests.streams.conftest import build_harness
from tests.streams.harness import Harness, raw_event

WIRED = {
    Role.ALL: ({"conversations", "deliver", "customers"}, {"channel_goals", "churn_risk", "deadlines", "drain"}),
    Role.CONVERSATIONS: ({"conversations", "deliver"}, {"channel_goals", "deadlines", "drain"}),
    Role.CUSTOMERS: ({"customers"}, {"churn_risk"}),
}


@pytest.mark.parametrize("role", list(Role))
def test_a_role_wires_its_agents_timers_and_tables(role: Role, tmp_path: Path, redis_url: str,
                                                   classifier: Classifier) -> None:
    app = build_harness(tmp_path, redis_url, classifier, role).pipeline.app
    agents, tasks = WIRED[role]
    assert set(app.agents) == agents
    assert {task.__name__ for task in app._app_tasks} == tasks
    changelogs = {name: table.changelog_topic.get_topic_name() for name, table in app.tables.items()}
    expected = {"conversations": "supportwatch-conversations-changelog",
                "customers": "supportwatch-customers-changelog"}
    assert changelogs == {name: topic for name, topic in expected.items() if name in agents}
    assert app.conf.id == ("supportwatch-customers" if role is Role.CUSTOMERS else "supportwatch")
    assert isinstance(app.tables.recovery, SeekingRecovery)  # seeks again once the flow is resumed


def test_a_worker_without_a_stage_says_so(tmp_path: Path, redis_url: str, classifier: Classifier) -> None:
    pipeline = build_harness(tmp_path, redis_url, classifier, Role.CUSTOMERS).pipeline
    with pytest.raises(RuntimeError, match="customers worker runs no conversation stage"):
        pipeline.stage  # noqa: B018 - the property raises


async def _through(harness: Harness, agent: str, values: list[tuple[bytes, bytes]], partition: int,
                   wanted: str, count: int) -> list[bytes]:
    """Put ``values`` to ``agent`` and wait until ``count`` records are on the ``wanted`` topic."""
    async with harness.pipeline.app.agents[agent].test_context() as ctx:
        for key, value in values:
            await ctx.put(value, key=key, partition=partition)
        await harness.wait_for(f"{count} records on {wanted}",
                               lambda: len(harness.outputs.values(wanted)) >= count)
    return harness.outputs.values(wanted)


async def test_a_conversations_worker_and_a_customers_worker_raise_what_one_worker_does(
        tmp_path: Path, redis_url: str, classifier: Classifier) -> None:
    chat = [(b"chat-1", raw_event(0, conversation="chat-1", customer_id="cust-1")),
            (b"chat-1", raw_event(100, "agent", conversation="chat-1", customer_id="cust-1")),
            (b"call-1", raw_event(600, conversation="call-1", customer_id="cust-1", channel="phone"))]
    raised: dict[str, list[tuple[str, str, str, dict[str, object]]]] = {}
    for name, first, second in (
        ("one worker", build_harness(tmp_path / "one", redis_url, classifier), None),
        ("split", build_harness(tmp_path / "split", redis_url, classifier, Role.CONVERSATIONS),
         build_harness(tmp_path / "split", redis_url, classifier, Role.CUSTOMERS)),
    ):
        customers = first.settings.topics.customers
        facts = [(b"cust-1", value) for value in await _through(first, "conversations", chat, 0, customers, 3)]
        holder = second if second is not None else first
        await _through(holder, "customers", facts, 1, holder.settings.topics.alerts, 5)
        if second is not None:
            assert first.alerts() == []  # the conversations worker leaves a customer's alerts to the customers one
        raised[name] = [(a["conversation_id"], a["kind"], a["level"], a["customer"]) for a in holder.alerts()]
    assert raised["split"] == raised["one worker"]
    kinds = [kind for _, kind, _, _ in raised["split"]]
    assert "sla_breach" in kinds and "repeat_contact" in kinds
    assert all(context is not None for *_, context in raised["split"])
