"""Amazon Transcribe streaming payloads shared by the Chime and the LCA formats.

Both Chime SDK call analytics records and LCA `ADD_TRANSCRIPT_SEGMENT` events can carry a
Transcribe `TranscriptEvent` or a Transcribe Call Analytics (TCA) `UtteranceEvent` /
`CategoryEvent` verbatim, so the mapping to the segment model lives here once.

Speaker mapping:
- TCA names the speaker itself (`ParticipantRole` AGENT | CUSTOMER). Chime documents that with a
  Voice Connector the Voice Connector account leg is AGENT and the PSTN leg is CUSTOMER.
- Plain Transcribe only gives a `ChannelId` (`ch_0`, `ch_1`). We map `ch_0` to the CUSTOMER (the
  caller side) and `ch_1` to the AGENT, which is what LCA's Chime and SIPREC producers assume
  (`ch_0` → CALLER). A deployment whose agents sit on channel 0 sets CALLRECAP_AGENT_CHANNEL=ch_0;
  the ingest handler turns it into `channel_roles_with_agent_on("ch_0")`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from callrecap.domain.models import CategoryMatched, Segment, Speaker
from callrecap.domain.transcripts.inbound.fields import (
    InvalidField,
    JsonObject,
    as_object,
    language_code,
    optional_object,
    optional_str,
    require_bool,
    require_list,
    require_number,
    require_object,
    require_str,
    str_list,
    text_field,
)

ChannelRoles = Mapping[str, Speaker]

DEFAULT_CHANNEL_ROLES: Final[ChannelRoles] = {"ch_0": Speaker.CUSTOMER, "ch_1": Speaker.AGENT}
"""Transcribe `ChannelId` → speaker (see the module docstring for why)."""


def channel_roles_with_agent_on(agent_channel: str) -> ChannelRoles:
    """The two-channel mapping with the agent on `agent_channel` and the customer on the other."""
    if agent_channel not in DEFAULT_CHANNEL_ROLES:
        raise ValueError(
            f"agent channel must be one of {sorted(DEFAULT_CHANNEL_ROLES)}, got {agent_channel!r}"
        )
    return {
        channel: Speaker.AGENT if channel == agent_channel else Speaker.CUSTOMER
        for channel in DEFAULT_CHANNEL_ROLES
    }


_PARTICIPANT_ROLES: Final[Mapping[str, Speaker]] = {
    "AGENT": Speaker.AGENT,
    "CUSTOMER": Speaker.CUSTOMER,
}


def speaker_for_role(role: str) -> Speaker:
    return _PARTICIPANT_ROLES.get(role.upper(), Speaker.UNKNOWN)


def segments_from_transcript_event(
    event: JsonObject,
    *,
    call_id: str,
    source: str,
    created_at: str,
    channel_roles: ChannelRoles = DEFAULT_CHANNEL_ROLES,
    where: str = "TranscriptEvent",
) -> list[Segment]:
    """One segment per result; an empty `Results` list (Transcribe sends those) gives none."""
    transcript = require_object(event, "Transcript", where)
    results = require_list(transcript, "Results", f"{where}.Transcript")
    segments: list[Segment] = []
    for index, raw in enumerate(results):
        result_where = f"{where}.Transcript.Results[{index}]"
        result = as_object(raw, result_where)
        channel = optional_str(result, "ChannelId", result_where) or ""
        segments.append(
            Segment(
                call_id=call_id,
                segment_id=require_str(result, "ResultId", result_where),
                speaker=channel_roles.get(channel, Speaker.UNKNOWN),
                start_time=require_number(result, "StartTime", result_where),
                end_time=require_number(result, "EndTime", result_where),
                text=_best_alternative(result, result_where),
                is_partial=require_bool(result, "IsPartial", result_where),
                channel=channel,
                source=source,
                created_at=created_at,
                language_code=language_code(result),
            )
        )
    return segments


def _best_alternative(result: JsonObject, where: str) -> str:
    alternatives = require_list(result, "Alternatives", where)
    if not alternatives:
        return ""
    first = as_object(alternatives[0], f"{where}.Alternatives[0]")
    return text_field(first, "Transcript", f"{where}.Alternatives[0]")


def segment_from_utterance_event(
    utterance: JsonObject,
    *,
    call_id: str,
    source: str,
    created_at: str,
    where: str = "UtteranceEvent",
) -> Segment:
    role = require_str(utterance, "ParticipantRole", where)
    sentiment = optional_str(utterance, "Sentiment", where)
    return Segment(
        call_id=call_id,
        segment_id=require_str(utterance, "UtteranceId", where),
        speaker=speaker_for_role(role),
        start_time=require_number(utterance, "BeginOffsetMillis", where) / 1000.0,
        end_time=require_number(utterance, "EndOffsetMillis", where) / 1000.0,
        text=text_field(utterance, "Transcript", where),
        is_partial=require_bool(utterance, "IsPartial", where),
        channel=role,
        sentiment=sentiment.upper() if sentiment else None,
        source=source,
        created_at=created_at,
        language_code=language_code(utterance),
    )


def categories_from_category_event(
    category_event: JsonObject, *, call_id: str, source: str, at: str, where: str = "CategoryEvent"
) -> CategoryMatched:
    return CategoryMatched(
        call_id=call_id,
        categories=str_list(category_event, "MatchedCategories", where),
        at=at,
        source=source,
    )


def analytics_observations(
    record: JsonObject, *, call_id: str, source: str, created_at: str
) -> list[Segment | CategoryMatched]:
    """Observations from a record holding a TCA `UtteranceEvent` and/or `CategoryEvent`."""
    observations: list[Segment | CategoryMatched] = []
    utterance = optional_object(record, "UtteranceEvent")
    if utterance is not None:
        observations.append(
            segment_from_utterance_event(utterance, call_id=call_id, source=source, created_at=created_at)
        )
    category = optional_object(record, "CategoryEvent")
    if category is not None:
        observations.append(
            categories_from_category_event(category, call_id=call_id, source=source, at=created_at)
        )
    if not observations:
        raise InvalidField("expected UtteranceEvent or CategoryEvent, found neither")
    return observations
