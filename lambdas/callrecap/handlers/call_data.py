"""HTTP API routes for one call's data on request (contracts.CALL_DATA_ROUTES), admins only:

    GET    /calls/{callId}/export   every stored item of the call as JSON (a subject-access request)
    DELETE /calls/{callId}          delete them all (idempotent: a second delete answers 404)

A call the viewer may not see answers 404, as everywhere in the API; a call a non-admin may see
answers 403. Served by its own function so that the api function's role stays read-only.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver

from callrecap import wiring
from callrecap.domain.calls.browsing import NotFound
from callrecap.domain.calls.export import CallData, Forbidden
from callrecap.handlers._container import Lazy
from callrecap.handlers.http_api import map_errors, viewer_of
from callrecap.handlers.observability import entry_point, logger
from callrecap.wiring import CallDataDependencies

__all__ = ["CallDataDependencies", "handler", "set_dependencies"]

_container: Lazy[CallDataDependencies] = Lazy(wiring.call_data)
dependencies, set_dependencies = _container.get, _container.set

app = APIGatewayHttpResolver()
ERRORS: dict[type[Exception], tuple[int, str]] = {NotFound: (404, "NotFound"), Forbidden: (403, "Forbidden")}
map_errors(app, ERRORS)


def call_data() -> CallData:
    deps = dependencies()
    return CallData(deps.store, viewer_of(app, deps.identity_claim, deps.queues_claim), deps.policy)


@app.get("/calls/<callId>/export")
def export(callId: str) -> dict[str, Any]:
    return call_data().export(callId)


@app.delete("/calls/<callId>")
def delete(callId: str) -> dict[str, Any]:
    result = call_data().delete(callId)
    logger.info("call data deleted", extra=result)
    return result


@entry_point(correlation_id_path="pathParameters.callId")
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return app.resolve(event, context)
