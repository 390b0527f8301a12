"""The customer level: one customer's context across conversations and channels.

Pure: never imports faust. The conversations stage turns what matters in a conversation into
:class:`ConversationFact` records keyed by customer; :class:`CustomerTracker` applies them to a
bounded :class:`CustomerState` and says what follows (repeat contacts, churn risk, first-contact
corrections), and adds the customer's context to the conversation's alerts.
"""

from supportwatch.customers.exceptions import CustomersError, CustomerStateError, FactError
from supportwatch.customers.facts import ConversationFact, tier_event
from supportwatch.customers.rules import CustomerRules, RiskReason, parse_customer_rules
from supportwatch.customers.state import CustomerState
from supportwatch.customers.tracker import CustomerStep, CustomerTracker, RepeatContact, Resolved

__all__ = [
    "ConversationFact",
    "CustomerRules",
    "CustomerState",
    "CustomerStateError",
    "CustomerStep",
    "CustomerTracker",
    "CustomersError",
    "FactError",
    "RepeatContact",
    "Resolved",
    "RiskReason",
    "parse_customer_rules",
    "tier_event",
]
