"""The transcript files a new user already has (issue 20): plain `Speaker: text` lines, WebVTT and
SRT captions, Transcribe Call Analytics and Contact Lens post-call output, detected by content;
a one-speaker warning and the size limits.

The two post-call fixtures in tests/fixtures/transcripts/ follow the documented shapes, with
dialog of our own: Call Analytics from the Transcribe developer guide, "Post-call analytics
output" (docs.aws.amazon.com/transcribe/latest/dg/tca-output-batch.html, its compiled example:
`Transcript[]` with `ParticipantRole`); Contact Lens from the Connect administrator guide, "Example
Contact Lens output files" (docs.aws.amazon.com/connect/latest/adminguide/
contact-lens-example-output-files.html: `Participants[]` and `Transcript[]` by `ParticipantId`,
which that page's example also fills with the role names, as turn-4 here does), named as
Contact Lens names the file in S3 (`<contact id>_analysis_<time>.json`, the colons of the time
replaced for portable file names)."""

from __future__ import annotations

from pathlib import Path

import pytest

from callrecap_local import transcript_files
from callrecap_local.transcript_files import FileFormat, TranscriptFileError, read_transcript
from callrecap_local.transcript_files import base as limits

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "transcripts"


def speakers_and_text(path: Path) -> list[tuple[str, str]]:
    return [(t.speaker, t.text) for t in read_transcript(path).turns]


def test_plain_text_maps_role_names_and_keeps_other_names(tmp_path: Path) -> None:
    path = tmp_path / "chat export.txt"
    path.write_text(
        "Agent: Thanks for calling, how can I help?\n"
        "Caller: My parcel never arrived.\n"
        "It was due on Monday.\n"  # no label: the caller's turn goes on
        "[00:01:12] Support Rep: I will open a claim today.\n"
        "Maria Lopez: Supervisor here, I approve the reshipment.\n",
        encoding="utf-8",
    )
    transcript = read_transcript(path)
    assert transcript.format is FileFormat.PLAIN_TEXT and transcript.call_id == "chat export"
    assert [(t.speaker, t.text) for t in transcript.turns] == [
        ("AGENT", "Thanks for calling, how can I help?"),
        ("CUSTOMER", "My parcel never arrived. It was due on Monday."),
        ("AGENT", "I will open a claim today."),
        ("Maria Lopez", "Supervisor here, I approve the reshipment."),
    ]
    assert transcript.warnings == ()


def test_webvtt_voices_and_labels_become_turns(tmp_path: Path) -> None:
    path = tmp_path / "meeting.vtt"
    path.write_text(
        "WEBVTT\n\nNOTE exported by a softphone\n\n"
        "1\n00:00:01.000 --> 00:00:03.500\n<v Agent>Hello, billing team.</v>\n\n"
        "00:00:04.000 --> 00:00:07.250\n<v.loud Customer 1>I was charged <b>twice</b>.</v>\n\n"
        "00:00:07.300 --> 00:00:09.000\nfor the same order\n\n"
        "00:01:09.000 --> 00:01:12.000\nAgent: I refunded the second charge.\n",
        encoding="utf-8",
    )
    transcript = read_transcript(path)
    assert transcript.format is FileFormat.WEBVTT
    assert [(t.speaker, t.text, t.start_time) for t in transcript.turns] == [
        ("AGENT", "Hello, billing team.", 1.0),
        ("CUSTOMER", "I was charged twice. for the same order", 4.0),
        ("AGENT", "I refunded the second charge.", 69.0),
    ]


def test_srt_with_name_labels(tmp_path: Path) -> None:
    path = tmp_path / "call.srt"
    path.write_text(
        "1\n00:00:00,500 --> 00:00:02,000\nRepresentative: Good afternoon.\n\n"
        "2\n00:00:02,400 --> 00:00:05,900\nClient: I need to change my address.\n\n"
        "3\n00:00:06,000 --> 00:00:08,000\nRepresentative: Done, it is updated.\n",
        encoding="utf-8",
    )
    transcript = read_transcript(path)
    assert transcript.format is FileFormat.SRT
    assert [(t.speaker, t.end_time) for t in transcript.turns] == [
        ("AGENT", 2.0),
        ("CUSTOMER", 5.9),
        ("AGENT", 8.0),
    ]


def test_call_analytics_output_turns_by_role() -> None:
    transcript = read_transcript(FIXTURES / "call_analytics_output.json")
    assert (transcript.format, transcript.call_id) == (FileFormat.CALL_ANALYTICS, "tca-router-replacement")
    assert [(t.speaker, t.start_time) for t in transcript.turns] == [
        ("AGENT", 0.42),
        ("CUSTOMER", 4.6),  # two consecutive customer turns, merged
        ("AGENT", 10.4),
    ]
    assert transcript.turns[1].text.endswith("It has done that for a week now.")


def test_contact_lens_output_maps_participants_and_keeps_the_supervisor() -> None:
    (path,) = FIXTURES.glob("*_analysis_*.json")
    transcript = read_transcript(path)
    assert (transcript.format, transcript.call_id) == (
        FileFormat.CONTACT_LENS,
        "7f3c2a10-5b1e-4c8d-9e2f-0a1b2c3d4e5f",
    )
    assert [t.speaker for t in transcript.turns] == ["AGENT", "CUSTOMER", "Supervisor", "AGENT", "CUSTOMER"]


def test_one_speaker_is_a_warning_not_a_failure(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("Agent: Customer called about a refund.\nAgent: Refund issued.\n", encoding="utf-8")
    transcript = read_transcript(path)
    assert len(transcript.turns) == 1
    (warning,) = transcript.warnings
    assert "AGENT's" in warning and "both sides" in warning


def test_oversized_input_is_refused_with_the_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "long.txt"
    path.write_text("Agent: " + "word " * 300 + "\nCustomer: ok\n", encoding="utf-8")
    monkeypatch.setattr(limits, "MAX_TRANSCRIPT_CHARS", 1_000)
    with pytest.raises(TranscriptFileError, match=r"over the 1,000 a transcript may hold"):
        read_transcript(path)
    monkeypatch.setattr(transcript_files, "MAX_FILE_BYTES", 100)
    with pytest.raises(TranscriptFileError, match=r"over the 100 a transcript file may have"):
        read_transcript(path)


def test_a_file_of_no_known_format_lists_the_accepted_ones(tmp_path: Path) -> None:
    path = tmp_path / "minutes.txt"
    path.write_text("Minutes of the meeting\nwe discussed the budget\n", encoding="utf-8")
    with pytest.raises(TranscriptFileError) as refused:
        read_transcript(path)
    message = str(refused.value)
    for accepted in (
        "dialog JSONL",
        "Transcribe batch output",
        "Contact Lens",
        "WebVTT",
        "SRT",
        "Speaker: text",
    ):
        assert accepted in message


def test_summarize_prints_the_warning_and_the_summary(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from callrecap_local.cli import main

    path = tmp_path / "one-voice.txt"
    path.write_text("Agent: The customer asked for a refund and I issued it.\n", encoding="utf-8")
    assert main(["summarize", str(path)]) == 0
    captured = capsys.readouterr()
    assert '"callId": "one-voice"' in captured.out
    assert captured.err.startswith("warning: ") and "every line is AGENT's" in captured.err
