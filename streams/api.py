"""The worker's on-call HTTP API and worklist pages, on faust's web server.

``POST /alerts/{id}/ack|snooze|unack`` and ``GET /alerts/{id}`` need ``Authorization: Bearer
<api_token>`` (401 otherwise, and always while no token is set); each action is recorded in Redis
(alerts/oncall.py) and published on the alerts topic, where delivery tells the notified recipients.
``GET /worklist`` (JSON) merges every worker's entries unless ``scope=local``; ``GET /worklist.html``
is the page that polls it. The web server binds ``metrics_host`` (127.0.0.1 by default).
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from collections.abc import Callable
from datetime import datetime
from importlib import resources
from typing import Any

import faust
import httpx
from faust.web import Request, Response, View
from pydantic import TypeAdapter

from supportwatch.alerts import OnCall, RedisUnavailable, UnknownAlert, connect_redis
from supportwatch.alerts.model import Alert
from supportwatch.alerts.routing import Seconds
from supportwatch.settings import Settings
from supportwatch.tracking import OpenConversations
from supportwatch.tracking.worklist import Filters, local_items, merge, with_states

log = logging.getLogger(__name__)
PEER_TIMEOUT_SECONDS = 2.0
VERBS = ("ack", "snooze", "unack")
_DURATION: TypeAdapter[float] = TypeAdapter(Seconds)


def _seconds(value: str) -> float:
    """``90s``, ``15m``, ``2h``; ValueError (pydantic's) otherwise."""
    return _DURATION.validate_python(value)


def _unauthorized(view: View) -> Response:
    return view.json({"error": "missing or wrong bearer token"}, status=401,
                     headers={"WWW-Authenticate": 'Bearer realm="supportwatch"'})


class OnCallApi:
    def __init__(self, app: faust.App, settings: Settings, open_conversations: OpenConversations,
                 alerts_topic: Any, now: Callable[[], datetime]) -> None:
        self._app = app
        self._settings = settings
        self._open = open_conversations
        self._topic = alerts_topic
        self._now = now
        self._oncall: OnCall | None = None
        token = settings.api_token
        self._token = token.get_secret_value().encode("utf-8") if token is not None else None
        self._page = resources.files("supportwatch.streams").joinpath("worklist.html").read_text(encoding="utf-8")
        self._register()

    def oncall(self) -> OnCall:
        if self._oncall is None:
            self._oncall = OnCall(connect_redis(self._settings.alerts), self._settings.alerts, self._now)
        return self._oncall

    def authorized(self, request: Request) -> bool:
        if self._token is None:
            return False
        header = request.headers.get("Authorization", "")
        scheme, _, presented = header.partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(presented.strip().encode("utf-8"), self._token)

    async def act(self, view: View, request: Request, alert_id: str, verb: str) -> Response:
        if not self.authorized(request):
            return _unauthorized(view)
        try:
            body = json.loads(await request.read() or b"{}")
            if not isinstance(body, dict):
                raise ValueError("the body must be a JSON object")
            by, note = str(body.get("by") or "on-call"), body.get("note")
            note = None if note is None else str(note)
            oncall = self.oncall()
            if verb == "ack":
                event = await oncall.acknowledge(alert_id, by, note)
            elif verb == "unack":
                event = await oncall.unacknowledge(alert_id, by, note)
            else:
                event = await oncall.snooze(alert_id, by, _seconds(str(body.get("for", ""))), note)
        except UnknownAlert as exc:
            return view.json({"error": str(exc)}, status=404)
        except RedisUnavailable as exc:
            return view.json({"error": str(exc)}, status=503)
        except ValueError as exc:
            return view.json({"error": f"bad request: {exc}"}, status=400)
        await self._publish(event)
        log.info("%s %s by %s", event.kind.value, alert_id, by)
        return view.json({"event": event.model_dump(mode="json")})

    async def show(self, view: View, request: Request, alert_id: str) -> Response:
        if not self.authorized(request):
            return _unauthorized(view)
        try:
            alert = await self.oncall().alert(alert_id)
            history = await self.oncall().history(alert_id)
        except UnknownAlert as exc:
            return view.json({"error": str(exc)}, status=404)
        except RedisUnavailable as exc:
            return view.json({"error": str(exc)}, status=503)
        return view.json({"alert": alert.model_dump(mode="json"),
                          "actions": [a.model_dump(mode="json") for a in history]})

    async def worklist(self, view: View, request: Request) -> Response:
        query = request.query
        try:
            filters = Filters(
                horizon_seconds=_seconds(query.get("horizon", "1h")),
                channel=query.get("channel") or None,
                team=query.get("team") or None,
                limit=max(1, min(int(query.get("limit", "500")), 5000)),
            )
        except ValueError as exc:
            return view.json({"error": f"bad request: {exc}"}, status=400)
        items = local_items(self._open, self._now().timestamp(), filters)
        if query.get("scope") == "local":  # a peer's share: the asking worker adds the ack states
            return view.json({"items": items})
        peers = await self._peer_items(request)
        items = merge([items, *peers], filters.limit)
        try:
            states = await self.oncall().states((i["alert_id"], i["conversation_id"]) for i in items)
            state_dicts = {alert_id: state.to_dict() for alert_id, state in states.items()}
        except RedisUnavailable:
            state_dicts = {}
        out = with_states(items, state_dicts, self._settings.alerts.link_template)
        return view.json({"generated_at": self._now().isoformat(timespec="seconds"), "workers": 1 + len(peers),
                          "horizon_seconds": filters.horizon_seconds, "items": out})

    async def _peer_items(self, request: Request) -> list[list[dict[str, Any]]]:
        me = str(self._app.conf.canonical_url).rstrip("/")
        peers = [str(host).rstrip("/") for host in self._app.router.tables_metadata()]
        peers = [peer for peer in peers if peer != me]
        if not peers:
            return []
        params = {k: v for k, v in request.query.items() if k != "scope"} | {"scope": "local"}
        async with httpx.AsyncClient(timeout=PEER_TIMEOUT_SECONDS) as client:
            replies = await asyncio.gather(*(client.get(f"{peer}/worklist", params=params) for peer in peers),
                                           return_exceptions=True)
        out = []
        for peer, reply in zip(peers, replies, strict=True):
            if isinstance(reply, BaseException) or reply.status_code != 200:
                log.warning("worklist: no answer from %s", peer)
                continue
            out.append(list(reply.json()["items"]))
        return out

    async def _publish(self, event: Alert) -> None:
        sent = await self._topic.send(key=(event.conversation_id or event.id).encode("utf-8"), value=event.to_json())
        await sent

    def _register(self) -> None:
        api = self

        @self._app.page("/alerts/{alert_id}/{verb}")
        class Act(View):
            async def post(self, request: Request, alert_id: str, verb: str) -> Response:
                if verb not in VERBS:
                    return self.json({"error": f"no action {verb!r}: one of {', '.join(VERBS)}"}, status=404)
                return await api.act(self, request, alert_id, verb)

        @self._app.page("/alerts/{alert_id}")
        class ShowAlert(View):
            async def get(self, request: Request, alert_id: str) -> Response:
                return await api.show(self, request, alert_id)

        @self._app.page("/worklist")
        class Worklist(View):
            async def get(self, request: Request) -> Response:
                return await api.worklist(self, request)

        @self._app.page("/worklist.html")
        class WorklistPage(View):
            async def get(self, request: Request) -> Response:
                return self.html(api._page)
