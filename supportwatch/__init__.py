"""supportwatch: a streaming SLA and sentiment monitor for customer support."""

__version__ = "0.1.0"
