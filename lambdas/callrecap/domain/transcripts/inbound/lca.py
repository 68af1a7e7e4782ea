"""LCA-format call events, as Live Call Analytics producers write them to Kinesis.

Producers (LCA v0.9.7: the Chime Voice Connector call transcriber and the Connect KVS consumer,
in standard and TCA modes; the websocket transcriber; Genesys AudioHook; Talkdesk; the
lca-client simulator; the voice tone processor; TCA post-call processing; PCA integration; the
agent-assist and summary orchestrators) write one JSON object per event with `EventType` and
`CallId`. What LCA's own consumer (its call event processor) tolerates, this parser tolerates:

- key case: the first letter of every key is upper-cased first (the voice tone processor writes
  `isPartial`);
- event type aliases (`STARTED` → START, `COMPLETED` → END, `SEGMENTS` → ADD_TRANSCRIPT_SEGMENT),
  and no `EventType` at all when the record embeds an `UtteranceEvent` / `TranscriptEvent`
  (a segment) or a `CategoryEvent` (a category);
- flat segments with `StartTime` / `EndTime` as strings (standard mode writes `.toString()`),
  without `SegmentId` (derived from channel and start, as the Chime transcriber does).

What carries speech becomes observations:
- `START` / `END` (→ CallStartObserved / CallEndObserved): `CustomerPhoneNumber`,
  `SystemPhoneNumber` (the "Customer Phone" / "System Phone" placeholders count as absent),
  `AgentId`, `CreatedAt`, and `LanguageCode` (no LCA producer writes it; callrecap's own
  producers may, like Transcribe's per-result code);
- `ADD_TRANSCRIPT_SEGMENT` (→ Segment): flat (`Channel, SegmentId, StartTime, EndTime,
  Transcript, IsPartial`, optional `Sentiment` and `LanguageCode`), or embedding a Transcribe
  `TranscriptEvent` or a TCA `UtteranceEvent` (producers leave the unused one out or null);
- `UPDATE_AGENT` (→ CallDetailsObserved with the agent id): `AgentId`;
- `ADD_CALL_CATEGORY` (→ CategoryMatched): a TCA `CategoryEvent` (also after END, post-call).

What carries no speech is a RecordIgnored (counted, never quarantined): agent-assist answers
(`ADD_AGENT_ASSIST`, and segments on the `AGENT_ASSISTANT` channel), LCA's own summaries
(`ADD_SUMMARY`), links (`ADD_PCA_URL`, `ADD_S3_RECORDING_URL`), status bookkeeping, voice tone
(`*_VOICETONE` participant roles, whose text is the literal "voice tone"), and any event type
this parser does not know, as long as it names its call.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from callrecap.domain.models import (
    CallDetails,
    CallDetailsObserved,
    CallEndObserved,
    CallStartObserved,
    Observation,
    RecordIgnored,
    Segment,
    Speaker,
)
from callrecap.domain.transcripts.inbound.fields import (
    JsonObject,
    language_code,
    number_or_numeric_string,
    optional_object,
    optional_str,
    require_bool,
    require_str,
    text_field,
)
from callrecap.domain.transcripts.inbound.identity import lca_call_id
from callrecap.domain.transcripts.inbound.transcribe import (
    DEFAULT_CHANNEL_ROLES,
    ChannelRoles,
    categories_from_category_event,
    segment_from_utterance_event,
    segments_from_transcript_event,
)

SOURCE_LCA: Final = "lca"

START: Final = "START"
ADD_TRANSCRIPT_SEGMENT: Final = "ADD_TRANSCRIPT_SEGMENT"
UPDATE_AGENT: Final = "UPDATE_AGENT"
ADD_CALL_CATEGORY: Final = "ADD_CALL_CATEGORY"
END: Final = "END"

EVENT_TYPE_ALIASES: Final[Mapping[str, str]] = {
    "STARTED": START,
    "COMPLETED": END,
    "SEGMENTS": ADD_TRANSCRIPT_SEGMENT,
}
"""The aliases LCA's consumer maps (its event_type_map)."""

NO_SPEECH_EVENT_TYPES: Final = frozenset(
    {
        "ADD_AGENT_ASSIST",
        "ADD_SUMMARY",
        "ADD_PCA_URL",
        "ADD_S3_RECORDING_URL",
        "ADD_CHANNEL_S3_RECORDING_URL",
        "CALL_ANALYTICS_METADATA",
        "START_TRANSCRIPT",
        "CONTINUE_TRANSCRIPT",
        "CONTINUE",
        "END_TRANSCRIPT",
        "TRANSCRIPT_ERROR",
        "ERROR",
        "ERRORED",
        "FAILED",
    }
)
"""Event types LCA deployments write to the call-data stream that carry no words spoken on the call."""

ASSISTANT_CHANNEL: Final = "AGENT_ASSISTANT"
VOICE_TONE_SUFFIX: Final = "_VOICETONE"
PHONE_PLACEHOLDERS: Final = frozenset({"Customer Phone", "System Phone"})
"""What the websocket and Talkdesk producers write when they do not know a number."""

_CHANNEL_SPEAKERS: Final[Mapping[str, Speaker]] = {
    "CALLER": Speaker.CUSTOMER,
    "CUSTOMER": Speaker.CUSTOMER,
    "AGENT": Speaker.AGENT,
}


def normalize_keys(value: object) -> object:
    """Upper-case the first letter of every key, recursively through objects (not lists), as
    LCA's consumer does before it reads a record."""
    if isinstance(value, Mapping):
        return {
            (k[:1].upper() + k[1:]) if isinstance(k, str) else k: normalize_keys(v) for k, v in value.items()
        }
    return value


def is_lca_event(record: JsonObject) -> bool:
    """An LCA-format record (keys already normalized): an EventType, or an embedded event."""
    return any(key in record for key in ("EventType", "UtteranceEvent", "TranscriptEvent", "CategoryEvent"))


def event_type_of(record: JsonObject) -> str:
    raw = optional_str(record, "EventType")
    if raw:
        return EVENT_TYPE_ALIASES.get(raw.upper(), raw.upper())
    if record.get("UtteranceEvent") is not None or record.get("TranscriptEvent") is not None:
        return ADD_TRANSCRIPT_SEGMENT
    if record.get("CategoryEvent") is not None:
        return ADD_CALL_CATEGORY
    return ""


def speaker_for_channel(channel: str) -> Speaker:
    return _CHANNEL_SPEAKERS.get(channel.upper(), Speaker.UNKNOWN)


def _phone(record: JsonObject, key: str) -> str | None:
    value = optional_str(record, key)
    return None if value is None or value.strip() in PHONE_PLACEHOLDERS else value


def parse_lca_event(
    record: JsonObject, *, channel_roles: ChannelRoles = DEFAULT_CHANNEL_ROLES
) -> list[Observation]:
    """Observations of one LCA-format record whose keys were normalized (`normalize_keys`)."""
    call_id = lca_call_id(record)
    event_type = event_type_of(record)
    at = optional_str(record, "CreatedAt") or ""
    if event_type == ADD_TRANSCRIPT_SEGMENT:
        return list(_transcript_segments(record, call_id, at, channel_roles))
    if event_type in (START, END):
        details = CallDetails(
            call_id=call_id,
            from_number=_phone(record, "CustomerPhoneNumber"),
            to_number=_phone(record, "SystemPhoneNumber"),
            agent_id=optional_str(record, "AgentId") or None,
            language_code=language_code(record) or None,
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
            return [RecordIgnored(call_id, "ADD_CALL_CATEGORY without a CategoryEvent", SOURCE_LCA)]
        return [categories_from_category_event(category, call_id=call_id, source=SOURCE_LCA, at=at)]
    if event_type in NO_SPEECH_EVENT_TYPES:
        return [RecordIgnored(call_id, event_type, SOURCE_LCA)]
    return [RecordIgnored(call_id, f"unknown EventType {event_type or '(none)'}", SOURCE_LCA)]


def _transcript_segments(
    record: JsonObject, call_id: str, at: str, channel_roles: ChannelRoles
) -> list[Segment | RecordIgnored]:
    utterance = optional_object(record, "UtteranceEvent")
    if utterance is not None:
        role = str(utterance.get("ParticipantRole") or "")
        if role.upper().endswith(VOICE_TONE_SUFFIX):
            return [RecordIgnored(call_id, f"voice tone ({role})", SOURCE_LCA)]
        return [segment_from_utterance_event(utterance, call_id=call_id, source=SOURCE_LCA, created_at=at)]
    transcript_event = optional_object(record, "TranscriptEvent")
    if transcript_event is not None:
        return list(
            segments_from_transcript_event(
                transcript_event,
                call_id=call_id,
                source=SOURCE_LCA,
                created_at=at,
                channel_roles=channel_roles,
            )
        )
    # Some producers write `Channel: ""` when they do not know the speaker: UNKNOWN, not an error.
    channel = text_field(record, "Channel")
    if channel.upper() == ASSISTANT_CHANNEL:
        return [RecordIgnored(call_id, "agent-assist segment (AGENT_ASSISTANT channel)", SOURCE_LCA)]
    if channel.upper().endswith(VOICE_TONE_SUFFIX):
        return [RecordIgnored(call_id, f"voice tone ({channel})", SOURCE_LCA)]
    sentiment = optional_str(record, "Sentiment")
    start = number_or_numeric_string(record, "StartTime")
    segment_id = optional_str(record, "SegmentId") or f"{channel or 'channel'}-{start:g}"
    return [
        Segment(
            call_id=call_id,
            segment_id=segment_id,
            speaker=speaker_for_channel(channel),
            start_time=start,
            end_time=number_or_numeric_string(record, "EndTime"),
            text=text_field(record, "Transcript"),
            is_partial=require_bool(record, "IsPartial"),
            channel=channel,
            sentiment=sentiment.upper() if sentiment else None,
            source=SOURCE_LCA,
            created_at=at,
            language_code=language_code(record),
        )
    ]
