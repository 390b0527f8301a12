"""Write the supportwatch Grafana dashboards to ``grafana/dashboards/<uid>.json``.

    python grafana/generate.py          # regenerate after changing a panel or the shipped SLA policies

The committed JSON is what Grafana provisions; tests/observability checks it matches this script.
Queries aggregate over workers with ``sum by``; ``$channel`` and ``$team`` filter every panel that has
the label (``team`` is matched with ``=~".*"`` by "All", so series without the label still count).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from supportwatch.events import Channel  # noqa: E402
from supportwatch.grafana.panels import (  # noqa: E402
    CHANNEL_VARIABLE,
    SCRAPE_JOB,
    TEAM_VARIABLE,
    Json,
    dashboard,
    panel,
    row,
    target,
    text,
)
from supportwatch.sla.config import load_policies  # noqa: E402
from supportwatch.sla.signals import Clock  # noqa: E402

OUT = Path(__file__).resolve().parent / "dashboards"
CH = 'channel=~"$channel"'
TEAM = 'team=~"$team"'
WAITING = 'state=~"waiting_first_reply|waiting_reply"'
RATE = "$__rate_interval"
RANGE = "$__range"
# Where supervisors open the worklist page: a worker's web port as their browser reaches it
# (docker-compose publishes worker-1's on localhost:9464).
WORKLIST_URL = "http://localhost:9464/worklist.html"
COMPLIANCE: list[tuple[str, float | None]] = [("red", None), ("orange", 0.8), ("green", 0.9)]
FEW: list[tuple[str, float | None]] = [("green", None), ("orange", 1), ("red", 20)]
FCR_GOAL: list[tuple[str, float | None]] = [("red", None), ("orange", 0.7), ("green", 0.8)]
REPEAT_SHARE: list[tuple[str, float | None]] = [("green", None), ("orange", 0.2), ("red", 0.35)]


def sel(metric: str, *matchers: str) -> str:
    """A PromQL selector: ``sel("m", 'a="1"', CH)`` is ``m{a="1",channel=~"$channel"}``."""
    return f"{metric}{{{','.join(matchers)}}}"


def agg(labels: str, fn: str, selector: str, window: str = RATE) -> str:
    """``sum by (labels) (fn(selector[window]))``; ``labels=""`` sums everything."""
    by = f" by ({labels})" if labels else ""
    return f"sum{by} ({fn}({selector}[{window}]))"


def mean(labels: str, histogram: str, matchers: tuple[str, ...], window: str = RATE) -> str:
    """Mean observation of a histogram over ``window``, per ``labels``."""
    return (f"{agg(labels, 'rate', sel(histogram + '_sum', *matchers), window)} / "
            f"{agg(labels, 'rate', sel(histogram + '_count', *matchers), window)}")


def quantile(q: float, labels: str, histogram: str, *matchers: str) -> str:
    by = f"le, {labels}" if labels else "le"
    return f"histogram_quantile({q}, {agg(by, 'rate', sel(histogram + '_bucket', *matchers))})"


def share(part: str, whole: str) -> str:
    """``part / whole`` with no result where ``whole`` is 0 (nothing to judge), and 0 where ``part`` has
    no series yet (a counter whose label set was never used) but ``whole`` has."""
    return f"({part} or 0 * {whole}) / ({whole} > 0)"


def _first_reply_panels() -> list[Json]:
    """One panel per channel: p50/p90 against the shipped default policy's target and critical lines."""
    policies = load_policies()
    panels: list[Json] = []
    for channel in Channel:
        clock = policies.match(channel.value, "normal", None, None)[0].clocks[Clock.FIRST_REPLY]
        name = f'channel="{channel.value}"'
        panels.append(panel(
            "timeseries", f"First reply time: {channel.value}",
            [target(quantile(q, "", "supportwatch_first_reply_seconds", name), f"p{q * 100:g}")
             for q in (0.5, 0.9)],
            f"First-reply time percentiles of {channel.value} conversations. Lines: target {clock.target:g}s "
            f"(orange) and critical limit {clock.critical:g}s (red) of the shipped default policy "
            "(normal priority).",
            unit="s", minimum=0, width=8, threshold_lines=True,
            thresholds=[("green", None), ("orange", clock.target), ("red", clock.critical)],
        ))
    return panels


def sla_overview() -> Json:
    responses = sel("supportwatch_sla_responses_total", CH)
    within = sel("supportwatch_sla_responses_total", CH, 'outcome="within_target"')
    waiting = sel("supportwatch_open_conversations", WAITING, CH, TEAM)
    oldest = sel("supportwatch_oldest_unanswered_timestamp_seconds", CH)
    panels = [
        text("Who is about to breach",
             f"The live worklist, conversation by conversation, sorted by time left: [{WORKLIST_URL}]({WORKLIST_URL}) "
             "(any worker merges every worker's list; the CLI: `supportwatch worklist`). Acknowledge or snooze "
             "with `supportwatch ack ALERT_ID` / `supportwatch snooze ALERT_ID --for 15m`.", height=3),
        row("Now"),
        panel("stat", "First-reply compliance, last hour",
            [target(sel("channel_clock:supportwatch_sla_compliance:ratio_rate1h", 'clock="first_reply"', CH),
                    "{{channel}}")],
            "Share of first replies within target in the last hour, per channel (the figure the "
            "compliance alert watches).",
            unit="percentunit", thresholds=COMPLIANCE, width=8),
        panel("bargauge", "Oldest waiting customer",
            [target(f"time() - min by (channel) ({oldest} > 0)", "{{channel}}")],
            "How long the longest-waiting unanswered customer has waited, per channel.",
            unit="s", thresholds=[("green", None), ("orange", 600), ("red", 3600)], width=8),
        panel("bargauge", "Waiting for a reply", [target(f"sum by (channel) ({waiting})", "{{channel}}")],
            "Open conversations whose customer waits for a first or next reply.",
            thresholds=[("green", None), ("orange", 50), ("red", 200)], width=8),
        panel("stat", "Nearing breach (warnings, 15m)",
            [target(agg("channel", "increase", sel("supportwatch_sla_warnings_total", CH), "15m"),
                    "{{channel}}")],
            "Clocks that passed a warning level in the last 15 minutes: conversations close to their target.",
            thresholds=[("green", None), ("orange", 1), ("red", 10)], width=8),
        panel("stat", "Breaches in range",
            [target(agg("clock", "increase", sel("supportwatch_sla_breaches_total", CH), RANGE),
                    "{{clock}}")],
            "SLA targets missed in the selected time range, per clock.",
            thresholds=FEW, width=8),
        panel("stat", "Criticals in range",
            [target(agg("clock", "increase", sel("supportwatch_sla_criticals_total", CH), RANGE),
                    "{{clock}}")],
            "Critical limits missed (escalation level 2) in the selected time range, per clock.",
            thresholds=[("green", None), ("red", 1)], width=8),
        row("Over time"),
        panel("timeseries", "First-reply compliance per channel",
            [target(sel("channel_clock:supportwatch_sla_compliance:ratio_rate5m", 'clock="first_reply"', CH),
                "{{channel}}")],
            "Share of first replies within target, 5-minute rate (recording rule). Goal line at 90%.",
            unit="percentunit", minimum=0, maximum=1, thresholds=COMPLIANCE, threshold_lines=True),
        panel("timeseries", "Compliance per clock",
            [target(f"{agg('clock', 'rate', within)} / {agg('clock', 'rate', responses)}", "{{clock}}")],
            "Share of finished clocks within target, all selected channels, per clock.",
            unit="percentunit", minimum=0, maximum=1, thresholds=COMPLIANCE, threshold_lines=True),
        panel("timeseries", "Breaches and criticals per channel",
            [target(f"{agg('channel', 'rate', sel('supportwatch_sla_breaches_total', CH))} * 60",
                "{{channel}} breaches"),
             target(f"{agg('channel', 'rate', sel('supportwatch_sla_criticals_total', CH))} * 60",
                "{{channel}} criticals")],
            "Breaches and criticals a minute.", minimum=0),
        panel("timeseries", "Open conversations by state",
            [target(f"sum by (state) ({sel('supportwatch_open_conversations', CH, TEAM)})", "{{state}}")],
            "Open conversations of the selected channels by state.", stacked=True, minimum=0),
        row("First reply time against target (shipped default policy)"),
        *_first_reply_panels(),
    ]
    return dashboard("supportwatch-sla", "Support SLA overview",
                     "Supervisor view: SLA compliance, waiting customers, breaches.", panels,
                     [CHANNEL_VARIABLE, TEAM_VARIABLE],
                     links=[{"type": "link", "title": "Worklist: who is about to breach", "url": WORKLIST_URL,
                             "targetBlank": True, "icon": "external link"}])


def sentiment() -> Json:
    classified = sel("supportwatch_messages_classified_total", CH)
    nps = sel("supportwatch_nps_responses_total", CH)
    promoters = sel("supportwatch_nps_responses_total", CH, 'category="promoter"')
    detractors = sel("supportwatch_nps_responses_total", CH, 'category="detractor"')
    detractor_alerts = sel("supportwatch_alerts_raised_total", 'kind="detractor"', CH)
    turned = sel("supportwatch_detractors_total", 'reason=~"sentiment_turn|consecutive_negative"', CH)
    panels = [
        panel("timeseries", "Sentiment mix per channel",
            [target(f"{agg('channel, label', 'rate', classified)} / on (channel) group_left "
                f"{agg('channel', 'rate', classified)}", "{{channel}} {{label}}")],
            "Share of customer messages per sentiment label, per channel.",
            unit="percentunit", minimum=0, maximum=1),
        panel("timeseries", "Sentiment score per channel",
            [target(quantile(q, "channel", "supportwatch_sentiment_score", CH), f"{{{{channel}}}} p{q * 100:g}")
             for q in (0.25, 0.5)],
            "Median and lower quartile of the classifier score of customer messages, -1 (negative) to 1 "
            "(positive). The histogram has negative buckets, so it exports no _sum for a mean.",
            minimum=-1, maximum=1, thresholds=[("red", None), ("orange", -0.2), ("green", 0.2)],
            threshold_lines=True),
        panel("stat", "Detractor alerts in range",
            [target(agg("channel", "increase", detractor_alerts, RANGE), "{{channel}}")],
            "Detractor alerts raised in the selected range, per channel.", thresholds=FEW, width=8),
        panel("bargauge", "Conversations that turned negative",
            [target(agg("channel", "increase", turned, RANGE), "{{channel}}")],
            "Conversations whose customer mood turned negative in the selected range (mood detractors).",
            thresholds=[("green", None), ("orange", 5), ("red", 20)], width=8),
        panel("bargauge", "Detractors by reason",
            [target(agg("reason", "increase", sel("supportwatch_detractors_total", CH), RANGE),
                    "{{reason}}")],
            "Detractors in the selected range by reason: mood turn, negative streak, NPS, CSAT, CES.",
            thresholds=[("green", None), ("orange", 5), ("red", 20)], width=8),
        panel("timeseries", "Detractors per hour",
            [target(f"{sel('channel:supportwatch_detractors:rate15m', CH)} * 3600", "{{channel}}")],
            "Detractors an hour per channel, 15-minute rate (recording rule).", minimum=0),
        panel("timeseries", "NPS per channel",
            [target(sel("channel:supportwatch_nps:score_1h", CH), "{{channel}}")],
            "Net Promoter Score of the last hour's answers (recording rule), -100 to 100.",
            minimum=-100, maximum=100, thresholds=[("red", None), ("orange", 0), ("green", 30)],
            threshold_lines=True),
        panel("stat", "CSAT in range (1-5)",
            [target(mean("channel", "supportwatch_csat_score", (CH,), RANGE), "{{channel}}")],
            "Mean customer satisfaction answer per channel.", unit="none",
            thresholds=[("red", None), ("orange", 3.5), ("green", 4.2)], width=8),
        panel("stat", "NPS in range",
            [target(f"100 * ({agg('channel', 'increase', promoters, RANGE)} - "
                f"{agg('channel', 'increase', detractors, RANGE)}) / "
                f"{agg('channel', 'increase', nps, RANGE)}",
                "{{channel}}")],
            "Net Promoter Score per channel: % promoters minus % detractors.", unit="none",
            thresholds=[("red", None), ("orange", 0), ("green", 30)], width=8),
        panel("stat", "CES in range (1-7, lower is better)",
            [target(mean("channel", "supportwatch_ces_score", (CH,), RANGE), "{{channel}}")],
            "Mean customer effort answer per channel.", unit="none",
            thresholds=[("green", None), ("orange", 3.5), ("red", 5)], width=8),
    ]
    return dashboard("supportwatch-sentiment", "Customer sentiment",
                     "How customers feel: classified message mood, detractors and survey scores.", panels,
                     [CHANNEL_VARIABLE])


def teams() -> Json:
    responses = sel("supportwatch_sla_responses_total", CH, TEAM)
    within = sel("supportwatch_sla_responses_total", CH, TEAM, 'outcome="within_target"')
    panels = [
        text("About this dashboard",
             "Figures per **team**, for the teams and channels selected above. Metrics never carry agent, "
             "customer or conversation ids (unbounded cardinality), so agent detail lives in the alerts "
             "(each alert names its agent and links to the conversation), not here. Series without a team "
             "label (conversations not yet assigned) appear under an empty team name.", height=3),
        panel("bargauge", "Open conversations per team",
            [target(f"sum by (team) ({sel('supportwatch_open_conversations', CH, TEAM)})", "{{team}}")],
            "Open conversations per team.", thresholds=[("green", None), ("orange", 100), ("red", 300)],
            width=8),
        panel("bargauge", "Waiting for a reply per team",
            [target(f"sum by (team) ({sel('supportwatch_open_conversations', WAITING, CH, TEAM)})",
                    "{{team}}")],
            "Conversations per team whose customer waits for a reply.",
            thresholds=[("green", None), ("orange", 50), ("red", 200)], width=8),
        panel("stat", "SLA compliance per team in range",
            [target(f"{agg('team', 'increase', within, RANGE)} / {agg('team', 'increase', responses, RANGE)}",
                "{{team}}")],
            "Share of finished SLA clocks within target, per team.",
            unit="percentunit", thresholds=COMPLIANCE, width=8),
        panel("timeseries", "Breaches per team",
            [target(f"{agg('team', 'rate', sel('supportwatch_sla_breaches_total', CH, TEAM))} * 60",
                    "{{team}}")],
            "SLA breaches a minute per team.", minimum=0),
        panel("timeseries", "Alerts raised per team and severity",
            [target(f"{agg('team, severity', 'rate', sel('supportwatch_alerts_raised_total', CH, TEAM))}"
                    " * 60",
                "{{team}} {{severity}}")],
            "Alerts raised a minute, per team and severity.", minimum=0),
        panel("timeseries", "Detractors per team",
            [target(f"{agg('team', 'rate', sel('supportwatch_detractors_total', CH, TEAM))} * 3600",
                    "{{team}}")],
            "Detractors an hour per team.", minimum=0),
        panel("timeseries", "Resolutions per team",
            [target(f"{agg('team, first_contact', 'rate', sel('supportwatch_resolutions_total', CH, TEAM))}"
                    " * 3600",
                "{{team}} first contact={{first_contact}}")],
            "Resolved conversations an hour per team, split by first-contact resolution.", minimum=0),
    ]
    return dashboard("supportwatch-teams", "Teams and agents",
                     "Aggregates per team. No agent-level series: agent ids are never metric labels.", panels,
                     [CHANNEL_VARIABLE, TEAM_VARIABLE])


def pipeline() -> Json:
    up = f'up{{job="{SCRAPE_JOB}"}}'
    deliveries = sel("supportwatch_alerts_total", 'outcome=~"delivered|failed"')
    delivered = sel("supportwatch_alerts_total", 'outcome="delivered"')
    panels = [
        panel("stat", "Workers up", [target(f"sum({up})", "up"), target(f"count({up})", "scraped")],
            "Workers answering Prometheus' scrapes, of those configured.",
            thresholds=[("red", None), ("green", 1)], width=6),
        panel("stat", "Consumer lag", [target("sum(topic:supportwatch_consumer_lag:sum)", "lag")],
            "Messages on all topics not yet committed by any worker.",
            thresholds=[("green", None), ("orange", 500), ("red", 1000)], width=6),
        panel("stat", "Alert outbox depth", [target("max(supportwatch_alert_outbox_depth)", "outbox")],
            "Alerts waiting in the Redis outbox for delivery (shared by all workers).",
            thresholds=[("green", None), ("orange", 100), ("red", 500)], width=6),
        panel("stat", "Dead-letter share (5m)",
            [target("supportwatch:dead_letter:ratio_rate5m", "dead letters")],
            "Share of input events that were invalid.", unit="percentunit",
            thresholds=[("green", None), ("orange", 0.01), ("red", 0.05)], width=6),
        panel("timeseries", "Events in per channel",
            [target(agg("channel", "rate", "supportwatch_events_total"), "{{channel}}")],
            "Valid events consumed a second, per channel.", unit="reqps", stacked=True, minimum=0),
        panel("timeseries", "Messages out per topic",
            [target(agg("topic", "rate", "supportwatch_faust_topic_messages_sent_total"), "{{topic}}")],
            "Messages produced a second, per topic (alerts, dead letters, changelogs).",
            unit="reqps", minimum=0),
        panel("timeseries", "Consumer lag per topic",
            [target("topic:supportwatch_consumer_lag:sum", "{{topic}}")],
            "End offset minus committed offset, summed over partitions (recording rule).", minimum=0,
            thresholds=[("green", None), ("red", 1000)], threshold_lines=True),
        panel("timeseries", "Dead letters and dropped events",
            [target(agg("reason", "rate", "supportwatch_invalid_events_total"), "invalid: {{reason}}"),
             target(agg("stage", "rate", "supportwatch_stage_errors_total"), "stage error: {{stage}}"),
             target(agg("reason", "rate", "supportwatch_events_dropped_total"), "dropped: {{reason}}")],
            "Invalid events and records a stage could not handle, sent to the dead-letter topic, and valid "
            "events that changed nothing, a second.",
            unit="reqps", minimum=0),
        panel("timeseries", "Model inference latency",
            [target(quantile(q, "backend", "supportwatch_model_inference_seconds"),
                    f"p{q * 100:g} {{{{backend}}}}") for q in (0.5, 0.95, 0.99)],
            "Sentiment model latency per batch.", unit="s", minimum=0),
        panel("timeseries", "Model batch size",
            [target(mean("backend", "supportwatch_model_batch_size", ()), "mean {{backend}}")],
            "Mean number of messages per inference batch.", minimum=0),
        panel("timeseries", "Alert deliveries by outcome",
            [target(f"{agg('sink, outcome', 'rate', 'supportwatch_alerts_total')} * 60",
                    "{{sink}} {{outcome}}")],
            "Alert deliveries a minute per sink and outcome.", minimum=0),
        panel("timeseries", "Alert delivery success and latency",
            [target(f"{agg('sink', 'rate', delivered)} / {agg('sink', 'rate', deliveries)}",
                    "success {{sink}}"),
             target(quantile(0.95, "sink", "supportwatch_alert_delivery_seconds"), "p95 s {{sink}}")],
            "Share of deliveries that succeeded, and p95 delivery time in seconds, per sink.", minimum=0),
        panel("table", "Worker versions",
            [target("max by (instance, version) (supportwatch_build_info)", instant=True)],
            "supportwatch version of each scraped worker.", width=24, height=5),
    ]
    return dashboard("supportwatch-pipeline", "Pipeline health",
                     "Is supportwatch keeping up: throughput, lag, dead letters, model and alert delivery.",
                     panels, [])


TRUE_FCR_TEXT = (
    "**True first-contact resolution** counts a resolved conversation as resolved at first contact only "
    "when the same customer does not open a new conversation (on any channel) within **7 days** (the FCR "
    "window, `customers.fcr_window`); each such return corrects one resolution of the conversation's "
    "channel and team. It differs from the "
    "per-conversation FCR of the *Teams and agents* dashboard (`supportwatch_resolutions_total{first_contact}`: "
    "at most one agent reply inside one conversation), which cannot see a customer who gives up and writes "
    "again. Only identified customers (events with a customer id) count; the last 7 days' resolutions "
    "can still be corrected."
)


def customers() -> Json:
    contacts = sel("supportwatch_customer_contacts_total", CH)
    repeats = sel("supportwatch_repeat_contacts_total", CH)
    resolutions = sel("supportwatch_customer_resolutions_total", CH, TEAM)
    recontacts = sel("supportwatch_customer_recontacts_total", CH, TEAM)
    conversation_fcr = sel("supportwatch_resolutions_total", CH, TEAM)
    conversation_first = sel("supportwatch_resolutions_total", 'first_contact="true"', CH, TEAM)
    resolved_1d = sel("channel_team:supportwatch_customer_resolutions:increase1d", CH, TEAM)
    recontacted_1d = sel("channel_team:supportwatch_customer_recontacts:increase1d", CH, TEAM)

    def true_fcr(labels: str) -> str:
        """1 - recontacts / resolutions over the dashboard's range, per ``labels``."""
        return f"1 - {share(agg(labels, 'increase', recontacts, RANGE), agg(labels, 'increase', resolutions, RANGE))}"

    def true_fcr_1d(labels: str) -> str:
        """The same over the last day, from the recording rules."""
        return f"1 - {share(f'sum by ({labels}) ({recontacted_1d})', f'sum by ({labels}) ({resolved_1d})')}"

    # Repeat contacts that stayed on their channel: one series per channel with from_channel = channel.
    same_channel = 'label_join(group by (channel) (supportwatch_repeat_contacts_total), "from_channel", "", "channel")'
    panels = [
        text("About this dashboard",
             "Figures per **customer**, aggregated: customer ids are never metric labels (unbounded "
             "cardinality); the repeat-contact and customer-at-risk alerts name the customer. A **repeat "
             "contact** is a new conversation within the repeat window (24 hours by default) of the same "
             "customer's previous one; a **channel switch** is a repeat contact on another channel than the "
             "previous conversation's. A customer is **at risk** of churn when the points of its breaches, "
             "criticals, detractor signals, repeat contacts and low survey answers reach the churn-risk rule's "
             "threshold (`customers.at_risk`). The at-risk and customers-tracked panels carry no channel or "
             "team label, so the filters above do not apply to them.", height=4),
        row("Now"),
        panel("stat", "Customers at risk now", [target("sum(supportwatch_at_risk_customers)", "at risk")],
            "Customers currently at risk of churn, summed over the workers (each holds its share of the "
            "customers). Not filtered by channel or team.",
            thresholds=[("green", None), ("orange", 1), ("red", 50)], width=6),
        panel("stat", "Customers tracked", [target("sum(supportwatch_customers)", "customers")],
            "Customers held in the workers' customer tables (their recent conversations and risk signals).",
            width=6),
        panel("bargauge", "Customers at risk by reason",
            [target("sum by (reason) (supportwatch_customers_at_risk)", "{{reason}}")],
            "Customers at risk now per reason: breaches, criticals, detractors, repeat contacts, low survey "
            "answers. A customer counts once under each of its reasons, so the bars add up to more than the "
            "customers at risk.",
            thresholds=[("green", None), ("orange", 1), ("red", 50)], width=12),
        row("Repeat contacts and channel switches"),
        panel("timeseries", "Repeat contacts per channel",
            [target(f"{agg('channel', 'rate', repeats)} * 3600", "{{channel}}")],
            "Repeat contacts an hour per channel of the new conversation: customers who opened a new "
            "conversation within 24 hours of their previous one.", minimum=0),
        panel("timeseries", "Repeat-contact share of new contacts",
            [target(share(agg("channel", "rate", repeats), agg("channel", "rate", contacts)), "{{channel}}")],
            "Share of the new conversations of identified customers that are repeat contacts, per channel.",
            unit="percentunit", minimum=0, maximum=1, thresholds=REPEAT_SHARE, threshold_lines=True),
        panel("bargauge", "Channel switches in range (from → to)",
            [target(f"({agg('from_channel, channel', 'increase', repeats, RANGE)} "
                    f"unless on (from_channel, channel) {same_channel}) > 0",
                    "{{from_channel}} → {{channel}}")],
            "Repeat contacts in the selected range that came on another channel than the customer's "
            "previous conversation, per previous channel → new channel (filtered by the new channel); pairs "
            "without a switch in the range are left out. "
            "Many switches from one channel suggest customers give up on it.",
            thresholds=[("green", None), ("orange", 10), ("red", 50)], width=12),
        panel("stat", "Repeat-contact share in range",
            [target(share(agg("channel", "increase", repeats, RANGE), agg("channel", "increase", contacts, RANGE)),
                    "{{channel}}")],
            "Share of the selected range's new conversations of identified customers that were repeat "
            "contacts, per channel.", unit="percentunit", thresholds=REPEAT_SHARE, width=12),
        row("True first-contact resolution (7-day window)"),
        text("True first-contact resolution", TRUE_FCR_TEXT, height=4),
        panel("bargauge", "First-contact resolution in range: true vs per conversation",
            [target(true_fcr("channel"), "{{channel}} true (7 days)"),
             target(share(agg("channel", "increase", conversation_first, RANGE),
                          agg("channel", "increase", conversation_fcr, RANGE)),
                    "{{channel}} per conversation")],
            "Per channel over the selected range: true FCR, 1 - recontacts / resolutions of identified "
            "customers (no new conversation within 7 days), next to the per-conversation FCR of the Teams "
            "dashboard (at most one agent reply in the conversation). The gap is customers who came back.",
            unit="percentunit", minimum=0, maximum=1, thresholds=FCR_GOAL, width=12),
        panel("bargauge", "True first-contact resolution per team in range",
            [target(true_fcr("team"), "{{team}}")],
            "Per team (of the resolved conversation) over the selected range: 1 - recontacts / resolutions "
            "of identified customers. Unlike the per-conversation FCR on the Teams dashboard, a resolution "
            "counts as first contact only when the customer does not come back within 7 days.",
            unit="percentunit", minimum=0, maximum=1, thresholds=FCR_GOAL, width=12),
        panel("timeseries", "True first-contact resolution per channel (24 h)",
            [target(true_fcr_1d("channel"), "{{channel}}")],
            "1 - recontacts / resolutions of identified customers over the previous 24 hours (recording "
            "rules), per channel. A resolution is corrected when the customer opens a new conversation within "
            "7 days, so the last days' figure can still fall. Goal line at 80%.",
            unit="percentunit", minimum=0, maximum=1, thresholds=FCR_GOAL, threshold_lines=True),
        panel("timeseries", "True first-contact resolution per team (24 h)",
            [target(true_fcr_1d("team"), "{{team}}")],
            "1 - recontacts / resolutions of identified customers over the previous 24 hours (recording "
            "rules), per team of the resolved conversation. Not the per-conversation FCR of the Teams "
            "dashboard: a customer who comes back within 7 days undoes the first contact.",
            unit="percentunit", minimum=0, maximum=1, thresholds=FCR_GOAL, threshold_lines=True),
        row("Over time"),
        panel("timeseries", "Customers at risk over time",
            [target("sum(supportwatch_at_risk_customers)", "at risk"),
             target("sum by (reason) (supportwatch_customers_at_risk)", "{{reason}}")],
            "Customers at risk of churn, in all and per reason (a customer counts under each of its "
            "reasons). Not filtered by channel or team.", minimum=0),
        panel("timeseries", "Customers tracked over time",
            [target("sum(supportwatch_customers)", "customers tracked")],
            "Customers held in the workers' customer tables, summed over the workers.", minimum=0),
    ]
    return dashboard("supportwatch-customers", "Customers",
                     "Supervisor view per customer, aggregated: customers at risk, repeat contacts and channel "
                     "switches, true first-contact resolution. Customer ids are never metric labels.", panels,
                     [CHANNEL_VARIABLE, TEAM_VARIABLE])


DASHBOARDS = (sla_overview, sentiment, teams, customers, pipeline)


def render() -> dict[str, str]:
    """File name -> JSON text of every dashboard."""
    files: dict[str, str] = {}
    for build in DASHBOARDS:
        board = build()
        files[f"{board['uid']}.json"] = json.dumps(board, indent=2, sort_keys=True) + "\n"
    return files


def main() -> None:
    OUT.mkdir(exist_ok=True)
    for name, content in render().items():
        (OUT / name).write_text(content)
        print(OUT / name)


if __name__ == "__main__":
    main()
