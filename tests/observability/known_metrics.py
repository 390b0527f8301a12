"""The metrics a supportwatch worker exports (docs/architecture.md, "Metrics"), with their labels.

Dashboards and rules may query only these (plus Prometheus' own ``up``); test_dashboards.py checks it
statically and test_prometheus_scrape.py checks this list against a real worker's /metrics.
"""

from __future__ import annotations

COUNTER, GAUGE, HISTOGRAM = "counter", "gauge", "histogram"

METRICS: dict[str, tuple[str, frozenset[str]]] = {
    name: (kind, frozenset(labels.split()))
    for name, kind, labels in [
        ("supportwatch_events_total", COUNTER, "channel type"),
        ("supportwatch_invalid_events_total", COUNTER, "reason"),
        ("supportwatch_events_dropped_total", COUNTER, "reason"),
        ("supportwatch_stage_errors_total", COUNTER, "stage"),
        ("supportwatch_build_info", GAUGE, "version"),
        ("supportwatch_first_reply_seconds", HISTOGRAM, "channel priority"),
        ("supportwatch_next_reply_seconds", HISTOGRAM, "channel priority"),
        ("supportwatch_resolution_seconds", HISTOGRAM, "channel priority"),
        ("supportwatch_sla_responses_total", COUNTER, "channel priority clock team outcome"),
        ("supportwatch_sla_warnings_total", COUNTER, "channel priority clock team"),
        ("supportwatch_sla_breaches_total", COUNTER, "channel priority clock team"),
        ("supportwatch_sla_criticals_total", COUNTER, "channel priority clock team"),
        ("supportwatch_open_conversations", GAUGE, "channel state team"),
        ("supportwatch_running_clocks", GAUGE, "channel clock"),
        ("supportwatch_oldest_unanswered_timestamp_seconds", GAUGE, "channel"),
        ("supportwatch_resolutions_total", COUNTER, "channel first_contact team"),
        ("supportwatch_window_responses", GAUGE, "channel clock window"),
        ("supportwatch_window_within_target_ratio", GAUGE, "channel clock window"),
        ("supportwatch_window_breaches", GAUGE, "channel clock window"),
        ("supportwatch_window_responses_within_target", GAUGE, "channel clock window"),
        ("supportwatch_messages_classified_total", COUNTER, "channel label"),
        ("supportwatch_sentiment_score", HISTOGRAM, "channel"),
        ("supportwatch_detractors_total", COUNTER, "channel reason team"),
        ("supportwatch_csat_score", HISTOGRAM, "channel"),
        ("supportwatch_nps_score", HISTOGRAM, "channel"),
        ("supportwatch_ces_score", HISTOGRAM, "channel"),
        ("supportwatch_nps_responses_total", COUNTER, "channel category"),
        ("supportwatch_model_inference_seconds", HISTOGRAM, "backend"),
        ("supportwatch_model_batch_size", HISTOGRAM, "backend"),
        ("supportwatch_customer_contacts_total", COUNTER, "channel"),
        ("supportwatch_repeat_contacts_total", COUNTER, "channel from_channel"),
        ("supportwatch_at_risk_customers", GAUGE, ""),
        ("supportwatch_customers_at_risk", GAUGE, "reason"),
        ("supportwatch_customer_resolutions_total", COUNTER, "channel team"),
        ("supportwatch_customer_recontacts_total", COUNTER, "channel team"),
        ("supportwatch_customers", GAUGE, ""),
        ("supportwatch_alerts_raised_total", COUNTER, "kind channel severity team"),
        ("supportwatch_alerts_total", COUNTER, "kind sink outcome"),
        ("supportwatch_alert_delivery_seconds", HISTOGRAM, "sink"),
        ("supportwatch_alert_outbox_depth", GAUGE, ""),
        # faust's Prometheus sensor (faust.sensors.prometheus, app name "supportwatch" as prefix)
        ("supportwatch_faust_topic_partition_end_offset", GAUGE, "topic partition"),
        ("supportwatch_faust_topic_partition_offset_commited", GAUGE, "topic partition"),
        ("supportwatch_faust_topic_messages_sent_total", COUNTER, "topic"),
        ("supportwatch_faust_messages_received_total", COUNTER, ""),
    ]
}

# Labels Prometheus adds to every scraped series.
TARGET_LABELS = frozenset({"job", "instance"})


# prometheus-client exports no _sum for a histogram with negative buckets (OpenMetrics).
SIGNED_HISTOGRAMS = frozenset({"supportwatch_sentiment_score"})


def series_names() -> dict[str, frozenset[str]]:
    """Every series name a query may use -> its labels (histograms as _bucket/_sum/_count)."""
    names: dict[str, frozenset[str]] = {"up": frozenset()}
    for name, (kind, labels) in METRICS.items():
        if kind == HISTOGRAM:
            names[f"{name}_bucket"] = labels | {"le"}
            names[f"{name}_count"] = labels
            if name not in SIGNED_HISTOGRAMS:
                names[f"{name}_sum"] = labels
        else:
            names[name] = labels
    return names
