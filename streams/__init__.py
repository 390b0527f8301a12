"""The faust app: thin agents over the pure cores, tables, timers and the metrics page."""

from supportwatch.streams.app import build_app

__all__ = ["build_app"]
