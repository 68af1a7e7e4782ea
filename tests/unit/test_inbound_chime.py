"""Chime SDK call analytics records, built from the documented templates and payloads."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from callrecap.domain.models import CallDetailsObserved, CategoryMatched, Segment, Speaker
from callrecap.domain.transcripts.inbound import (
    DEFAULT_CHANNEL_ROLES,
    MalformedRecord,
    channel_roles_with_agent_on,
    parse_kinesis_record,
)
from tests.helpers.inbound_payloads import (
    METADATA,
    aws_event,
    chime_metadata_record,
    chime_tca_record,
    chime_transcribe_record,
    encode,
)


def parse(record: object, record_id: str = "seq-1") -> list[object]:
    return list(parse_kinesis_record(encode(record), record_id=record_id))


def test_transcribe_record_from_template_gives_a_segment(shared_data: Path) -> None:
    record = chime_transcribe_record(shared_data, result_id="r-9", channel="ch_1", text="How can I help?")
    (segment,) = parse(record)
    assert segment == Segment(
        call_id="txn-0001",
        segment_id="r-9",
        speaker=Speaker.AGENT,
        start_time=1.5,
        end_time=2.75,
        text="How can I help?",
        is_partial=False,
        channel="ch_1",
        source="chime-transcribe",
        created_at="2026-03-01T10:00:05.000Z",
        language_code="en-US",
    )


@pytest.mark.parametrize(
    ("channel", "speaker"),
    [("ch_0", Speaker.CUSTOMER), ("ch_1", Speaker.AGENT), ("ch_7", Speaker.UNKNOWN)],
)
def test_transcribe_channels_map_to_speakers(shared_data: Path, channel: str, speaker: Speaker) -> None:
    (segment,) = parse(chime_transcribe_record(shared_data, channel=channel))
    assert isinstance(segment, Segment)
    assert segment.speaker is speaker


def test_channel_roles_can_be_overridden(shared_data: Path) -> None:
    data = encode(chime_transcribe_record(shared_data, channel="ch_0"))
    (segment,) = parse_kinesis_record(data, record_id="s", channel_roles={"ch_0": Speaker.AGENT})
    assert isinstance(segment, Segment)
    assert segment.speaker is Speaker.AGENT


def test_agent_channel_setting_gives_the_two_channel_mapping() -> None:
    assert channel_roles_with_agent_on("ch_1") == DEFAULT_CHANNEL_ROLES
    assert channel_roles_with_agent_on("ch_0") == {"ch_0": Speaker.AGENT, "ch_1": Speaker.CUSTOMER}
    with pytest.raises(ValueError, match="agent channel must be one of"):
        channel_roles_with_agent_on("ch_2")


def test_partial_and_final_share_the_result_id(shared_data: Path) -> None:
    (partial,) = parse(chime_transcribe_record(shared_data, result_id="r-5", text="I was", is_partial=True))
    (final,) = parse(
        chime_transcribe_record(shared_data, result_id="r-5", text="I was charged twice.", is_partial=False)
    )
    assert isinstance(partial, Segment)
    assert isinstance(final, Segment)
    assert partial.segment_id == final.segment_id == "r-5"
    assert (partial.is_partial, final.is_partial) == (True, False)
    assert final.text == "I was charged twice."


def test_documented_partial_stabilized_transcript_event(shared_data: Path) -> None:
    record = chime_transcribe_record(shared_data)
    record["TranscriptEvent"] = aws_event(
        shared_data, "transcribe_streaming_TranscriptEvent_partial_stabilized.json"
    )
    (segment,) = parse(record)
    assert isinstance(segment, Segment)
    assert segment.segment_id == "12345a67-8bc9-0de1-2f34-a5b678c90d12"
    assert segment.is_partial is True
    assert segment.text == "Welcome to Amazon."
    assert segment.speaker is Speaker.UNKNOWN  # the doc payload has no ChannelId
    assert (segment.start_time, segment.end_time) == (1.65, 4.165)


@pytest.mark.parametrize(
    "name",
    [
        "transcribe_streaming_TranscriptResultStream_pii_identified.json",
        "transcribe_streaming_TranscriptResultStream_pii_redacted.json",
    ],
)
def test_documented_pii_transcript_events(shared_data: Path, name: str) -> None:
    record = chime_transcribe_record(shared_data)
    record["TranscriptEvent"] = aws_event(shared_data, name)["TranscriptResultStream"]["TranscriptEvent"]
    segments = parse(record)
    assert segments
    assert all(isinstance(s, Segment) and not s.is_partial and s.text for s in segments)


def test_empty_results_give_nothing(shared_data: Path) -> None:
    record = chime_transcribe_record(shared_data)
    record["TranscriptEvent"]["Transcript"]["Results"] = []
    assert parse(record) == []


@pytest.mark.parametrize("as_string", [True, False])
def test_metadata_as_json_string_or_object(shared_data: Path, as_string: bool) -> None:
    metadata = json.dumps(METADATA) if as_string else dict(METADATA)
    (segment,) = parse(chime_transcribe_record(shared_data, metadata=metadata))
    assert isinstance(segment, Segment)
    assert segment.call_id == "txn-0001"


def test_call_id_falls_back_to_call_id_without_transaction_id(shared_data: Path) -> None:
    metadata = {k: v for k, v in METADATA.items() if k != "transactionId"}
    (segment,) = parse(chime_transcribe_record(shared_data, metadata=metadata))
    assert isinstance(segment, Segment)
    assert segment.call_id == "sip-call-1"


def test_tca_record_gives_utterance_and_categories(shared_data: Path) -> None:
    segment, categories = parse(chime_tca_record(shared_data))
    assert segment == Segment(
        call_id="txn-0001",
        segment_id="58c27f92-7277-11ec-90d6-0242ac120003",
        speaker=Speaker.CUSTOMER,
        start_time=19.01,
        end_time=22.69,
        text="Wang Xiulan I'm tired of the network issues my phone is having.",
        is_partial=False,
        channel="CUSTOMER",
        sentiment="NEGATIVE",
        source="chime-tca",
        created_at="2026-03-01T10:00:07.000Z",
    )
    assert categories == CategoryMatched(
        call_id="txn-0001",
        categories=("network-complaint",),
        at="2026-03-01T10:00:07.000Z",
        source="chime-tca",
    )


def test_tca_record_with_only_an_utterance(shared_data: Path) -> None:
    record = chime_tca_record(shared_data)
    del record["CategoryEvent"]
    record["UtteranceEvent"]["ParticipantRole"] = "AGENT"
    record["metadata"] = json.dumps(METADATA)
    (segment,) = parse(record)
    assert isinstance(segment, Segment)
    assert segment.speaker is Speaker.AGENT


def test_tca_record_with_only_a_category(shared_data: Path) -> None:
    record = chime_tca_record(shared_data)
    del record["UtteranceEvent"]
    (categories,) = parse(record)
    assert isinstance(categories, CategoryMatched)


def test_tca_compiled_stream_payload(shared_data: Path) -> None:
    stream = aws_event(shared_data, "tca_streaming_CallAnalyticsTranscriptResultStream_compiled.json")
    stream = stream["CallAnalyticsTranscriptResultStream"]
    record = chime_tca_record(
        shared_data, utterance=stream["UtteranceEvent"], category=stream["CategoryEvent"]
    )
    segment, categories = parse(record)
    assert isinstance(segment, Segment)
    assert segment.sentiment == "NEGATIVE"
    assert isinstance(categories, CategoryMatched)


@pytest.mark.parametrize("as_string", [True, False])
def test_call_analytics_metadata_gives_call_details(shared_data: Path, as_string: bool) -> None:
    (observed,) = parse(chime_metadata_record(shared_data, as_string=as_string))
    assert isinstance(observed, CallDetailsObserved)
    details = observed.details
    assert details.call_id == "txn-0001"
    assert details.transaction_id == "txn-0001"
    assert details.voice_connector_id == "vc-abc123"
    assert (details.from_number, details.to_number, details.direction) == (
        "+12065550100",
        "+13605550199",
        "Inbound",
    )
    assert observed.at == "2026-03-01T10:00:00.000Z"


def test_voice_analytics_records_are_accepted_and_ignored(shared_data: Path) -> None:
    record = chime_metadata_record(shared_data)
    record["detail-type"] = "VoiceToneAnalysisStatus"
    assert parse(record) == []


# ------------------------------------------------------------------ malformed


def test_unknown_detail_type(shared_data: Path) -> None:
    record = chime_transcribe_record(shared_data)
    record["detail-type"] = "Transcribe2"
    with pytest.raises(MalformedRecord) as info:
        parse(record, "seq-42")
    assert info.value.record_id == "seq-42"
    assert "Transcribe2" in info.value.reason
    assert "seq-42" in str(info.value)


@pytest.mark.parametrize(
    ("mutate", "reason"),
    [
        (lambda r: r.pop("metadata"), "missing field metadata"),
        (lambda r: r.update(metadata="{not json"), "metadata is a string but not JSON"),
        (lambda r: r.update(metadata=[1, 2]), "metadata must be a JSON object"),
        (lambda r: r["metadata"].pop("transactionId") and r["metadata"].pop("callId"), "transactionId"),
        (lambda r: r.pop("TranscriptEvent"), "missing field TranscriptEvent"),
        (
            lambda r: r["TranscriptEvent"]["Transcript"]["Results"][0].pop("ResultId"),
            "missing field TranscriptEvent.Transcript.Results[0].ResultId",
        ),
        (
            lambda r: r["TranscriptEvent"]["Transcript"]["Results"][0].update(StartTime="1.0"),
            "Results[0].StartTime must be a number",
        ),
        (
            lambda r: r["TranscriptEvent"]["Transcript"]["Results"][0].update(IsPartial="false"),
            "Results[0].IsPartial must be a boolean",
        ),
        (
            lambda r: r["TranscriptEvent"]["Transcript"].update(Results={}),
            "Results must be a list",
        ),
    ],
)
def test_malformed_transcribe_records(shared_data: Path, mutate: object, reason: str) -> None:
    record = chime_transcribe_record(shared_data, metadata=dict(METADATA))
    mutate(record)  # type: ignore[operator]
    with pytest.raises(MalformedRecord) as info:
        parse(record, "seq-7")
    assert reason in info.value.reason
    assert info.value.record_id == "seq-7"


def test_tca_record_with_neither_event(shared_data: Path) -> None:
    record = chime_tca_record(shared_data)
    del record["UtteranceEvent"], record["CategoryEvent"]
    with pytest.raises(MalformedRecord, match="UtteranceEvent or CategoryEvent"):
        parse(record)


def test_tca_utterance_missing_role(shared_data: Path) -> None:
    record = chime_tca_record(shared_data)
    del record["UtteranceEvent"]["ParticipantRole"]
    with pytest.raises(MalformedRecord, match=r"UtteranceEvent\.ParticipantRole"):
        parse(record)
