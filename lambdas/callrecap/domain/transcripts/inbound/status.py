"""EventBridge "Chime VoiceConnector Streaming Status" events (source aws.chime).

A Voice Connector emits one event per call *leg* (`isCaller` true / false) for each status; both
legs carry the same `transactionId`, which is our call id, so two legs map to one call and the
lifecycle handler de-duplicates (either order, possibly repeated).

- STARTED → CallStartObserved (at `startTime`)
- ENDED → CallEndObserved (at `endTime`)
- FAILED → CallEndObserved (at `failTime`): streaming for the leg stopped for good, so no more
  transcript will arrive; treating it as the end lets the final summary run on what we have.
- UPDATED → CallDetailsObserved (SIP re-INVITE / UPDATE; no new boundary)
- any other status → None (a status added after this was written is not an error)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from callrecap.contracts import CHIME_SOURCE, CHIME_STREAMING_DETAIL_TYPE
from callrecap.domain.models import CallDetails, CallDetailsObserved, CallEndObserved, CallStartObserved
from callrecap.domain.transcripts.inbound.fields import (
    InvalidField,
    optional_str,
    require_object,
    require_str,
)
from callrecap.domain.transcripts.inbound.identity import status_call_id

SOURCE_VOICE_CONNECTOR: Final = "chime-voice-connector"

StatusObservation = CallStartObserved | CallEndObserved | CallDetailsObserved


def status_observation(event: Mapping[str, Any]) -> StatusObservation | None:
    source = event.get("source")
    detail_type = event.get("detail-type")
    if source != CHIME_SOURCE or detail_type != CHIME_STREAMING_DETAIL_TYPE:
        raise InvalidField(
            f"not a {CHIME_SOURCE} {CHIME_STREAMING_DETAIL_TYPE!r} event "
            f"(source={source!r}, detail-type={detail_type!r})"
        )
    detail = require_object(event, "detail")
    status = require_str(detail, "streamingStatus", "detail")
    call_id = status_call_id(detail)
    details = CallDetails(
        call_id=call_id,
        transaction_id=call_id,
        voice_connector_id=optional_str(detail, "voiceConnectorId", "detail"),
        from_number=optional_str(detail, "fromNumber", "detail"),
        to_number=optional_str(detail, "toNumber", "detail"),
        direction=optional_str(detail, "direction", "detail"),
    )
    envelope_time = optional_str(event, "time") or ""

    def at(key: str) -> str:
        return optional_str(detail, key, "detail") or envelope_time

    if status == "STARTED":
        return CallStartObserved(details=details, at=at("startTime"), source=SOURCE_VOICE_CONNECTOR)
    if status == "ENDED":
        return CallEndObserved(details=details, at=at("endTime"), source=SOURCE_VOICE_CONNECTOR)
    if status == "FAILED":
        return CallEndObserved(details=details, at=at("failTime"), source=SOURCE_VOICE_CONNECTOR)
    if status == "UPDATED":
        return CallDetailsObserved(details=details, at=envelope_time, source=SOURCE_VOICE_CONNECTOR)
    return None


def is_caller_leg(event: Mapping[str, Any]) -> bool | None:
    """The leg an event describes (`detail.isCaller`); None when the event does not say."""
    detail = event.get("detail")
    if isinstance(detail, Mapping) and isinstance(detail.get("isCaller"), bool):
        return bool(detail["isCaller"])
    return None
