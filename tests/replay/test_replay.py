"""``supportwatch replay``: the tracking core over a file in event time, writing the report and
the alert log other tools read (README, "Replay")."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from supportwatch.cli import main
from tests.kit import Events

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SHARED_TWCS = Path(__file__).resolve().parents[3] / "shared" / "data" / "twcs-dev.events.jsonl"


# JSON lines of chat events from T0, no team; messages ask "Hello, any news on my order?"
LINES = Events(base=T0, team=None, text="Hello, any news on my order?")


def write_events(path: Path) -> Path:
    rows = [
        LINES.json(0, "customer", "fast", event_id="fast-0"),
        LINES.json(30, "agent", "fast", event_id="fast-1"),
        LINES.json(60, "solved", "fast", event_id="fast-2"),
        LINES.json(10, "customer", "slow", event_id="slow-0"),
        LINES.json(250, "agent", "slow", event_id="slow-1"),  # 4 min: over target (1 min) and critical (3 min)
        LINES.json(0, "customer", "mail", event_id="mail-0", channel="email"),
        LINES.json(3600, "agent", "mail", event_id="mail-1", channel="email"),  # 1 h of a 4 h target
        LINES.json(4000, "csat", "mail", event_id="mail-2", channel="email", score=1),
        LINES.json(10, "customer", "slow", event_id="slow-0"),  # a repeated event id changes nothing
        b'{"event_id": "broken"',
    ]
    path.write_bytes(b"\n".join(rows) + b"\n")
    return path


def test_replay_writes_the_report_and_the_alert_log(tmp_path: Path) -> None:
    events = write_events(tmp_path / "events.jsonl")
    report_path, alerts_path = tmp_path / "report.json", tmp_path / "alerts.jsonl"
    code = main(["replay", str(events), "--report", str(report_path), "--alerts", str(alerts_path),
                 "--no-sentiment"])
    assert code == 0
    report = json.loads(report_path.read_text())
    rows = {row["conversation_id"]: row for row in report["conversations"]}
    assert rows["fast"]["first_reply_seconds"] == 30 and rows["fast"]["breached"] == []
    assert rows["slow"]["first_reply_seconds"] == 240
    assert rows["slow"]["critical"] == ["first_reply"]
    # never solved: its resolution clock (30 min on chat) breaches too as event time passes 30 min
    assert rows["slow"]["breached"] == ["first_reply", "resolution"]
    assert rows["mail"]["first_reply_seconds"] == 3600 and rows["mail"]["detractor"] is True
    assert rows["mail"]["detractor_reasons"] == ["csat"]
    assert report["channels"]["chat"]["conversations"] == 2
    assert report["channels"]["chat"]["within_target_ratio"] == 0.5
    assert report["channels"]["email"]["first_reply_p50_seconds"] == 3600
    assert report["invalid_events"] == {"bad_json": 1} and report["dropped_events"] == {"duplicate": 1}

    alerts = [json.loads(raw) for raw in alerts_path.read_text().splitlines()]
    slow = [a for a in alerts if a["conversation_id"] == "slow" and a["clock"] == "first_reply"]
    assert [a["kind"] for a in slow] == ["sla_warning", "sla_warning", "sla_breach", "sla_critical", "resolved"]
    breach = next(a for a in slow if a["kind"] == "sla_breach")
    assert breach["clock"] == "first_reply" and breach["channel"] == "chat"
    due, fired = datetime.fromisoformat(breach["due_at"]), datetime.fromisoformat(breach["fired_at"])
    assert due == T0 + timedelta(seconds=70)  # 10 s + 1 min target
    assert fired == due  # event time: fired exactly when due, no wall clock involved
    assert any(a["kind"] == "detractor" and a["conversation_id"] == "mail" for a in alerts)


def test_replay_classifies_customer_messages_with_the_shipped_model(tmp_path: Path) -> None:
    rows = [LINES.json(i * 20, "customer", "angry", event_id=f"angry-{i}", text=text) for i, text in enumerate([
        "This is absolutely terrible, my order is lost again!",
        "Worst service ever. I am furious and want a refund NOW.",
        "Still nothing. You are useless, I hate this company.",
    ])]
    events = tmp_path / "angry.jsonl"
    events.write_bytes(b"\n".join(rows) + b"\n")
    report_path = tmp_path / "report.json"
    assert main(["replay", str(events), "--report", str(report_path)]) == 0
    row = json.loads(report_path.read_text())["conversations"][0]
    assert row["detractor"] is True and "consecutive_negative" in row["detractor_reasons"]


@pytest.mark.skipif(not SHARED_TWCS.exists(), reason="../shared/data is not beside this clone")
def test_replay_on_real_social_care_timing(tmp_path: Path) -> None:
    report_path = tmp_path / "report.json"
    assert main(["replay", str(SHARED_TWCS), "--report", str(report_path), "--no-sentiment"]) == 0
    report = json.loads(report_path.read_text())
    social = report["channels"]["social"]
    assert social["conversations"] == 525
    assert 600 < social["first_reply_p50_seconds"] < 6 * 3600  # the README of the data: a median of about 2 h
    assert social["first_reply_p90_seconds"] > social["first_reply_p50_seconds"]


def test_replay_over_two_processes_gives_the_same_report_and_alerts(tmp_path: Path) -> None:
    outputs = {}
    for workers in (1, 2):
        report, alerts = tmp_path / f"report-{workers}.json", tmp_path / f"alerts-{workers}.jsonl"
        assert main(["replay", str(SHARED_TWCS), "--report", str(report), "--alerts", str(alerts),
                     "--no-sentiment", "--workers", str(workers)]) == 0
        lines = alerts.read_text().splitlines()
        fired = [json.loads(row)["fired_at"] for row in lines]
        assert fired == sorted(fired)
        outputs[workers] = (json.loads(report.read_text()), sorted(lines))
    assert outputs[2][1] and outputs[1] == outputs[2]
