"""LCA-format call events, as Live Call Analytics producers write them to Kinesis.

Producers (LCA's Chime/SIPREC transcriber, Genesys AudioHook, Talkdesk, its call simulator) write
one JSON object per event with `EventType` and `CallId`:

- `START` (→ CallStartObserved): `CustomerPhoneNumber`, `SystemPhoneNumber`, `AgentId`, `CreatedAt`.
- `ADD_TRANSCRIPT_SEGMENT` (→ Segment), in one of three shapes:
  flat (`Channel, SegmentId, StartTime, EndTime, Transcript, IsPartial`, optional `Sentiment`),
  or embedding a Transcribe `TranscriptEvent`, or a TCA `UtteranceEvent` (producers set the
  unused ones to null, so null counts as absent).
- `UPDATE_AGENT` (→ CallDetailsObserved with the agent id): `AgentId`.
- `ADD_CALL_CATEGORY` (→ CategoryMatched): a TCA `CategoryEvent`.
- `END` (→ CallEndObserved).

Other event types LCA defines (status and recording bookkeeping) are accepted and yield nothing.
Segments on LCA's `AGENT_ASSISTANT` channel are a bot's suggestions, not words spoken on the call,
so they yield nothing either.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from callrecap.domain.inbound.fields import (
    InvalidField,
    JsonObject,
    optional_object,
    optional_str,
    require_bool,
    require_number,
    require_str,
    text_field,
)
from callrecap.domain.inbound.identity import lca_call_id
from callrecap.domain.inbound.transcribe import (
    DEFAULT_CHANNEL_ROLES,
    ChannelRoles,
    categories_from_category_event,
    segment_from_utterance_event,
    segments_from_transcript_event,
)
from callrecap.domain.models import (
    CallDetails,
    CallDetailsObserved,
    CallEndObserved,
    CallStartObserved,
    Observation,
    Segment,
    Speaker,
)

SOURCE_LCA: Final = "lca"

START: Final = "START"
ADD_TRANSCRIPT_SEGMENT: Final = "ADD_TRANSCRIPT_SEGMENT"
UPDATE_AGENT: Final = "UPDATE_AGENT"
ADD_CALL_CATEGORY: Final = "ADD_CALL_CATEGORY"
END: Final = "END"

IGNORED_EVENT_TYPES: Final = frozenset(
    {
        "START_TRANSCRIPT",
        "CONTINUE_TRANSCRIPT",
        "CONTINUE",
        "END_TRANSCRIPT",
        "TRANSCRIPT_ERROR",
        "ERROR",
        "ADD_S3_RECORDING_URL",
        "ADD_CHANNEL_S3_RECORDING_URL",
    }
)
"""LCA status/recording events that carry no transcript and no call boundary we rely on."""

ASSISTANT_CHANNEL: Final = "AGENT_ASSISTANT"

_CHANNEL_SPEAKERS: Final[Mapping[str, Speaker]] = {
    "CALLER": Speaker.CUSTOMER,
    "CUSTOMER": Speaker.CUSTOMER,
    "AGENT": Speaker.AGENT,
}


def is_lca_event(record: JsonObject) -> bool:
    return "EventType" in record


def speaker_for_channel(channel: str) -> Speaker:
    return _CHANNEL_SPEAKERS.get(channel.upper(), Speaker.UNKNOWN)


def parse_lca_event(
    record: JsonObject, *, channel_roles: ChannelRoles = DEFAULT_CHANNEL_ROLES
) -> list[Observation]:
    event_type = require_str(record, "EventType")
    if event_type in IGNORED_EVENT_TYPES:
        return []
    call_id = lca_call_id(record)
    at = optional_str(record, "CreatedAt") or ""
    if event_type == ADD_TRANSCRIPT_SEGMENT:
        return list(_transcript_segments(record, call_id, at, channel_roles))
    if event_type in (START, END):
        details = CallDetails(
            call_id=call_id,
            from_number=optional_str(record, "CustomerPhoneNumber"),
            to_number=optional_str(record, "SystemPhoneNumber"),
            agent_id=optional_str(record, "AgentId"),
        )
        if event_type == START:
            return [CallStartObserved(details=details, at=at, source=SOURCE_LCA)]
        return [CallEndObserved(details=details, at=at, source=SOURCE_LCA)]
    if event_type == UPDATE_AGENT:
        details = CallDetails(call_id=call_id, agent_id=require_str(record, "AgentId"))
        return [CallDetailsObserved(details=details, at=at, source=SOURCE_LCA)]
    if event_type == ADD_CALL_CATEGORY:
        category = optional_object(record, "CategoryEvent")
        if category is None:
            return []
        return [categories_from_category_event(category, call_id=call_id, source=SOURCE_LCA, at=at)]
    raise InvalidField(f"unknown LCA EventType {event_type!r}")


def _transcript_segments(
    record: JsonObject, call_id: str, at: str, channel_roles: ChannelRoles
) -> list[Segment]:
    utterance = optional_object(record, "UtteranceEvent")
    if utterance is not None:
        return [segment_from_utterance_event(utterance, call_id=call_id, source=SOURCE_LCA, created_at=at)]
    transcript_event = optional_object(record, "TranscriptEvent")
    if transcript_event is not None:
        return segments_from_transcript_event(
            transcript_event,
            call_id=call_id,
            source=SOURCE_LCA,
            created_at=at,
            channel_roles=channel_roles,
        )
    # Some producers write `Channel: ""` when they do not know the speaker: UNKNOWN, not an error.
    channel = text_field(record, "Channel")
    if channel.upper() == ASSISTANT_CHANNEL:
        return []
    sentiment = optional_str(record, "Sentiment")
    return [
        Segment(
            call_id=call_id,
            segment_id=require_str(record, "SegmentId"),
            speaker=speaker_for_channel(channel),
            start_time=require_number(record, "StartTime"),
            end_time=require_number(record, "EndTime"),
            text=text_field(record, "Transcript"),
            is_partial=require_bool(record, "IsPartial"),
            channel=channel,
            sentiment=sentiment.upper() if sentiment else None,
            source=SOURCE_LCA,
            created_at=at,
        )
    ]
