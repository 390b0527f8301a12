"""A customer's state is bounded whatever their history, and survives the table's JSON."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from supportwatch.customers import ConversationFact, CustomerState, CustomerStateError, CustomerTracker, FactError
from supportwatch.customers.state import MAX_CONVERSATIONS
from tests.customers.conftest import T0, raised

DAY = 86400.0


def heavy_history(customers: CustomerTracker, conversations: int, id_bytes: int = 64) -> CustomerState:
    """Long ids, every channel, three teams, a breach, a critical, a detractor and a survey in each
    conversation."""
    state = None
    channels = ("chat", "phone", "email", "social", "messaging")
    at = T0.timestamp()
    for n in range(conversations):
        at += 3 * 3600
        conversation = f"conversation-{n:06d}-".ljust(id_bytes, "x")
        base = {"customer_id": "customer-".ljust(id_bytes, "y"), "conversation_id": conversation,
                "channel": channels[n % 5], "team": f"team-{n % 3}-".ljust(id_bytes // 2, "z"),
                "tier": "platinum-plus"}
        for seq, fact in enumerate((
            ConversationFact(seq=1, at=at, opened=True, **base),
            ConversationFact(seq=2, at=at + 60, alerts=raised("sla_breach", "sla_critical", "detractor"),
                             mood=-0.8123, **base),
            ConversationFact(seq=3, at=at + 120, survey=("nps", 2.0), resolved=True, is_open=n % 3 == 0, **base),
        ), start=1):
            assert fact.seq == seq
            state = customers.apply(state, fact).state
    assert state is not None
    return state


def test_memory_per_customer_stays_under_a_kib_whatever_the_history(trackers) -> None:  # type: ignore[no-untyped-def]
    _, customers = trackers
    sizes = []
    for conversations in (1, 10, 100, 1000):
        state = heavy_history(customers, conversations)
        encoded = json.dumps(state.to_dict(), separators=(",", ":")).encode()
        sizes.append(len(encoded))
        assert len(state.contacts) <= MAX_CONVERSATIONS
    assert max(sizes) <= 1024, sizes
    assert sizes[-1] == sizes[-2]  # a longer history costs nothing more
    longest = heavy_history(customers, 100, id_bytes=256)
    assert len(json.dumps(longest.to_dict(), separators=(",", ":"))) <= 2560


def test_open_conversations_are_evicted_last(trackers) -> None:  # type: ignore[no-untyped-def]
    _, customers = trackers
    at = T0.timestamp()
    state = customers.apply(None, ConversationFact("c", "open-one", 1, at, "email", opened=True)).state
    for n in range(10):
        fact = ConversationFact("c", f"closed-{n}", 1, at + 60 * (n + 1), "chat", opened=True, is_open=False)
        state = customers.apply(state, fact).state
    assert customers.context(state, at).open_conversations == {"email": 1}
    assert customers.context(state, at + 3600).contacts_24h == 11


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 60 * 86400), st.sampled_from(["chat", "phone", "email"]),
                          st.integers(0, 3), st.booleans(), st.booleans()), min_size=1, max_size=40))
def test_a_state_reads_back_as_it_was_written(items: list[tuple[int, str, int, bool, bool]]) -> None:
    from supportwatch.customers.rules import CustomerRules

    customers = CustomerTracker(CustomerRules(), "x")
    state = None
    at = T0.timestamp()
    for n, (offset, channel, breaches, resolved, is_open) in enumerate(sorted(items)):
        fact = ConversationFact("c", f"conv-{n % 7}", n + 1, at + offset, channel, opened=n < 7,
                                alerts=raised(*["sla_breach"] * breaches), resolved=resolved, is_open=is_open,
                                mood=0.25, survey=("csat", 2.0))
        state = customers.apply(state, fact).state
    assert state is not None
    again = CustomerState.from_dict(json.loads(json.dumps(state.to_dict())))
    assert again == state
    now = at + 61 * 86400
    assert customers.context(again, now) == customers.context(state, now)


def test_unreadable_states_and_facts_raise_our_errors() -> None:
    with pytest.raises(CustomerStateError):
        CustomerState.from_dict({"v": 99})
    with pytest.raises(CustomerStateError):
        CustomerState.from_dict({"v": 1, "id": "c", "b": 0, "cv": [["short"]]})
    with pytest.raises(FactError):
        ConversationFact.from_json(b'{"c": "x"}')
    with pytest.raises(FactError):
        ConversationFact.from_json(b"\xff")
    fact = ConversationFact("c", "v", 3, 12.5, "chat", team="t", tier="vip", alerts=raised("detractor"),
                            survey=("nps", 3.0))
    assert ConversationFact.from_json(fact.to_json()) == fact
