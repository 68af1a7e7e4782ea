"""Chime Voice Connector streaming status (EventBridge, default bus) → call lifecycle.

Each call leg sends its own STARTED and ENDED, in any order and possibly more than once; the
store's conditional writes let exactly one of them publish CallStarted and one CallEnded on the
project bus. UPDATED refreshes the call's details. A malformed event raises a typed error
(EventBridge's retry policy and the rule's DLQ keep it); a failure to publish releases the claim
and raises, so the retry publishes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from aws_lambda_powertools import Logger

from callrecap.domain.call_lifecycle import LifecycleStore, announce_end, announce_start
from callrecap.domain.inbound import is_caller_leg, parse_streaming_status
from callrecap.domain.models import CallDetails, CallDetailsObserved, CallEndObserved, CallStartObserved
from callrecap.domain.ports import EventPublisher
from callrecap.handlers._container import Lazy
from callrecap.settings import EnvVar, Settings

logger = Logger()


class DetailsStore(LifecycleStore, Protocol):
    def update_details(self, details: CallDetails, at: str) -> None: ...


@dataclass
class LifecycleDependencies:
    store: DetailsStore
    publisher: EventPublisher


def build_dependencies() -> LifecycleDependencies:
    """Validate settings and build adapters (once per container; clients are created lazily)."""
    settings = Settings.from_env(require=(EnvVar.TABLE_NAME, EnvVar.EVENT_BUS_NAME))
    from callrecap.adapters.dynamo.transcripts import DynamoTranscriptStore
    from callrecap.adapters.event_bus import EventBridgePublisher

    return LifecycleDependencies(
        store=DynamoTranscriptStore(settings.table_name, ttl_days=settings.ttl_days),
        publisher=EventBridgePublisher(settings.event_bus_name),
    )


_dependencies: Lazy[LifecycleDependencies] = Lazy(lambda: build_dependencies())


def dependencies() -> LifecycleDependencies:
    return _dependencies.get()


def set_dependencies(deps: LifecycleDependencies | None) -> None:
    """Inject dependencies (tests, local stack); None rebuilds from the environment next time."""
    _dependencies.set(deps)


def handler(event: Mapping[str, Any], context: Any) -> dict[str, Any]:
    observation = parse_streaming_status(event)  # raises MalformedRecord with the event id
    status = (event.get("detail") or {}).get("streamingStatus")
    if observation is None:
        logger.info("streaming status ignored", extra={"streamingStatus": status})
        return {"callId": None, "action": "ignored"}
    deps = dependencies()
    call_id = observation.details.call_id
    logger.append_keys(callId=call_id)
    try:
        leg = {"isCaller": is_caller_leg(event), "streamingStatus": status}
        if isinstance(observation, CallStartObserved):
            published = announce_start(deps.store, deps.publisher, observation)
            action = "CallStarted" if published else "duplicate start"
        elif isinstance(observation, CallEndObserved):
            published = announce_end(deps.store, deps.publisher, observation)
            action = "CallEnded" if published else "duplicate end"
        elif isinstance(observation, CallDetailsObserved):
            deps.store.update_details(observation.details, observation.at)
            action = "details updated"
        logger.info(action, extra=leg)
        return {"callId": call_id, "action": action}
    finally:
        logger.remove_keys(["callId"])
