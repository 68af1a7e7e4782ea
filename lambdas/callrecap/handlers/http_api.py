"""What the two HTTP API functions (api, call_data) share over Powertools' resolver: the viewer
from the JWT authorizer's claims, the JSON error shape, domain errors mapped to statuses, and the
request's query and body read with clear errors."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response

from callrecap.domain.calls.access import Viewer, viewer_from_claims


class BadBody(ValueError):
    """The request body is not a JSON object."""


def viewer_of(app: APIGatewayHttpResolver, identity_claim: str, queues_claim: str) -> Viewer:
    """The signed-in user, from the authorizer's claims only, never from anything the page sends."""
    claims = app.current_event.request_context.authorizer.jwt_claim
    return viewer_from_claims(claims, identity_claim, queues_claim)


def json_error(status: int, code: str, message: str) -> Response[Any]:
    """`{"message": ..., "error": <code>}` with `status`."""
    body = json.dumps({"message": message, "error": code})
    return Response(status, content_type="application/json", body=body)


def map_errors(app: APIGatewayHttpResolver, errors: Mapping[type[Exception], tuple[int, str]]) -> None:
    """Answer each exception type of `errors` with its (status, code) and the exception's message."""

    @app.exception_handler(list(errors))
    def _mapped(failure: Exception) -> Response[Any]:
        status, code = errors[type(failure)]
        return json_error(status, code, str(failure))


def query(app: APIGatewayHttpResolver, name: str) -> str | None:
    value = app.current_event.get_query_string_value(name)
    return value.strip() if isinstance(value, str) and value.strip() else None


def json_object_body(app: APIGatewayHttpResolver) -> dict[str, Any]:
    """The request body as a JSON object ({} when empty); BadBody otherwise."""
    raw = app.current_event.decoded_body
    if not raw or not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except ValueError as error:
        raise BadBody(f"request body is not JSON: {error}") from error
    if not isinstance(body, dict):
        raise BadBody("request body must be a JSON object")
    return body
