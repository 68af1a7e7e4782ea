"""Chime SDK call analytics records (media insights pipeline → Kinesis Data Streams sink).

Record kinds by `detail-type`:
- `Transcribe`: a Transcribe `TranscriptEvent`; speakers come from `ChannelId`.
- `TranscribeCallAnalytics`: a TCA `UtteranceEvent` (speaker from `ParticipantRole`, sentiment)
  and/or a `CategoryEvent` (→ CategoryMatched).
- `CallAnalyticsMetadata`: call details only (→ CallDetailsObserved).

`metadata` is a JSON-encoded string in some record kinds and an object in others (both
documented); we accept both everywhere. Which metadata field names the call (`transactionId` by
default, `callId` beside LCA's producers) is the call-identity rule of domain.inbound.identity.
"""

from __future__ import annotations

from typing import Final

from callrecap.domain.models import CallDetails, CallDetailsObserved, Observation
from callrecap.domain.transcripts.inbound.fields import (
    InvalidField,
    JsonObject,
    object_or_json_string,
    optional_str,
    require_object,
    require_str,
)
from callrecap.domain.transcripts.inbound.identity import DEFAULT_CHIME_CALL_KEY, ChimeCallKey, chime_call_id
from callrecap.domain.transcripts.inbound.transcribe import (
    DEFAULT_CHANNEL_ROLES,
    ChannelRoles,
    analytics_observations,
    segments_from_transcript_event,
)

SOURCE_TRANSCRIBE: Final = "chime-transcribe"
SOURCE_TCA: Final = "chime-tca"
SOURCE_METADATA: Final = "chime-metadata"

DETAIL_TRANSCRIBE: Final = "Transcribe"
DETAIL_TCA: Final = "TranscribeCallAnalytics"
DETAIL_METADATA: Final = "CallAnalyticsMetadata"

IGNORED_DETAIL_TYPES: Final = frozenset({"VoiceToneAnalysisStatus", "SpeakerSearchStatus"})
"""Voice analytics results a pipeline may write to the same stream: valid, but nothing for us."""


def is_chime_record(record: JsonObject) -> bool:
    return "detail-type" in record


def call_details_from_metadata(
    metadata: JsonObject, chime_call_key: ChimeCallKey = DEFAULT_CHIME_CALL_KEY
) -> CallDetails:
    return CallDetails(
        call_id=chime_call_id(metadata, chime_call_key),
        transaction_id=optional_str(metadata, "transactionId", "metadata"),
        # The Transcribe record template spells it `voiceconnectorId`; the others `voiceConnectorId`.
        voice_connector_id=optional_str(metadata, "voiceConnectorId", "metadata")
        or optional_str(metadata, "voiceconnectorId", "metadata"),
        from_number=optional_str(metadata, "fromNumber", "metadata"),
        to_number=optional_str(metadata, "toNumber", "metadata"),
        direction=optional_str(metadata, "direction", "metadata"),
    )


def parse_chime_record(
    record: JsonObject,
    *,
    channel_roles: ChannelRoles = DEFAULT_CHANNEL_ROLES,
    chime_call_key: ChimeCallKey = DEFAULT_CHIME_CALL_KEY,
) -> list[Observation]:
    detail_type = require_str(record, "detail-type")
    if detail_type in IGNORED_DETAIL_TYPES:
        return []
    if detail_type not in (DETAIL_TRANSCRIBE, DETAIL_TCA, DETAIL_METADATA):
        raise InvalidField(f"unknown Chime call analytics detail-type {detail_type!r}")
    details = call_details_from_metadata(object_or_json_string(record, "metadata"), chime_call_key)
    at = optional_str(record, "time") or ""
    if detail_type == DETAIL_TRANSCRIBE:
        return list(
            segments_from_transcript_event(
                require_object(record, "TranscriptEvent"),
                call_id=details.call_id,
                source=SOURCE_TRANSCRIBE,
                created_at=at,
                channel_roles=channel_roles,
            )
        )
    if detail_type == DETAIL_TCA:
        return list(analytics_observations(record, call_id=details.call_id, source=SOURCE_TCA, created_at=at))
    return [CallDetailsObserved(details=details, at=at, source=SOURCE_METADATA)]
