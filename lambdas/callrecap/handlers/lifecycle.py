"""EventBridge (default bus) -> call lifecycle: Chime Voice Connector streaming status, and the
Amazon Connect contact events that name a contact's agent.

Each call leg sends its own STARTED and ENDED, in any order and possibly more than once; the
store's conditional writes let exactly one of them publish CallStarted and one CallEnded on the
project bus (domain.call_lifecycle). UPDATED, and Connect's CONNECTED_TO_AGENT, refresh the
call's details. A malformed event raises a typed error (EventBridge's retry policy and the rule's
DLQ keep it); a failure to publish releases the claim and raises, so the retry publishes. When a
call ends, the pages watching it are told (live updates), so they show the end at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from callrecap import wiring
from callrecap.domain.models import observed_call_id
from callrecap.domain.transcripts.inbound import is_caller_leg, parse_lifecycle_event
from callrecap.domain.transcripts.lifecycle import apply_status
from callrecap.handlers._container import Lazy
from callrecap.handlers.observability import call_context, entry_point, logger
from callrecap.wiring import LifecycleDependencies

__all__ = ["LifecycleDependencies", "handler", "set_dependencies"]

_container: Lazy[LifecycleDependencies] = Lazy(wiring.lifecycle)
dependencies, set_dependencies = _container.get, _container.set


@entry_point(correlation_id_path="detail.transactionId")
def handler(event: Mapping[str, Any], context: Any) -> dict[str, Any]:
    observation = parse_lifecycle_event(event)  # raises MalformedRecord with the event id
    status = (event.get("detail") or {}).get("streamingStatus")
    if observation is None:
        logger.info(
            "event ignored", extra={"detailType": event.get("detail-type"), "streamingStatus": status}
        )
        return {"callId": None, "action": "ignored"}
    deps = dependencies()
    call_id = observed_call_id(observation)
    with call_context(call_id):
        action = apply_status(deps.store, deps.publisher, observation)
        logger.info(action, extra={"isCaller": is_caller_leg(event), "streamingStatus": status})
        if action == "CallEnded" and deps.live is not None:  # watching pages read the ended call
            deps.live.after_batch([], not_stored=set(), calls={}, changed=[call_id])
    return {"callId": call_id, "action": action}
