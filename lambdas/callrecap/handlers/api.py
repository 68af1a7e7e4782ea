"""HTTP API (API Gateway v2, payload format 2.0) behind the agent's web page.

Routes are exactly `contracts.API_ROUTES`:

    GET  /calls?day=YYYY-MM-DD&cursor=&limit=      calls of a day (UTC), newest first, paginated
    GET  /calls/{callId}?since=CURSOR              the call record + transcript segments changed since
    GET  /calls/{callId}/summaries                 every summary version, newest first
    POST /calls/{callId}/summaries                 "Summarize now": SummaryRequested on the bus
    POST /calls/{callId}/summaries/{version}/retry retry a FAILED version: SummaryRequested(retry)

Errors are JSON `{"message": ..., "error": <code>}`: 400 bad input, 404 unknown call/version,
409 retry of a version that did not fail. Requesting a summary answers 202: the summarizer runs
asynchronously and the page sees the new version in the summaries list.

Powertools' APIGatewayHttpResolver does the routing (measured: ~45 ms of import on top of the
Logger, against ~100 ms for boto3 which every route needs anyway); boto3 clients are created on
first use inside the adapters, never at import.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, CORSConfig, Response
from aws_lambda_powertools.event_handler.exceptions import (
    BadRequestError,
    ServiceError,
)

from callrecap.contracts import SCHEMA_VERSION, BusEvent
from callrecap.domain.models import CallStatus, Segment, SummaryKind, SummaryStatus
from callrecap.domain.ports import EventPublisher
from callrecap.domain.summary_runs import ReasonCode
from callrecap.handlers._container import Lazy

logger = Logger(service="callrecap-api")


DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class ConflictError(ServiceError):
    def __init__(self, message: str):
        super().__init__(409, message)


class UnknownResource(ServiceError):
    """404 for an unknown call/version (Powertools' NotFoundError is reserved for unknown routes)."""

    def __init__(self, message: str):
        super().__init__(404, message)


@dataclass(frozen=True)
class ApiDependencies:
    """What the routes need; tests build their own (see `set_dependencies`)."""

    transcripts: Any
    """adapters.dynamo.transcripts.DynamoTranscriptStore (get_call, list_calls, list_segments_since)."""
    summaries: Any
    """adapters.dynamo.summaries.DynamoSummaryStore (list_summaries, get_summary)."""
    publisher: EventPublisher


def build_dependencies() -> ApiDependencies:
    """Built once per container from validated settings (cold start, not import)."""
    from callrecap.adapters.dynamo.summaries import DynamoSummaryStore
    from callrecap.adapters.dynamo.transcripts import DynamoTranscriptStore
    from callrecap.adapters.event_bus import EventBridgePublisher
    from callrecap.settings import EnvVar, Settings

    settings = Settings.from_env(require=(EnvVar.TABLE_NAME, EnvVar.EVENT_BUS_NAME))
    return ApiDependencies(
        transcripts=DynamoTranscriptStore(settings.table_name, ttl_days=settings.ttl_days),
        summaries=DynamoSummaryStore(settings.table_name, ttl_days=settings.ttl_days),
        publisher=EventBridgePublisher(settings.event_bus_name),
    )


_dependencies: Lazy[ApiDependencies] = Lazy(lambda: build_dependencies())


def set_dependencies(dependencies: ApiDependencies | None) -> None:
    """Inject dependencies (tests, local stack); None goes back to `build_dependencies`."""
    _dependencies.set(dependencies)


def deps() -> ApiDependencies:
    return _dependencies.get()


# The page is served from another origin when deployed (CloudFront vs. API domain); the HTTP
# API's own CORS configuration answers preflights, these headers ride on every response.
app = APIGatewayHttpResolver(
    cors=CORSConfig(allow_origin="*", allow_headers=["Authorization", "Content-Type"], max_age=600)
)


# --------------------------------------------------------------------------- helpers


def _now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _query(name: str) -> str | None:
    value = app.current_event.get_query_string_value(name)
    return value.strip() if isinstance(value, str) and value.strip() else None


def _require_call(call_id: str) -> dict[str, Any]:
    call = deps().transcripts.get_call(call_id)
    if not call:
        raise UnknownResource(f"call {call_id} not found")
    return dict(call)


def _json_body() -> dict[str, Any]:
    raw = app.current_event.decoded_body
    if not raw or not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except ValueError as error:
        raise BadRequestError(f"request body is not JSON: {error}") from error
    if not isinstance(body, dict):
        raise BadRequestError("request body must be a JSON object")
    return body


def segment_json(segment: Segment) -> dict[str, Any]:
    record: dict[str, Any] = {
        "segmentId": segment.segment_id,
        "speaker": segment.speaker.value,
        "startTime": segment.start_time,
        "endTime": segment.end_time,
        "text": segment.text,
        "isPartial": segment.is_partial,
        "channel": segment.channel,
        "createdAt": segment.created_at,
    }
    if segment.sentiment:
        record["sentiment"] = segment.sentiment
    return record


def _publish_request(detail: dict[str, Any]) -> Response[Any]:
    deps().publisher.publish(BusEvent.SUMMARY_REQUESTED, detail)
    logger.info("summary requested", extra={"detail": detail})
    return Response(
        status_code=202,
        content_type="application/json",
        body=json.dumps({"requested": detail}),
    )


# --------------------------------------------------------------------------- routes


@app.get("/calls")
def list_calls() -> dict[str, Any]:
    day = _query("day") or datetime.now(UTC).date().isoformat()
    if not _DAY.match(day):
        raise BadRequestError(f"day must be a date like 2025-01-31, got {day!r}")
    try:
        datetime.strptime(day, "%Y-%m-%d")
    except ValueError as error:
        raise BadRequestError(f"day {day!r} is not a calendar date") from error
    raw_limit = _query("limit")
    limit = DEFAULT_PAGE_SIZE
    if raw_limit is not None:
        if not raw_limit.isdigit() or not 1 <= int(raw_limit) <= MAX_PAGE_SIZE:
            raise BadRequestError(f"limit must be an integer from 1 to {MAX_PAGE_SIZE}, got {raw_limit!r}")
        limit = int(raw_limit)
    try:
        page = deps().transcripts.list_calls(day, limit=limit, cursor=_query("cursor"))
    except ValueError as error:  # InvalidCursor
        raise BadRequestError(str(error)) from error
    return {"day": day, "calls": page.items, "nextCursor": page.cursor}


@app.get("/calls/<callId>")
def get_call(callId: str) -> dict[str, Any]:
    call = _require_call(callId)
    try:
        segments, cursor = deps().transcripts.list_segments_since(
            callId,
            _query("since"),
            call_record=call,  # the record just read: one read per poll
        )
    except ValueError as error:  # InvalidCursor
        raise BadRequestError(str(error)) from error
    return {"call": call, "segments": [segment_json(s) for s in segments], "nextCursor": cursor}


@app.get("/calls/<callId>/summaries")
def list_summaries(callId: str) -> dict[str, Any]:
    from callrecap.adapters.dynamo.summaries import summary_to_record

    _require_call(callId)
    summaries = deps().summaries.list_summaries(callId)
    ordered = sorted(summaries, key=lambda s: s.version, reverse=True)
    records = []
    for summary in ordered:
        record = summary_to_record(summary)
        record.pop("rawReply", None)  # diagnosis data, large; not for the page
        records.append(record)
    return {"callId": callId, "summaries": records}


@app.post("/calls/<callId>/summaries")
def request_summary(callId: str) -> Response[Any]:
    _json_body()  # validated for clear errors; nothing in it is needed today
    call = _require_call(callId)
    live = str(call.get("status", "")) != CallStatus.ENDED.value
    return _publish_request(
        {
            "callId": callId,
            "schemaVersion": SCHEMA_VERSION,
            "kind": SummaryKind.INTERIM.value if live else SummaryKind.FINAL.value,
            "reason": ReasonCode.ON_DEMAND.value,
            "requestedAt": _now_iso(),
        }
    )


@app.post("/calls/<callId>/summaries/<version>/retry")
def retry_summary(callId: str, version: str) -> Response[Any]:
    _json_body()
    if not version.isdigit() or int(version) < 1:
        raise BadRequestError(f"version must be a positive integer, got {version!r}")
    _require_call(callId)
    summary = deps().summaries.get_summary(callId, int(version))
    if summary is None:
        raise UnknownResource(f"call {callId} has no summary version {version}")
    if summary.status is not SummaryStatus.FAILED:
        raise ConflictError(
            f"summary version {version} of call {callId} is {summary.status.value}; "
            "only FAILED versions can be retried"
        )
    return _publish_request(
        {
            "callId": callId,
            "schemaVersion": SCHEMA_VERSION,
            "kind": summary.kind.value,
            "reason": ReasonCode.RETRY.value,
            "version": summary.version,
            "requestedAt": _now_iso(),
        }
    )


# --------------------------------------------------------------------------- errors


def _error(status: int, code: str, message: str) -> Response[Any]:
    return Response(
        status_code=status,
        content_type="application/json",
        body=json.dumps({"message": message, "error": code}),
    )


@app.exception_handler(ServiceError)
def _service_error(error: ServiceError) -> Response[Any]:
    codes = {400: "BadRequest", 404: "NotFound", 409: "Conflict"}
    return _error(error.status_code, codes.get(error.status_code, "Error"), str(error.msg))


@app.not_found
def _no_route(_: Exception) -> Response[Any]:
    return _error(
        404, "NotFound", f"no route {app.current_event.request_context.http.method} {app.current_event.path}"
    )


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return app.resolve(event, context)
