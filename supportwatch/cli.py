"""The ``supportwatch`` command: demo, worker, simulate, replay, inspect, classify, evaluate, check-config."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import quote

from pydantic import ValidationError

from supportwatch import __version__
from supportwatch.base.exceptions import SupportwatchError
from supportwatch.settings import Settings


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="supportwatch", description="Streaming SLA and sentiment monitor")
    parser.add_argument("--version", action="version", version=f"supportwatch {__version__}")
    parser.add_argument("--log-level", default="warning", choices=["debug", "info", "warning", "error"])
    sub = parser.add_subparsers(dest="command", required=True)

    demo = sub.add_parser("demo", help="embedded broker + worker + simulator on 127.0.0.1, no Docker")
    demo.add_argument("--duration", type=float, default=None, help="stop after this many seconds (default: Ctrl-C)")
    demo.add_argument("--speedup", type=float, default=60.0, help="simulated seconds per wall second")
    demo.add_argument("--rate", type=float, default=None, help="new conversations per simulated minute")
    demo.add_argument("--seed", type=int, default=7)
    demo.add_argument("--quiet-levels", default="", metavar="LEVELS",
                      help="comma-separated alert levels not to print, e.g. warning or warning,resolved")

    sub.add_parser("worker", help="the faust worker alone (settings from SUPPORTWATCH_* variables)")

    sim = sub.add_parser("simulate", help="the event generator alone, producing to the broker")
    sim.add_argument("--duration", type=float, default=None)
    sim.add_argument("--speedup", type=float, default=1.0)
    sim.add_argument("--rate", type=float, default=None, help="new conversations per simulated minute")
    sim.add_argument("--seed", type=int, default=7)

    replay = sub.add_parser("replay", help="run the core over a file of v1 events in event time, no broker")
    replay.add_argument("events", type=Path)
    replay.add_argument("--policies", type=Path, default=None, help="configuration file (default: shipped)")
    replay.add_argument("--report", type=Path, required=True)
    replay.add_argument("--alerts", type=Path, default=None)
    replay.add_argument("--no-sentiment", action="store_true", help="skip the model (surveys still count)")
    replay.add_argument("--workers", type=int, default=1,
                        help="processes, each replaying the conversations of one partition (default 1)")

    inspect = sub.add_parser("inspect", help="a conversation's clocks and mood, or a customer's state, "
                                             "from a running worker")
    inspect.add_argument("conversation_id", nargs="?", default=None)
    inspect.add_argument("--customer", default=None, metavar="ID",
                         help="a customer's conversations, contacts, breaches, mood and churn risk")
    inspect.add_argument("--url", default=None, help="worker base URL (default: from settings)")

    for verb, text in (("ack", "acknowledge an alert: stops its re-escalation (a higher level still pages)"),
                       ("snooze", "hold back a conversation's notifications at the alert's level for a while"),
                       ("unack", "undo an acknowledgement (and a snooze)")):
        action = sub.add_parser(verb, help=text)
        action.add_argument("alert_id")
        action.add_argument("--by", default=None, help="who (default: your user name)")
        action.add_argument("--note", default=None)
        if verb == "snooze":
            action.add_argument("--for", dest="duration", required=True, help="how long: 90s, 15m, 2h")
        action.add_argument("--url", default=None, help="worker base URL (default: from settings)")

    worklist = sub.add_parser("worklist", help="open conversations about to breach, from every worker")
    worklist.add_argument("--horizon", default="1h", help="due within (default 1h)")
    worklist.add_argument("--channel", default=None)
    worklist.add_argument("--team", default=None)
    worklist.add_argument("--json", action="store_true")
    worklist.add_argument("--url", default=None, help="worker base URL (default: from settings)")

    classify = sub.add_parser("classify", help="one text per line in, one JSON sentiment per line out")
    classify.add_argument("--input", type=Path, default=None)

    evaluate = sub.add_parser("evaluate", help="accuracy, macro-F1, confusion matrix and speed on labelled JSONL")
    evaluate.add_argument("file", type=Path)

    check = sub.add_parser("check-config", help="validate a configuration file")
    check.add_argument("file", type=Path, nargs="?", default=None)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        return _run(args)
    except (SupportwatchError, ValidationError) as exc:
        print(f"supportwatch: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _run(args: argparse.Namespace) -> int:
    settings = Settings()
    if args.command == "demo":
        from supportwatch.demo import run_demo

        quiet = frozenset(level.strip() for level in args.quiet_levels.split(",") if level.strip())
        return run_demo(settings, duration=args.duration, speedup=args.speedup, rate=args.rate, seed=args.seed,
                        quiet_levels=quiet)
    if args.command == "worker":
        from supportwatch.worker import run_worker

        return run_worker(settings, loglevel=args.log_level)
    if args.command == "simulate":
        from supportwatch.demo import run_simulate

        return run_simulate(settings, duration=args.duration, speedup=args.speedup, rate=args.rate, seed=args.seed)
    if args.command == "replay":
        from supportwatch.replay import run_replay

        return run_replay(settings, args.events, policies=args.policies, report=args.report,
                          alerts=args.alerts, sentiment=not args.no_sentiment, workers=args.workers)
    if args.command == "inspect":
        if (args.conversation_id is None) == (args.customer is None):
            print("supportwatch inspect: give a conversation id or --customer ID", file=sys.stderr)
            return 2
        if args.customer is not None:
            return _inspect(settings, "customers", args.customer, args.url)
        return _inspect(settings, "conversations", args.conversation_id, args.url)
    if args.command in ("ack", "snooze", "unack"):
        from supportwatch.oncall import run_action

        return run_action(settings, args.command, args.alert_id, by=args.by, note=args.note,
                          duration=getattr(args, "duration", None), url=args.url)
    if args.command == "worklist":
        from supportwatch.oncall import run_worklist

        return run_worklist(settings, url=args.url, horizon=args.horizon, channel=args.channel, team=args.team,
                            as_json=args.json)
    if args.command == "check-config":
        from supportwatch.config import load_config

        config = load_config(args.file or settings.policy_file)
        print(f"{config.path}: ok ({len(config.policies.policies)} policies)")
        return 0
    from supportwatch.models import load_classifier
    from supportwatch.models.commands import run_classify, run_evaluate

    classifier = load_classifier(settings.model)
    if args.command == "classify":
        if args.input is not None:
            with args.input.open(encoding="utf-8", errors="replace") as handle:
                run_classify(classifier, handle, sys.stdout, settings.model.batch_size)
        else:
            run_classify(classifier, sys.stdin, sys.stdout, settings.model.batch_size)
        return 0
    run_evaluate(classifier, args.file, sys.stdout, settings.model.batch_size)
    return 0


def _inspect(settings: Settings, table: str, key: str, url: str | None) -> int:
    """GET ``/<table>/<key>/`` from a worker (faust routes it to the worker that holds the key)."""
    import httpx

    base = url or settings.web_url
    try:
        response = httpx.get(f"{base.rstrip('/')}/{table}/{quote(key, safe='')}/", timeout=10, follow_redirects=True)
    except httpx.HTTPError as exc:
        raise SupportwatchError(f"cannot reach the worker at {base}: {exc}") from exc
    if response.status_code == 404:
        what = "customer" if table == "customers" else "open conversation"
        print(f"supportwatch: no {what} {key!r}", file=sys.stderr)
        return 1
    response.raise_for_status()
    print(json.dumps(response.json(), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
