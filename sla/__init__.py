"""The SLA engine: policies and business-hours calendars, clocks per conversation, and the
deadline index that finds the next due clock. Pure: no faust, no I/O besides reading the
configuration file.

    policies = load_policies(path)            # or parse_policies(data, lines)
    engine = SlaEngine(policies, lateness=timedelta(seconds=60))
    step = engine.apply(state, event)         # step.state, step.signals, step.outcomes, step.dropped
    step = engine.advance(step.state, now_ts)  # fire every level due by now_ts (epoch seconds), once
"""

from supportwatch.sla.calendar import BusinessCalendar
from supportwatch.sla.config import DEFAULT_FILE, load_policies, parse_policies
from supportwatch.sla.deadlines import DeadlineIndex
from supportwatch.sla.engine import SlaEngine, SlaStep
from supportwatch.sla.policy import ClockPolicy, Level, Policy, PolicySet
from supportwatch.sla.signals import Clock, ClockOutcome, ConversationRef, SignalKind, SlaSignal
from supportwatch.sla.state import ConversationSla

__all__ = [
    "DEFAULT_FILE",
    "BusinessCalendar",
    "Clock",
    "ClockOutcome",
    "ClockPolicy",
    "ConversationRef",
    "ConversationSla",
    "DeadlineIndex",
    "Level",
    "Policy",
    "PolicySet",
    "SignalKind",
    "SlaEngine",
    "SlaSignal",
    "SlaStep",
    "load_policies",
    "parse_policies",
]
