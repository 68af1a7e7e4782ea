"""Inbound parsing facade: raw Kinesis records and Chime streaming status events → observations.

The ingest and lifecycle handlers import only this module. Format-specific parsing lives in
`inbound.chime` (Chime SDK call analytics records), `inbound.lca` (LCA-format events),
`inbound.transcribe` (Transcribe / TCA payloads both of them embed) and `inbound.status`
(EventBridge streaming status). Everything here is pure: no AWS, no logging.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from typing import Any

from callrecap.domain.models import Observation, RecordIgnored, observed_call_id
from callrecap.domain.transcripts.inbound.chime import is_chime_record, parse_chime_record
from callrecap.domain.transcripts.inbound.connect_events import (
    connect_contact_observation,
    is_connect_contact_event,
)
from callrecap.domain.transcripts.inbound.contact_lens import (
    SOURCE_CONTACT_LENS,
    is_contact_lens_event,
    parse_contact_lens_event,
)
from callrecap.domain.transcripts.inbound.fields import InvalidField, MalformedRecord
from callrecap.domain.transcripts.inbound.identity import DEFAULT_CHIME_CALL_KEY, ChimeCallKey
from callrecap.domain.transcripts.inbound.lca import SOURCE_LCA, is_lca_event, normalize_keys, parse_lca_event
from callrecap.domain.transcripts.inbound.status import StatusObservation, is_caller_leg, status_observation
from callrecap.domain.transcripts.inbound.transcribe import (
    DEFAULT_CHANNEL_ROLES,
    ChannelRoles,
    channel_roles_with_agent_on,
)

__all__ = [
    "DEFAULT_CHANNEL_ROLES",
    "DEFAULT_CHIME_CALL_KEY",
    "ChannelRoles",
    "ChimeCallKey",
    "MalformedRecord",
    "StatusObservation",
    "call_id_of_event",
    "call_id_of_record",
    "channel_roles_with_agent_on",
    "decode_kinesis_data",
    "is_caller_leg",
    "parse_kinesis_record",
    "parse_lifecycle_event",
    "parse_record_object",
]


def decode_kinesis_data(b64: str, record_id: str) -> bytes:
    """Decode a Kinesis record's base64 `data` strictly (garbage is an error, not skipped)."""
    try:
        return base64.b64decode(b64, validate=True)
    except (binascii.Error, ValueError, TypeError) as exc:
        raise MalformedRecord(record_id, f"data is not valid base64: {exc}") from exc


def parse_kinesis_record(
    data: bytes,
    *,
    record_id: str,
    channel_roles: ChannelRoles = DEFAULT_CHANNEL_ROLES,
    chime_call_key: ChimeCallKey = DEFAULT_CHIME_CALL_KEY,
) -> list[Observation]:
    """Observations in one Kinesis record (already base64-decoded).

    May return an empty list for a valid record that carries nothing for us (e.g. an LCA
    recording-URL event, a Transcribe result list with no results). Raises MalformedRecord for
    non-UTF-8, non-JSON, a non-object, an unknown format or type, a missing or mistyped field.
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise MalformedRecord(record_id, f"data is not UTF-8: {exc}") from exc
    try:
        record = json.loads(text)
    except ValueError as exc:
        raise MalformedRecord(record_id, f"data is not JSON: {exc}") from exc
    except RecursionError as exc:
        raise MalformedRecord(record_id, "data is nested too deeply") from exc
    return parse_record_object(
        record, record_id=record_id, channel_roles=channel_roles, chime_call_key=chime_call_key
    )


def parse_record_object(
    record: Any,
    *,
    record_id: str,
    channel_roles: ChannelRoles = DEFAULT_CHANNEL_ROLES,
    chime_call_key: ChimeCallKey = DEFAULT_CHIME_CALL_KEY,
) -> list[Observation]:
    """As parse_kinesis_record, for a record already decoded from JSON (recorded call files)."""
    if not isinstance(record, Mapping):
        raise MalformedRecord(record_id, f"record must be a JSON object, got {type(record).__name__}")
    try:
        if is_chime_record(record):
            return parse_chime_record(record, channel_roles=channel_roles, chime_call_key=chime_call_key)
        normalized = normalize_keys(record)
        assert isinstance(normalized, Mapping)
        if is_contact_lens_event(normalized):
            return parse_contact_lens_event(normalized)
        if is_lca_event(normalized):
            return parse_lca_event(normalized, channel_roles=channel_roles)
        for key, source in (("CallId", SOURCE_LCA), ("ContactId", SOURCE_CONTACT_LENS)):
            named = normalized.get(key)
            if isinstance(named, str) and named:
                return [RecordIgnored(named, "record of an unknown kind", source)]
    except InvalidField as exc:
        raise MalformedRecord(record_id, str(exc)) from exc
    except RecursionError as exc:  # a JSON-string field that decodes into absurd nesting
        raise MalformedRecord(record_id, "record is nested too deeply") from exc
    raise MalformedRecord(
        record_id, "unknown format: no Chime detail-type, LCA EventType or Contact Lens ContactId"
    )


def parse_lifecycle_event(event: Mapping[str, Any]) -> StatusObservation | None:
    """The observation in an EventBridge event for the lifecycle function: a "Chime
    VoiceConnector Streaming Status" event, or an Amazon Connect contact event naming the agent.

    Raises MalformedRecord (record id = the envelope's `id`) for any other envelope or a
    missing/mistyped field; returns None for an event that asks nothing of us (a streaming status
    value we do not know, a contact event other than CONNECTED_TO_AGENT).
    """
    record_id = str(event.get("id") or "<no id>") if isinstance(event, Mapping) else "<no id>"
    if not isinstance(event, Mapping):
        raise MalformedRecord(record_id, f"event must be a JSON object, got {type(event).__name__}")
    try:
        if is_connect_contact_event(event):
            return connect_contact_observation(event)
        return status_observation(event)
    except InvalidField as exc:
        raise MalformedRecord(record_id, str(exc)) from exc


def call_id_of_record(
    record: Any, *, record_id: str = "", chime_call_key: ChimeCallKey = DEFAULT_CHIME_CALL_KEY
) -> str:
    """The call a Kinesis record (decoded from JSON) names, by the call-identity rule
    (domain.inbound.identity); "" when it carries nothing; MalformedRecord when unreadable."""
    observations = parse_record_object(record, record_id=record_id, chime_call_key=chime_call_key)
    return observed_call_id(observations[0]) if observations else ""


def call_id_of_event(event: Mapping[str, Any]) -> str:
    """The call a Voice Connector streaming-status event names ("" for an unknown status);
    MalformedRecord for any other event."""
    observation = parse_lifecycle_event(event)
    return observed_call_id(observation) if observation else ""
