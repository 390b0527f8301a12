"""The customer rules: repeat contacts and channel switches, context on every alert, true
first-contact resolution, churn risk, and facts applied once."""

from __future__ import annotations

from datetime import timedelta

from supportwatch.alerts import AlertKind
from supportwatch.customers import ConversationFact, CustomerTracker
from supportwatch.tracking import Tracker
from tests.customers.conftest import NEGATIVE, T0, chat_then_call, event, raised, run

Trackers = tuple[Tracker, CustomerTracker]


def test_a_call_after_a_breached_chat_is_a_repeat_contact_with_a_channel_switch(trackers: Trackers) -> None:
    result = run(trackers, chat_then_call())
    repeats = [a for a in result.alerts if a.kind is AlertKind.REPEAT_CONTACT]
    assert len(repeats) == 1
    repeat = repeats[0]
    assert repeat.conversation_id == "call-1" and repeat.customer_id == "cust-1"
    assert repeat.channel_switch is True and repeat.from_channel == "chat" and repeat.level == "channel_switch"
    assert "20m00s after their chat conversation (channel switch)" in repeat.summary
    report = result.customers["cust-1"].to_dict()
    assert report == {
        "customer_id": "cust-1", "conversations": 2, "channels": ["chat", "phone"], "repeat_contacts": 1,
        "channel_switches": 1, "breaches_30d": 1, "at_risk": False, "at_risk_reasons": [],
        "first_contact_resolutions": 0,
    }
    assert not [a for a in result.alerts if a.kind is AlertKind.CUSTOMER_AT_RISK]  # 3 points of 5


def test_the_calls_alerts_carry_the_chat_history(trackers: Trackers) -> None:
    tracker, customers = trackers
    sentiments = {"chat-1-0-customer": NEGATIVE}
    events = chat_then_call()
    events.pop()  # the call is never answered: its first reply breaches
    result = run(trackers, events, sentiments, end=T0 + timedelta(seconds=2000))
    call = [a for a in result.alerts if a.conversation_id == "call-1" and a.kind is AlertKind.SLA_BREACH]
    assert len(call) == 1
    context = call[0].customer
    assert context is not None and call[0].customer_id == "cust-1"
    assert context.open_conversations == {"phone": 1}
    assert context.contacts_7d == 2 and context.criticals_30d == 1
    assert context.breaches_30d == 2  # the chat's and this one
    assert context.mood is not None and context.mood < -0.5 and context.mood_channel == "chat"
    assert "2 contacts in 7 d; 2 breaches in 30 d; mood -0.85 on chat" in context.line()


def test_the_chats_first_contact_resolution_is_corrected_by_the_call(trackers: Trackers) -> None:
    alone = run(trackers, chat_then_call()[:3])
    assert alone.customers["cust-1"].to_dict()["first_contact_resolutions"] == 1
    week = 7 * 86400
    late = run(trackers, chat_then_call(gap=week + 60))
    report = late.customers["cust-1"]
    assert report.recontacts == 0 and report.to_dict()["first_contact_resolutions"] == 1
    assert report.repeat_contacts == 0  # outside the 24 h repeat window
    within = run(trackers, chat_then_call(gap=week - 60))
    assert within.customers["cust-1"].recontacts == 1
    assert within.customers["cust-1"].repeat_contacts == 0


def test_a_return_on_the_same_channel_is_no_channel_switch(trackers: Trackers) -> None:
    events = [
        event(0, "customer", "chat-1"), event(30, "agent", "chat-1"), event(40, "closed", "chat-1"),
        event(600, "customer", "chat-2"),
    ]
    repeat = next(a for a in run(trackers, events).alerts if a.kind is AlertKind.REPEAT_CONTACT)
    assert repeat.channel_switch is False and repeat.level == "repeat_contact"


def test_events_without_a_customer_stay_conversation_only(trackers: Trackers) -> None:
    result = run(trackers, [event(0, "customer", "anon", customer=None), event(400, "agent", "anon", customer=None)])
    assert result.customers == {}
    assert result.alerts and all(a.customer is None and a.customer_id is None for a in result.alerts)


def test_a_fact_applied_twice_changes_nothing_but_sends_its_alerts_again(trackers: Trackers) -> None:
    _, customers = trackers
    fact = ConversationFact("cust-9", "c-1", 1, T0.timestamp(), "chat", opened=True, alerts=raised("sla_breach"))
    first = customers.apply(None, fact)
    again = customers.apply(first.state, fact)
    assert again.duplicate and again.contact is None
    assert [(a.kind, a.customer_id, a.customer) for a in again.alerts] == [
        (AlertKind.SLA_BREACH, "cust-9", customers.context(first.state, T0.timestamp()))]
    context = customers.context(again.state, T0.timestamp())
    assert context.contacts_24h == 1 and context.breaches_30d == 1


def test_a_fact_overtaken_by_a_later_one_still_sends_its_alerts(trackers: Trackers) -> None:
    # A batch sent again after the broker refused it can arrive after the conversation's next fact.
    _, customers = trackers
    at = T0.timestamp()
    later = customers.apply(None, ConversationFact("cust-9", "c-1", 2, at + 60, "chat", opened=True))
    overtaken = customers.apply(later.state, ConversationFact("cust-9", "c-1", 1, at, "chat",
                                                              alerts=raised("sla_warning")))
    assert overtaken.duplicate
    assert [(a.kind, a.customer_id) for a in overtaken.alerts] == [(AlertKind.SLA_WARNING, "cust-9")]


def test_churn_risk_fires_once_per_episode_with_reasons_and_ends_when_it_ages_out(trackers: Trackers) -> None:
    _, customers = trackers
    at = T0.timestamp()
    earlier = customers.apply(None, ConversationFact("cust-9", "c-0", 1, at - 2 * 86400, "chat", opened=True,
                                                     is_open=False)).state
    step = customers.apply(earlier, ConversationFact("cust-9", "c-1", 1, at, "email", opened=True,
                                                     alerts=raised("sla_breach")))
    assert not [a for a in step.alerts if a.kind is AlertKind.CUSTOMER_AT_RISK]
    step = customers.apply(step.state, ConversationFact("cust-9", "c-1", 2, at + 60, "email",
                                                        alerts=raised("detractor", "sla_critical", "sla_breach")))
    risk = [a for a in step.alerts if a.kind is AlertKind.CUSTOMER_AT_RISK]
    assert len(risk) == 1 and risk[0].reasons == ("breaches", "detractors", "criticals")
    contexts = [a.customer for a in step.alerts]
    assert [(c.detractors_30d, c.criticals_30d) for c in contexts if c is not None][:2] == [(1, 0), (1, 1)]
    assert risk[0].customer is not None and risk[0].customer.at_risk
    step = customers.apply(step.state, ConversationFact("cust-9", "c-1", 3, at + 120, "email",
                                                        survey=("csat", 1.0)))
    assert not [a for a in step.alerts if a.kind is AlertKind.CUSTOMER_AT_RISK]
    assert step.state.risk == ("breaches", "detractors", "low_surveys", "criticals")
    assert customers.reevaluate(step.state, at + 86400).alerts == []
    ended = customers.reevaluate(step.state, at + 31 * 86400).alerts
    assert [a.kind for a in ended] == [AlertKind.RESOLVED] and ended[0].id == risk[0].id
    assert ended[0].resolves == (AlertKind.CUSTOMER_AT_RISK,)
    alone = customers.apply(step.state, ConversationFact("cust-9", "c-2", 1, at + 40 * 86400, "chat", opened=True,
                                                         alerts=raised("sla_breach", "sla_critical", "detractor",
                                                                       "detractor", conversation="c-2")))
    assert not [a for a in alone.alerts if a.kind is AlertKind.CUSTOMER_AT_RISK]  # 6 points, one conversation
    again = customers.apply(alone.state, ConversationFact("cust-9", "c-3", 1, at + 40 * 86400 + 60, "phone",
                                                          opened=True))
    second = [a for a in again.alerts if a.kind is AlertKind.CUSTOMER_AT_RISK]
    assert len(second) == 1 and second[0].id != risk[0].id  # a new episode
    assert second[0].reasons == ("detractors", "repeat_contacts", "breaches", "criticals")  # c-1 is still open


def test_a_vip_tier_is_remembered_and_the_latest_value_wins(trackers: Trackers) -> None:
    _, customers = trackers
    at = T0.timestamp()
    state = customers.apply(None, ConversationFact("cust-9", "c-1", 1, at, "chat", opened=True, tier="vip")).state
    state = customers.apply(state, ConversationFact("cust-9", "c-1", 2, at + 5, "chat")).state
    assert customers.context(state, at).tier == "vip"
    state = customers.apply(state, ConversationFact("cust-9", "c-2", 1, at + 9, "chat", opened=True, tier="gold")).state
    assert state.tier == "gold"


def test_facts_of_two_partitions_out_of_event_time_order_still_find_the_repeat(trackers: Trackers) -> None:
    """The call's first facts reach the customer before the chat's: the repeat is flagged when the
    chat's first fact arrives and raised with the call's next fact; the chat's late resolution is
    corrected at once."""
    _, customers = trackers
    at = T0.timestamp()
    chat = [ConversationFact("c", "chat-1", 1, at, "chat", opened=True),
            ConversationFact("c", "chat-1", 2, at + 220, "chat", is_open=False, resolved=True)]
    call = [ConversationFact("c", "call-1", 1, at + 400, "phone", opened=True),
            ConversationFact("c", "call-1", 2, at + 460, "phone", answered=True)]
    state = None
    raised = []
    steps = []
    for fact in (call[0], chat[0], chat[1], call[1]):
        step = customers.apply(state, fact)
        state = step.state
        steps.append(step)
        raised += [a for a in step.alerts if a.kind is AlertKind.REPEAT_CONTACT]
    assert len(raised) == 1 and raised[0].conversation_id == "call-1" and raised[0].from_channel == "chat"
    assert steps[2].recontacts == [steps[2].resolution]
    assert customers.context(state, at + 500).contacts_24h == 2


def test_a_new_conversation_gets_the_customers_remembered_tier(trackers: Trackers) -> None:
    """The first chat says vip; the second names no tier, yet is held to the VIP chat policy
    (30 s first reply): the customer level gives it the tier back at its opening."""
    events = [
        event(0, "customer", "chat-1", customer_tier="vip"), event(10, "agent", "chat-1"),
        event(20, "closed", "chat-1"),
        event(600, "customer", "chat-2"), event(640, "agent", "chat-2"),
    ]
    result = run(trackers, events)
    breaches = [a for a in result.alerts if a.kind is AlertKind.SLA_BREACH]
    assert [a.conversation_id for a in breaches] == ["chat-2"]  # 40 s: within the chat policy's 1 min
    assert "chat-2" in result.conversations and result.conversations["chat-2"].breached == {"first_reply"}
    _, customers = trackers
    first = customers.apply(None, ConversationFact("c", "v-1", 1, T0.timestamp(), "chat", opened=True, tier="vip"))
    second = customers.apply(first.state, ConversationFact("c", "v-2", 1, T0.timestamp() + 9, "chat", opened=True))
    assert first.tier is None and second.tier == "vip"
