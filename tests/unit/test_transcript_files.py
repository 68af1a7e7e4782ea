"""Transcript file readers behind `callrecap summarize`: every format, and clear errors."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import pytest

from callrecap_local.transcript_files import FileFormat, TranscriptFileError, read_transcript

CALL = "rec-call-1"


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


def lca_segment(seg: str, channel: str, start: float, text: str, *, partial: bool = False) -> dict[str, Any]:
    return {
        "EventType": "ADD_TRANSCRIPT_SEGMENT",
        "CallId": CALL,
        "Channel": channel,
        "SegmentId": seg,
        "StartTime": start,
        "EndTime": start + 2,
        "Transcript": text,
        "IsPartial": partial,
        "CreatedAt": "2026-03-03T11:30:05.000Z",
    }


def recorded_call(path: Path) -> Path:
    events = [
        {"EventType": "START", "CallId": CALL, "CreatedAt": "2026-03-03T11:30:00.000Z"},
        lca_segment("s2", "CALLER", 3.0, "My order never arrived"),
        lca_segment("s1", "AGENT", 0.5, "Thanks for call", partial=True),
        lca_segment("s1", "AGENT", 0.5, "Thanks for calling, how can I help?"),
        lca_segment("s3", "AGENT", 6.0, "Let me check", partial=True),
        {"EventType": "END", "CallId": CALL, "CreatedAt": "2026-03-03T11:31:00.000Z"},
    ]
    rows = [
        {"at": float(i), "source": "kinesis", "partitionKey": CALL, "data": event}
        for i, event in enumerate(events)
    ]
    return write_jsonl(path, rows)


def test_dialog_first_row_and_row_by_id(shared_data: Path) -> None:
    path = shared_data / "dialogs" / "tweetsumm_dev.jsonl"
    first_row = json.loads(path.read_text(encoding="utf-8").splitlines()[1])
    first = read_transcript(path)
    assert first.format is FileFormat.DIALOG
    assert first.turns and {t.speaker for t in first.turns} <= {"AGENT", "CUSTOMER"}
    chosen = read_transcript(path, dialog_id=first_row["id"])
    assert chosen.call_id == first_row["id"]
    assert chosen.call_id != first.call_id


def test_dialog_unknown_id(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "d.jsonl", [{"id": "a", "turns": [{"speaker": "A", "text": "hi"}]}])
    with pytest.raises(TranscriptFileError, match="no dialog with id 'zzz' among 1 rows"):
        read_transcript(path, dialog_id="zzz")


def test_transcribe_batch_output_items_with_speaker_labels(shared_data: Path) -> None:
    transcript = read_transcript(shared_data / "calls" / "Retail41.transcribe_batch_output.json")
    assert transcript.format is FileFormat.TRANSCRIBE
    assert transcript.call_id == "Retail41"
    assert transcript.turns[0].speaker == "AGENT"
    assert transcript.turns[0].text.startswith("Hi, thank")  # punctuation glued to the word
    assert {t.speaker for t in transcript.turns} == {"AGENT", "CUSTOMER"}
    speakers = [t.speaker for t in transcript.turns]
    assert all(a != b for a, b in itertools.pairwise(speakers))  # consecutive merged
    assert transcript.turns[1].start_time > transcript.turns[0].start_time


def test_transcribe_output_labelled_only_through_speaker_segments(tmp_path: Path) -> None:
    document = {
        "jobName": "old-format",
        "results": {
            "speaker_labels": {
                "segments": [
                    {"speaker_label": "spk_0", "items": [{"start_time": "0.1", "speaker_label": "spk_0"}]},
                    {"speaker_label": "spk_1", "items": [{"start_time": "1.0", "speaker_label": "spk_1"}]},
                ]
            },
            "items": [
                {
                    "start_time": "0.1",
                    "end_time": "0.5",
                    "type": "pronunciation",
                    "alternatives": [{"content": "Hello"}],
                },
                {"type": "punctuation", "alternatives": [{"content": "."}]},
                {
                    "start_time": "1.0",
                    "end_time": "1.4",
                    "type": "pronunciation",
                    "alternatives": [{"content": "Hi"}],
                },
            ],
        },
    }
    path = tmp_path / "old.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    transcript = read_transcript(path)
    assert [(t.speaker, t.text) for t in transcript.turns] == [("AGENT", "Hello."), ("CUSTOMER", "Hi")]


def test_transcribe_output_with_channels_and_audio_segments(tmp_path: Path) -> None:
    channels = {
        "jobName": "chan",
        "results": {
            "channel_labels": {
                "channels": [
                    {"channel_label": "ch_0", "items": [{"start_time": "0.0"}]},
                    {"channel_label": "ch_1", "items": [{"start_time": "2.0"}]},
                ]
            },
            "items": [
                {
                    "start_time": "0.0",
                    "end_time": "1",
                    "type": "pronunciation",
                    "alternatives": [{"content": "Hello"}],
                },
                {
                    "start_time": "2.0",
                    "end_time": "3",
                    "type": "pronunciation",
                    "alternatives": [{"content": "Yes"}],
                },
            ],
        },
    }
    segments = {
        "jobName": "segs",
        "results": {
            "items": [],
            "audio_segments": [
                {"transcript": "Hello there.", "speaker_label": "spk_0", "start_time": "0", "end_time": "1"},
                {
                    "transcript": "How can I help?",
                    "speaker_label": "spk_0",
                    "start_time": "1",
                    "end_time": "2",
                },
                {"transcript": "My bill.", "speaker_label": "spk_1", "start_time": "2", "end_time": "3"},
            ],
        },
    }
    (tmp_path / "c.json").write_text(json.dumps(channels), encoding="utf-8")
    (tmp_path / "s.json").write_text(json.dumps(segments), encoding="utf-8")
    # One channel convention with live ingest: the caller on ch_0, the agent on ch_1 ...
    assert [t.speaker for t in read_transcript(tmp_path / "c.json").turns] == ["CUSTOMER", "AGENT"]
    # ... unless CALLRECAP_AGENT_CHANNEL / --agent-channel says otherwise.
    flipped = read_transcript(tmp_path / "c.json", agent_channel="ch_0")
    assert [t.speaker for t in flipped.turns] == ["AGENT", "CUSTOMER"]
    turns = read_transcript(tmp_path / "s.json").turns
    assert [(t.speaker, t.text) for t in turns] == [
        ("AGENT", "Hello there. How can I help?"),
        ("CUSTOMER", "My bill."),
    ]


def test_recorded_call_uses_final_segments_in_spoken_order(tmp_path: Path) -> None:
    transcript = read_transcript(recorded_call(tmp_path / "call.jsonl"))
    assert transcript.format is FileFormat.RECORDED_CALL
    assert transcript.call_id == CALL
    assert [(t.speaker, t.text) for t in transcript.turns] == [
        ("AGENT", "Thanks for calling, how can I help?"),
        ("CUSTOMER", "My order never arrived"),
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "empty"),
        ("not json at all\n", "not JSON"),
        ('{"hello": 1}', "unknown format: expected .*Amazon Transcribe batch output.*WebVTT"),
        ('{"results": {"items": []}}', "neither `items` nor `audio_segments`"),
        ('{"x": 1}\n{"y": 2}\n', "unknown format"),
        ("[1, 2]\n", "expected a JSON object"),
        ('{"id": "a", "turns": "nope"}\n', "`turns` must be a list"),
        (
            '{"at": 0, "source": "kinesis", "data": {"EventType": "START", "CallId": "c"}}\n',
            "no final transcript",
        ),
        ('{"at": 0, "source": "kinesis", "data": {"EventType": "START"}}\n', "event 0"),
    ],
)
def test_unreadable_inputs_are_clear_errors(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(TranscriptFileError, match=message):
        read_transcript(path)


def test_missing_directory_and_binary(tmp_path: Path) -> None:
    with pytest.raises(TranscriptFileError, match="no such file"):
        read_transcript(tmp_path / "missing.json")
    with pytest.raises(TranscriptFileError, match="is a directory"):
        read_transcript(tmp_path)
    binary = tmp_path / "b.json"
    binary.write_bytes(b"\xff\xfe\x00\x01")
    with pytest.raises(TranscriptFileError, match="not UTF-8"):
        read_transcript(binary)


def test_id_is_refused_for_files_that_are_not_dialogs(shared_data: Path, tmp_path: Path) -> None:
    with pytest.raises(TranscriptFileError, match="--id"):
        read_transcript(shared_data / "calls" / "Retail41.transcribe_batch_output.json", dialog_id="x")
    with pytest.raises(TranscriptFileError, match="--id"):
        read_transcript(recorded_call(tmp_path / "call.jsonl"), dialog_id="x")


PRODUCERS = Path(__file__).resolve().parents[1] / "fixtures" / "producers"


def test_a_dump_of_lca_events_a_line_is_a_transcript(tmp_path: Path) -> None:
    """What an LCA producer writes to the stream, one JSON record a line (no `at`, no `source`)."""
    records = json.loads((PRODUCERS / "chimevc_transcriber_standard.json").read_text())["records"]
    dump = tmp_path / "lca-events.jsonl"
    dump.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    transcript = read_transcript(dump)
    assert transcript.format is FileFormat.EVENT_DUMP and transcript.call_id == "vc-call-7"
    first = transcript.turns[0]
    assert (first.speaker, first.text) == ("CUSTOMER", "Hi, my invoice looks wrong.")


def test_a_dump_gets_times_from_created_at_then_end_time(tmp_path: Path) -> None:
    from callrecap_local.recording import load_recording

    rows = [
        {"CallId": "d1", "EventType": "START", "CreatedAt": "2026-02-03T10:00:00Z"},
        {
            "CallId": "d1",
            "EventType": "ADD_TRANSCRIPT_SEGMENT",
            "SegmentId": "a",
            "Channel": "CALLER",
            "StartTime": 0.5,
            "EndTime": 2.0,
            "Transcript": "Hello.",
            "IsPartial": False,
            "CreatedAt": "2026-02-03T10:00:03Z",
        },
        {
            "CallId": "d1",
            "EventType": "ADD_TRANSCRIPT_SEGMENT",
            "SegmentId": "b",
            "Channel": "AGENT",
            "StartTime": 2.5,
            "EndTime": 2.9,
            "Transcript": "Hi.",
            "IsPartial": False,
        },
        {"CallId": "d1", "EventType": "END"},
    ]
    dump = tmp_path / "d1.jsonl"
    dump.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    recording = load_recording(dump)
    assert recording.dump and recording.call_id == "d1"
    assert [e.at for e in recording.events] == [0.0, 3.0, 3.0, 3.0]  # never earlier than the last


def test_lines_that_are_neither_say_what_was_expected(tmp_path: Path) -> None:
    junk = tmp_path / "junk.jsonl"
    junk.write_text('{"hello": "world"}\n', encoding="utf-8")
    with pytest.raises(TranscriptFileError, match="stream records a line"):
        read_transcript(junk)
