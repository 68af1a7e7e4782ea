"""Amazon Connect Contact Lens real-time voice segment streams (AWS's "Data model for
conversational analytics segment streams to analyze voice contacts in Contact Lens").

Every event names its contact with `ContactId` (the call id) and has an `EventType`:
- `STARTED` (→ CallStartObserved, with the contact's `LanguageCode`);
- `SEGMENTS`: a `Segments` list, each segment holding one of
  - `Utterance`: a piece of a transcript still being spoken (`PartialContent`, `TranscriptId`
    naming the final it belongs to) → a partial Segment keyed by `TranscriptId`, so that the
    final replaces it; pieces of one transcript in one event are joined in order;
  - `Transcript`: the final (`Id`, `Content`, `ParticipantRole`, `Sentiment`) → a final Segment;
  - `Categories`: `MatchedCategories` → CategoryMatched;
  - `PostContactSummary`: Connect's own summary (`Content`, `Status`, and `FailureCode` when
    Connect could not write it, without `Content`) → ProducerSummaryObserved, kept on the call
    beside ours; a FAILED one costs nothing else of its event;
  any other segment kind is ignored (counted);
- `COMPLETED` or `FAILED` (→ CallEndObserved): the analysis session is over, so is the transcript.
Times are milliseconds from the start of the contact. The events carry no wall-clock time: the
store stamps them as they arrive. A chat or task contact's events are ignored (counted).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final

from callrecap.domain.models import (
    CallDetails,
    CallEndObserved,
    CallStartObserved,
    CategoryMatched,
    Observation,
    ProducerSummaryObserved,
    RecordIgnored,
    Segment,
    Speaker,
)
from callrecap.domain.transcripts.inbound.fields import (
    InvalidField,
    JsonObject,
    as_object,
    language_code,
    optional_str,
    require_list,
    require_number,
    require_str,
    str_list,
    text_field,
)
from callrecap.domain.transcripts.inbound.identity import connect_call_id

SOURCE_CONTACT_LENS: Final = "contact-lens"
EVENT_TYPES: Final = frozenset({"STARTED", "SEGMENTS", "COMPLETED", "FAILED"})
VOICE: Final = "VOICE"

_ROLES: Final[Mapping[str, Speaker]] = {
    "AGENT": Speaker.AGENT,
    "CUSTOMER": Speaker.CUSTOMER,
    "SUPERVISOR": Speaker.SUPERVISOR,
    "SYSTEM": Speaker.SYSTEM,
    "CUSTOM_BOT": Speaker.BOT,
}
"""The participant roles of the segment-stream data model (Connect admin guide, "Data model for
conversational analytics segment streams"), each a speaker of its own; any other role is kept
with its name as channel, speaker UNKNOWN."""


def is_contact_lens_event(record: JsonObject) -> bool:
    return "ContactId" in record and str(record.get("EventType", "")).upper() in EVENT_TYPES


@dataclass
class _Partial:
    """Pieces of one transcript (one TranscriptId) seen in one event, in order."""

    role: str
    begin_ms: float
    end_ms: float
    pieces: list[str] = field(default_factory=list)


def parse_contact_lens_event(record: JsonObject) -> list[Observation]:
    call_id = connect_call_id(record)
    event_type = str(record.get("EventType", "")).upper()
    channel = optional_str(record, "Channel") or VOICE
    if channel.upper() != VOICE:
        return [RecordIgnored(call_id, f"Contact Lens {channel} contact", SOURCE_CONTACT_LENS)]
    if event_type == "STARTED":
        details = CallDetails(call_id=call_id, language_code=language_code(record) or None)
        return [CallStartObserved(details=details, at="", source=SOURCE_CONTACT_LENS)]
    if event_type in ("COMPLETED", "FAILED"):
        return [CallEndObserved(details=CallDetails(call_id=call_id), at="", source=SOURCE_CONTACT_LENS)]
    return _segments(call_id, require_list(record, "Segments"))


def _segments(call_id: str, segments: list[object]) -> list[Observation]:
    observations: list[Observation] = []
    partials: dict[str, _Partial] = {}
    for index, raw in enumerate(segments):
        where = f"Segments[{index}]"
        segment = as_object(raw, where)
        if "Transcript" in segment:
            observations.append(
                _final(call_id, as_object(segment["Transcript"], f"{where}.Transcript"), where)
            )
        elif "Utterance" in segment:
            utterance = as_object(segment["Utterance"], f"{where}.Utterance")
            _add_piece(partials, utterance, f"{where}.Utterance")
        elif "Categories" in segment:
            categories = as_object(segment["Categories"], f"{where}.Categories")
            matched = str_list(categories, "MatchedCategories", f"{where}.Categories")
            observations.append(CategoryMatched(call_id, matched, at="", source=SOURCE_CONTACT_LENS))
        elif "PostContactSummary" in segment:
            # API_RealTimeContactAnalysisSegmentPostContactSummary: Status (COMPLETED | FAILED) is
            # required; Content and FailureCode are optional (a FAILED one has no Content).
            summary = as_object(segment["PostContactSummary"], f"{where}.PostContactSummary")
            inside = f"{where}.PostContactSummary"
            observations.append(
                ProducerSummaryObserved(
                    call_id=call_id,
                    text=optional_str(summary, "Content", inside) or "",
                    status=optional_str(summary, "Status", inside) or "",
                    at="",
                    source=SOURCE_CONTACT_LENS,
                    failure_code=optional_str(summary, "FailureCode", inside) or "",
                )
            )
        else:
            kinds = ", ".join(sorted(str(k) for k in segment)) or "empty"
            observations.append(
                RecordIgnored(call_id, f"Contact Lens segment ({kinds})", SOURCE_CONTACT_LENS)
            )
    finals = {o.segment_id for o in observations if isinstance(o, Segment)}
    for transcript_id, partial in partials.items():
        if transcript_id in finals:
            continue  # the final in the same event already says it all
        observations.append(
            Segment(
                call_id=call_id,
                segment_id=transcript_id,
                speaker=_ROLES.get(partial.role.upper(), Speaker.UNKNOWN),
                start_time=partial.begin_ms / 1000.0,
                end_time=partial.end_ms / 1000.0,
                text=" ".join(piece for piece in partial.pieces if piece),
                is_partial=True,
                channel=partial.role,
                source=SOURCE_CONTACT_LENS,
            )
        )
    return observations


def _add_piece(partials: dict[str, _Partial], utterance: JsonObject, where: str) -> None:
    transcript_id = require_str(utterance, "TranscriptId", where)
    begin = require_number(utterance, "BeginOffsetMillis", where)
    end = require_number(utterance, "EndOffsetMillis", where)
    text = text_field(utterance, "PartialContent", where).strip()
    partial = partials.get(transcript_id)
    if partial is None:
        role = require_str(utterance, "ParticipantRole", where)
        partials[transcript_id] = _Partial(role, begin, end, [text])
        return
    partial.begin_ms, partial.end_ms = min(partial.begin_ms, begin), max(partial.end_ms, end)
    partial.pieces.append(text)


def _final(call_id: str, transcript: JsonObject, where: str) -> Segment:
    role = require_str(transcript, "ParticipantRole", f"{where}.Transcript")
    sentiment = optional_str(transcript, "Sentiment", f"{where}.Transcript")
    begin = require_number(transcript, "BeginOffsetMillis", f"{where}.Transcript")
    end = require_number(transcript, "EndOffsetMillis", f"{where}.Transcript")
    if end < begin:
        raise InvalidField(f"{where}.Transcript ends before it begins ({begin} > {end} ms)")
    return Segment(
        call_id=call_id,
        segment_id=require_str(transcript, "Id", f"{where}.Transcript"),
        speaker=_ROLES.get(role.upper(), Speaker.UNKNOWN),
        start_time=begin / 1000.0,
        end_time=end / 1000.0,
        text=text_field(transcript, "Content", f"{where}.Transcript"),
        is_partial=False,
        channel=role,
        sentiment=sentiment.upper() if sentiment else None,
        source=SOURCE_CONTACT_LENS,
    )
