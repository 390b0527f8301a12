"""The whole pipeline for real: a noida-db broker, a ``supportwatch worker`` process with the
shipped model, the test Redis. Events in; metrics, printed alerts, the alerts topic and the
dead-letter topic out; a clean stop on SIGTERM."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from supportwatch.cli import main
from tests.integration.live import LIVE_EVENTS, LiveWorker, Received, WorkerConfig, produce, read_alerts

pytestmark = pytest.mark.integration

DEADLETTER_TOPIC = "supportwatch.deadletter"


def kinds(received: list[Received], conversation: str) -> list[str]:
    return [r.alert["kind"] for r in received if r.alert.get("conversation_id") == conversation]


async def test_events_in_alerts_metrics_and_dead_letters_out(
    worker_config: WorkerConfig, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    now = datetime.now(UTC)
    late = now - timedelta(minutes=5)  # past the chat target (1 min) and critical limit (3 min)
    happy = LIVE_EVENTS.but(conversation="happy", customer="cust-happy")  # chat, team returns, agent-7
    events = [
        LIVE_EVENTS.raw(late, "customer", "late", event_id="late-0", customer="cust-late",
                        text="Hello? I have been waiting for ages and nobody answers. Terrible."),
        happy.raw(now, "customer", event_id="happy-0", text="Hi! Quick question about my invoice, thanks so much."),
        happy.raw(now + timedelta(seconds=10), "agent", event_id="happy-1", text="Sure, here it is."),
        happy.raw(now + timedelta(seconds=20), "solved", event_id="happy-2"),
        happy.raw(now + timedelta(seconds=30), "nps", event_id="happy-3", score=2),
        ("broken", b'{"event_id": "b-1", "conversation_id": '),
        ("naive", json.dumps({"event_id": "n-1", "conversation_id": "naive", "occurred_at": "2026-01-01T10:00:00",
                              "channel": "chat", "type": "status", "status": "open"}).encode()),
    ]
    with LiveWorker(worker_config, tmp_path / "worker.log") as worker:
        worker.wait_serving()
        await produce(worker_config.bootstrap, events)

        def done(received: list[Received]) -> bool:
            return {"sla_breach", "sla_critical"} <= set(kinds(received, "late")) and "detractor" in kinds(
                received, "happy")

        received = await read_alerts(worker_config.bootstrap, done, timeout=180)
        assert done(received), (kinds(received, "late"), kinds(received, "happy"), worker.log_tail())
        assert kinds(received, "late").count("sla_breach") == 1
        detractor = next(r.alert for r in received if r.alert["kind"] == "detractor")
        assert detractor["channel"] == "chat" and detractor["team"] == "returns"

        letters = await read_alerts(worker_config.bootstrap, lambda r: len(r) >= 2, timeout=60,
                                    topic=DEADLETTER_TOPIC)
        assert sorted(letter.alert["reason"] for letter in letters) == ["bad_json", "naive_timestamp"]
        assert any(letter.alert["original_text"] == '{"event_id": "b-1", "conversation_id": ' for letter in letters)

        worker.wait_for(lambda w: (w.sample("supportwatch_sla_breaches_total", channel="chat", priority="normal",
                                            clock="first_reply", team="returns") or 0) >= 1, 60, "breach metric")
        assert worker.sample("supportwatch_events_total", channel="chat", type="message") == 3
        assert worker.sample("supportwatch_invalid_events_total", reason="bad_json") == 1
        assert worker.sample("supportwatch_invalid_events_total", reason="naive_timestamp") == 1
        assert worker.sample("supportwatch_nps_responses_total", channel="chat", category="detractor") == 1
        classified = sum(worker.sample("supportwatch_messages_classified_total", channel="chat", label=label) or 0
                         for label in ("negative", "neutral", "positive"))
        assert classified == 2
        assert (worker.sample("supportwatch_first_reply_seconds_count", channel="chat", priority="normal") or 0) >= 1

        assert main(["inspect", "late", "--url", worker.url]) == 0
        state = json.loads(capsys.readouterr().out)
        first_reply = next(c for c in state["sla"]["clocks"] if c["clock"] == "first_reply")
        assert first_reply["state"] == "running" and first_reply["target_seconds"] == 60
        assert all(level["fired"] for level in first_reply["levels"])
        assert main(["inspect", "nobody", "--url", worker.url]) == 1
        worker.stop()
        printed = worker.log_path.read_text(encoding="utf-8", errors="replace")
    assert " alert sla_breach " in printed and " alert detractor " in printed
