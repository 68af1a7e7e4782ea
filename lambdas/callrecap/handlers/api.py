"""HTTP API (API Gateway v2, payload format 2.0) behind the agent's web page.

The routes are exactly `contracts.API_ROUTES` (listed in docs/architecture.md, "HTTP API"); what
each answers is domain/calls/browsing.py's. Errors are JSON `{"message": ..., "error": <code>}`:
400 bad input, 404 unknown call/version (or another agent's call), 409 retry of a version that did
not fail (or a live ticket for an ended call), 501 live updates not deployed (the page polls).
"""

from __future__ import annotations

import json
import time
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, CORSConfig, Response

from callrecap import wiring
from callrecap.domain.calls.browsing import CallBrowser, Conflict, InvalidRequest, NotFound
from callrecap.domain.live.updates import LiveUpdatesOff
from callrecap.handlers._container import Lazy
from callrecap.handlers.http_api import BadBody, json_error, json_object_body, map_errors, query, viewer_of
from callrecap.handlers.observability import entry_point, logger
from callrecap.wiring import ApiDependencies

__all__ = ["ApiDependencies", "handler", "set_dependencies"]

_container: Lazy[ApiDependencies] = Lazy(wiring.api)
dependencies, set_dependencies = _container.get, _container.set

# The page is on another origin when deployed: the HTTP API answers preflights; these ride on responses.
app = APIGatewayHttpResolver(
    cors=CORSConfig(allow_origin="*", allow_headers=["Authorization", "Content-Type"], max_age=600)
)
ERRORS: dict[type[Exception], tuple[int, str]] = {
    **dict.fromkeys((InvalidRequest, BadBody), (400, "BadRequest")),
    NotFound: (404, "NotFound"),
    Conflict: (409, "Conflict"),
    LiveUpdatesOff: (501, "NotImplemented"),
}
map_errors(app, ERRORS)


def browser() -> CallBrowser:
    """The calls as the signed-in user may see them."""
    deps = dependencies()
    viewer = viewer_of(app, deps.identity_claim, deps.queues_claim)
    return CallBrowser(deps.transcripts, deps.summaries, deps.publisher, viewer, deps.policy)


def accepted(detail: dict[str, Any]) -> Response[Any]:  # 202: the summary is on its way
    logger.info("summary requested", extra={"detail": detail})
    return Response(202, content_type="application/json", body=json.dumps({"requested": detail}))


@app.get("/calls")
def list_calls() -> dict[str, Any]:
    return browser().list_calls(query(app, "day"), query(app, "limit"), query(app, "cursor"))


@app.get("/calls/<callId>")
def get_call(callId: str) -> dict[str, Any]:
    return browser().call_with_segments(callId, query(app, "since"))


@app.get("/calls/<callId>/summaries")
def list_summaries(callId: str) -> dict[str, Any]:
    return browser().list_summaries(callId)


@app.post("/calls/<callId>/summaries")
def request_summary(callId: str) -> Response[Any]:
    json_object_body(app)  # refused when it is not a JSON object; nothing in it is needed today
    return accepted(browser().request_summary(callId))


@app.post("/calls/<callId>/summaries/<version>/retry")
def retry_summary(callId: str, version: str) -> Response[Any]:
    json_object_body(app)
    return accepted(browser().retry_summary(callId, version))


@app.post("/calls/<callId>/live")
def watch_call(callId: str) -> dict[str, Any]:
    json_object_body(app)
    live = dependencies().live
    if live is None:
        raise LiveUpdatesOff("this deployment has no live updates: poll GET /calls/{callId}")
    return live.open(browser(), callId, time.time())


@app.not_found
def _no_route(_: Exception) -> Response[Any]:
    method = app.current_event.request_context.http.method
    return json_error(404, "NotFound", f"no route {method} {app.current_event.path}")


@entry_point(correlation_id_path="pathParameters.callId")
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return app.resolve(event, context)
