"""HTTP API, wrap-up (contracts.APPROVAL_ROUTES): the agent approves a call's summary, corrected.

    GET  /sections                                     the section list an edit is checked against
    POST /calls/{callId}/summaries/{version}/approve   {"sections": {...}}

The same access rules as every route (another agent's call is a 404); 400 names the section that
is wrong (`field`), 409 names the call's current version (`currentVersion`) when `version` is not
it (a newer final was written, or another tab approved first). Served by its own function so that
the api function's role stays read-only.
"""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, CORSConfig, Response

from callrecap import wiring
from callrecap.domain.calls.browsing import CallBrowser, InvalidRequest, NotFound
from callrecap.domain.summaries.approval import InvalidEdit, section_spec_view
from callrecap.domain.summaries.approving import ApprovalConflict, ApprovalNotFound
from callrecap.domain.summaries.record import summary_to_record
from callrecap.handlers._container import Lazy
from callrecap.handlers.http_api import BadBody, json_object_body, map_errors, viewer_of
from callrecap.handlers.observability import entry_point, logger
from callrecap.wiring import ApprovalDependencies

__all__ = ["ApprovalDependencies", "handler", "set_dependencies"]

_container: Lazy[ApprovalDependencies] = Lazy(wiring.approvals)
dependencies, set_dependencies = _container.get, _container.set

app = APIGatewayHttpResolver(
    cors=CORSConfig(allow_origin="*", allow_headers=["Authorization", "Content-Type"], max_age=600)
)
map_errors(
    app,
    {
        **dict.fromkeys((InvalidRequest, BadBody), (400, "BadRequest")),
        **dict.fromkeys((NotFound, ApprovalNotFound), (404, "NotFound")),
    },
)


@app.exception_handler(InvalidEdit)
def _invalid_edit(failure: InvalidEdit) -> Response[Any]:
    body = {"message": str(failure), "error": "BadRequest", "field": failure.field}
    return Response(400, content_type="application/json", body=json.dumps(body))


@app.exception_handler(ApprovalConflict)
def _conflict(failure: ApprovalConflict) -> Response[Any]:
    body = {"message": str(failure), "error": "Conflict", "currentVersion": failure.current}
    return Response(409, content_type="application/json", body=json.dumps(body))


@app.get("/sections")
def sections() -> dict[str, Any]:
    """Each section's name, type, allowed values (the deployment's dispositions), whether it is
    required and its bounds: the page builds its edit form from them."""
    return {"sections": [section_spec_view(spec) for spec in dependencies().approvals().sections]}


@app.post("/calls/<callId>/summaries/<version>/approve")
def approve(callId: str, version: str) -> dict[str, Any]:
    if not version.isdigit() or int(version) < 1:
        raise InvalidRequest(f"version must be a positive integer, got {version!r}")
    body = json_object_body(app)
    deps = dependencies()
    viewer = viewer_of(app, deps.identity_claim, deps.queues_claim)
    call = CallBrowser(deps.transcripts, deps.summaries, deps.publisher, viewer, deps.policy).visible_call(
        callId
    )
    approved = deps.approvals().approve(
        call, int(version), body.get("sections"), viewer.identity or "unknown"
    )
    logger.info(
        "summary approved",
        extra={
            "version": approved.version,
            "basedOn": approved.based_on,
            "changed": approved.corrections.get("changedSections"),
        },
    )
    return {"approved": summary_to_record(approved)}


@entry_point(correlation_id_path="pathParameters.callId")
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return app.resolve(event, context)
