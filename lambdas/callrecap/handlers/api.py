"""HTTP API (API Gateway v2, payload format 2.0) behind the agent's web page.

Routes are exactly `contracts.API_ROUTES`; what each answers is domain.call_browsing's:

    GET  /calls?day=YYYY-MM-DD&cursor=&limit=      calls of a day (UTC), newest first, paginated
    GET  /calls/{callId}?since=CURSOR              the call record + transcript segments changed since
    GET  /calls/{callId}/summaries                 every summary version, newest first
    POST /calls/{callId}/summaries                 "Summarize now": SummaryRequested on the bus (202)
    POST /calls/{callId}/summaries/{version}/retry retry a FAILED version: SummaryRequested(retry) (202)
    POST /calls/{callId}/live                      a ticket to watch the live call over the WebSocket

Errors are JSON `{"message": ..., "error": <code>}`: 400 bad input, 404 unknown call/version,
409 retry of a version that did not fail (or a live ticket for an ended call), 501 live updates
not deployed (the page polls).
"""

from __future__ import annotations

import json
import time
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, CORSConfig, Response

from callrecap.domain.calls.access import viewer_from_claims
from callrecap.domain.calls.browsing import CallBrowser, Conflict, InvalidRequest, NotFound
from callrecap.domain.live.updates import LiveUpdatesOff
from callrecap.handlers import wiring
from callrecap.handlers._container import Lazy
from callrecap.handlers.observability import entry_point, logger
from callrecap.handlers.wiring import ApiDependencies

__all__ = ["ApiDependencies", "handler", "set_dependencies"]

_container: Lazy[ApiDependencies] = Lazy(wiring.api)
dependencies, set_dependencies = _container.get, _container.set

# The page is served from another origin when deployed (CloudFront vs. API domain); the HTTP
# API's own CORS configuration answers preflights, these headers ride on every response.
app = APIGatewayHttpResolver(
    cors=CORSConfig(allow_origin="*", allow_headers=["Authorization", "Content-Type"], max_age=600)
)
ERRORS: dict[type[Exception], tuple[int, str]] = {
    InvalidRequest: (400, "BadRequest"),
    NotFound: (404, "NotFound"),
    Conflict: (409, "Conflict"),
    LiveUpdatesOff: (501, "NotImplemented"),
}


def browser() -> CallBrowser:
    """The calls as the signed-in user may see them: the viewer comes from the JWT authorizer's
    claims only, never from anything the page sends."""
    deps = dependencies()
    claims = app.current_event.request_context.authorizer.jwt_claim
    viewer = viewer_from_claims(claims, deps.identity_claim, deps.queues_claim)
    return CallBrowser(deps.transcripts, deps.summaries, deps.publisher, viewer, deps.policy)


def query(name: str) -> str | None:
    value = app.current_event.get_query_string_value(name)
    return value.strip() if isinstance(value, str) and value.strip() else None


def json_body() -> dict[str, Any]:
    """The request body, validated for clear errors (nothing in it is needed today)."""
    raw = app.current_event.decoded_body
    if not raw or not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except ValueError as error:
        raise InvalidRequest(f"request body is not JSON: {error}") from error
    if not isinstance(body, dict):
        raise InvalidRequest("request body must be a JSON object")
    return body


def accepted(detail: dict[str, Any]) -> Response[Any]:
    logger.info("summary requested", extra={"detail": detail})
    return Response(202, content_type="application/json", body=json.dumps({"requested": detail}))


def error(status: int, code: str, message: str) -> Response[Any]:
    return Response(
        status, content_type="application/json", body=json.dumps({"message": message, "error": code})
    )


@app.get("/calls")
def list_calls() -> dict[str, Any]:
    return browser().list_calls(query("day"), query("limit"), query("cursor"))


@app.get("/calls/<callId>")
def get_call(callId: str) -> dict[str, Any]:
    return browser().call_with_segments(callId, query("since"))


@app.get("/calls/<callId>/summaries")
def list_summaries(callId: str) -> dict[str, Any]:
    return browser().list_summaries(callId)


@app.post("/calls/<callId>/summaries")
def request_summary(callId: str) -> Response[Any]:
    json_body()
    return accepted(browser().request_summary(callId))


@app.post("/calls/<callId>/summaries/<version>/retry")
def retry_summary(callId: str, version: str) -> Response[Any]:
    json_body()
    return accepted(browser().retry_summary(callId, version))


@app.post("/calls/<callId>/live")
def watch_call(callId: str) -> dict[str, Any]:
    json_body()
    live = dependencies().live
    if live is None:
        raise LiveUpdatesOff("this deployment has no live updates: poll GET /calls/{callId}")
    return live.open(browser(), callId, time.time())


@app.exception_handler(list(ERRORS))
def _domain_error(failure: Exception) -> Response[Any]:
    status, code = ERRORS[type(failure)]
    return error(status, code, str(failure))


@app.not_found
def _no_route(_: Exception) -> Response[Any]:
    method = app.current_event.request_context.http.method
    return error(404, "NotFound", f"no route {method} {app.current_event.path}")


@entry_point(correlation_id_path="pathParameters.callId")
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return app.resolve(event, context)
