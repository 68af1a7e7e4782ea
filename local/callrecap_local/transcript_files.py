"""Read a call transcript from the files `callrecap summarize` accepts, as speaker-labelled turns.

Formats (detected from the content, not only the extension):
- dialog JSONL (../shared/data/README.md): `{"id", "turns": [{"speaker", "text"}], ...}` a line;
  the first row, or the row whose id is asked for;
- Amazon Transcribe batch output JSON: words in `results.items` labelled by speaker
  (`speaker_label` on the item, or via `results.speaker_labels.segments`) or by channel
  (`results.channel_labels`), or ready-made `results.audio_segments`; spk_0 is the agent (who
  answers first), spk_1 the customer; channels follow the project's one convention
  (CALLRECAP_AGENT_CHANNEL: the agent on ch_1 and the caller on ch_0 by default, as live ingest);
- a recorded call (DESIGN.md §2, what `callrecap replay` plays): its Kinesis records are parsed by
  the same inbound parser the ingest Lambda uses, and the final segments become the turns.

Every problem is a `TranscriptFileError` whose message names the file (and line) and the cause.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from callrecap.domain.models import Segment, Speaker, Turn
from callrecap.domain.transcripts.inbound.transcribe import channel_roles_with_agent_on
from callrecap.domain.transcripts.rules import final_turns
from callrecap.settings import AgentChannel

DIARIZED_SPEAKERS: Mapping[str, Speaker] = {"spk_0": Speaker.AGENT, "spk_1": Speaker.CUSTOMER}
"""Speaker labels (diarization, one channel): the first voice is the agent's, who answers."""


def transcribe_speakers(agent_channel: str = AgentChannel.CH_1.value) -> dict[str, Speaker]:
    """Transcribe labels -> speakers. Channels follow the one convention of the whole project,
    the agent on `agent_channel` (CALLRECAP_AGENT_CHANNEL, default ch_1, the caller on ch_0: what
    live ingest and LCA's Chime producers assume); speaker labels follow DIARIZED_SPEAKERS."""
    roles = channel_roles_with_agent_on(agent_channel)
    return {**DIARIZED_SPEAKERS, **dict(roles)}


class TranscriptFileError(ValueError):
    """The file cannot be read as a transcript; the message says which file and why."""


class FileFormat(StrEnum):
    DIALOG = "dialog-jsonl"
    TRANSCRIBE = "transcribe-batch"
    RECORDED_CALL = "recorded-call"
    EVENT_DUMP = "event-dump"
    """Stream records as a producer writes them (LCA events, Transcribe or Chime results), one a line."""


@dataclass(frozen=True)
class TranscriptFile:
    call_id: str
    turns: list[Turn]
    format: FileFormat


def read_transcript(
    path: str | Path, *, dialog_id: str | None = None, agent_channel: str = AgentChannel.CH_1.value
) -> TranscriptFile:
    """The transcript in `path` (see module docstring); `dialog_id` picks a dialog JSONL row;
    `agent_channel` is the Transcribe channel the agent speaks on (CALLRECAP_AGENT_CHANNEL)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as error:
        raise TranscriptFileError(f"{path}: no such file") from error
    except IsADirectoryError as error:
        raise TranscriptFileError(f"{path}: is a directory, expected a transcript file") from error
    except UnicodeDecodeError as error:
        raise TranscriptFileError(f"{path}: not UTF-8 text") from error
    except OSError as error:
        raise TranscriptFileError(f"{path}: cannot read ({error.strerror or error})") from error
    if not text.strip():
        raise TranscriptFileError(f"{path}: the file is empty")

    whole = _whole_json(text)
    if isinstance(whole, dict) and isinstance(whole.get("results"), dict):
        if dialog_id is not None:
            raise TranscriptFileError(
                f"{path}: --id selects a row of a dialog JSONL file; this is Transcribe output"
            )
        return read_transcribe_output(whole, path, transcribe_speakers(agent_channel))
    # else one JSON object a line (a one-line file too): one of the line formats below
    first = _first_row(text, path)
    if "turns" in first:
        return read_dialog(text, path, dialog_id)
    if dialog_id is not None:
        raise TranscriptFileError(f"{path}: --id selects a row of a dialog JSONL file; this is not one")
    if "source" in first and "at" in first:
        return read_recorded_call(path, agent_channel)
    try:  # stream records as a producer writes them (LCA events, one a line)?
        return read_recorded_call(path, agent_channel)
    except TranscriptFileError as error:
        raise TranscriptFileError(
            f"{path}: unknown format: expected dialog JSONL (`turns`), a recorded call (`at`, `source`), "
            f"stream records a line (LCA events) or Amazon Transcribe batch output (`results`); {error}"
        ) from error


# --------------------------------------------------------------------------- detection helpers


def _whole_json(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return None


def _rows(text: str, path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except ValueError as error:
            raise TranscriptFileError(f"{path}:{number}: not JSON ({error})") from error
        if not isinstance(row, dict):
            raise TranscriptFileError(f"{path}:{number}: expected a JSON object a line")
        yield number, row


def _first_row(text: str, path: Path) -> dict[str, Any]:
    for _, row in _rows(text, path):
        return row
    raise TranscriptFileError(f"{path}: the file is empty")


# --------------------------------------------------------------------------- dialog JSONL


def read_dialog(text: str, path: Path, dialog_id: str | None = None) -> TranscriptFile:
    seen = 0
    for number, row in _rows(text, path):
        seen += 1
        row_id = str(row.get("id") or f"row-{seen}")
        if dialog_id is not None and row_id != dialog_id:
            continue
        turns_raw = row.get("turns")
        if not isinstance(turns_raw, list) or not all(
            isinstance(t, dict) and isinstance(t.get("text"), str) for t in turns_raw
        ):
            raise TranscriptFileError(f"{path}:{number}: `turns` must be a list of {{speaker, text}} objects")
        turns = [
            Turn(speaker=str(t.get("speaker") or Speaker.UNKNOWN.value), text=t["text"].strip())
            for t in turns_raw
            if t["text"].strip()
        ]
        if not turns:
            raise TranscriptFileError(f"{path}:{number}: dialog {row_id!r} has no text")
        return TranscriptFile(row_id, turns, FileFormat.DIALOG)
    if dialog_id is not None:
        raise TranscriptFileError(f"{path}: no dialog with id {dialog_id!r} among {seen} rows")
    raise TranscriptFileError(f"{path}: the file is empty")


# --------------------------------------------------------------------------- Transcribe batch output


@dataclass(frozen=True)
class _Word:
    speaker: Speaker
    text: str
    start: float
    end: float
    punctuation: bool


def read_transcribe_output(
    document: Mapping[str, Any], path: Path, speakers: Mapping[str, Speaker] | None = None
) -> TranscriptFile:
    speakers = speakers if speakers is not None else transcribe_speakers()
    results = document["results"]
    call_id = str(document.get("jobName") or path.stem)
    segments = results.get("audio_segments")
    if isinstance(segments, list) and segments:
        turns = _turns_from_audio_segments(segments, path, speakers)
    else:
        items = results.get("items")
        if not isinstance(items, list) or not items:
            raise TranscriptFileError(f"{path}: Transcribe output has neither `items` nor `audio_segments`")
        turns = _turns_from_words(_words(items, results, path, speakers))
    if not turns:
        raise TranscriptFileError(f"{path}: Transcribe output has no words")
    return TranscriptFile(call_id, turns, FileFormat.TRANSCRIBE)


def _speaker(label: Any, speakers: Mapping[str, Speaker]) -> Speaker:
    return speakers.get(str(label), Speaker.UNKNOWN)


def _seconds(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return 0.0


def _turns_from_audio_segments(
    segments: Sequence[Any], path: Path, speakers: Mapping[str, Speaker]
) -> list[Turn]:
    turns: list[Turn] = []
    for segment in segments:
        if not isinstance(segment, dict):
            raise TranscriptFileError(f"{path}: `audio_segments` must hold objects")
        text = str(segment.get("transcript") or "").strip()
        if not text:
            continue
        label = segment.get("speaker_label", segment.get("channel_label"))
        turns.append(
            Turn(
                speaker=_speaker(label, speakers).value,
                text=text,
                start_time=_seconds(segment.get("start_time")),
                end_time=_seconds(segment.get("end_time")),
            )
        )
    return _merge_consecutive(turns)


def _label_by_start(results: Mapping[str, Any]) -> dict[str, str]:
    """start_time -> speaker/channel label, from speaker_labels or channel_labels (older output)."""
    labels: dict[str, str] = {}
    speaker_labels = results.get("speaker_labels")
    if isinstance(speaker_labels, dict):
        for segment in speaker_labels.get("segments") or []:
            for item in segment.get("items") or []:
                if "start_time" in item:
                    labels[str(item["start_time"])] = str(
                        item.get("speaker_label", segment.get("speaker_label", ""))
                    )
    channel_labels = results.get("channel_labels")
    if not labels and isinstance(channel_labels, dict):
        for channel in channel_labels.get("channels") or []:
            for item in channel.get("items") or []:
                if "start_time" in item:
                    labels[str(item["start_time"])] = str(channel.get("channel_label", ""))
    return labels


def _words(
    items: Sequence[Any], results: Mapping[str, Any], path: Path, speakers: Mapping[str, Speaker]
) -> list[_Word]:
    by_start = _label_by_start(results)
    words: list[_Word] = []
    previous = Speaker.UNKNOWN
    for item in items:
        if not isinstance(item, dict):
            raise TranscriptFileError(f"{path}: `results.items` must hold objects")
        alternatives = item.get("alternatives") or [{}]
        content = str(alternatives[0].get("content") or "").strip()
        if not content:
            continue
        punctuation = item.get("type") == "punctuation"
        label = (
            item.get("speaker_label")
            or item.get("channel_label")
            or by_start.get(str(item.get("start_time")))
        )
        speaker = _speaker(label, speakers) if label else previous
        previous = speaker
        words.append(
            _Word(
                speaker,
                content,
                _seconds(item.get("start_time")),
                _seconds(item.get("end_time")),
                punctuation,
            )
        )
    return words


def _turns_from_words(words: Sequence[_Word]) -> list[Turn]:
    turns: list[Turn] = []
    parts: list[str] = []
    speaker: Speaker | None = None
    start = end = 0.0
    for word in words:
        if word.punctuation and parts:
            parts[-1] += word.text
            continue
        if word.speaker is not speaker and parts and speaker is not None:
            turns.append(Turn(speaker.value, " ".join(parts), start, end))
            parts = []
        if not parts:
            speaker, start = word.speaker, word.start
        parts.append(word.text)
        end = word.end or end
    if parts and speaker is not None:
        turns.append(Turn(speaker.value, " ".join(parts), start, end))
    return turns


def _merge_consecutive(turns: Sequence[Turn]) -> list[Turn]:
    merged: list[Turn] = []
    for turn in turns:
        if merged and merged[-1].speaker == turn.speaker:
            last = merged[-1]
            merged[-1] = Turn(last.speaker, f"{last.text} {turn.text}", last.start_time, turn.end_time)
        else:
            merged.append(turn)
    return merged


# --------------------------------------------------------------------------- recorded call


def read_recorded_call(path: Path, agent_channel: str = AgentChannel.CH_1.value) -> TranscriptFile:
    """Final segments of a recorded call or a dump of stream records, through the ingest
    Lambda's own parser and its channel convention."""
    from callrecap.domain.transcripts.inbound import (
        DEFAULT_CHIME_CALL_KEY,
        MalformedRecord,
        parse_record_object,
    )
    from callrecap_local.recording import RecordingError, load_recording

    try:
        recording = load_recording(path)
    except RecordingError as error:
        raise TranscriptFileError(str(error)) from error
    roles = channel_roles_with_agent_on(agent_channel)
    finals: dict[str, Segment] = {}
    for index, event in enumerate(recording.events):
        if event.source != "kinesis":
            continue
        try:
            observations = parse_record_object(
                event.payload,
                record_id=f"{path.name}#{index}",
                channel_roles=roles,
                chime_call_key=recording.chime_call_key or DEFAULT_CHIME_CALL_KEY,
            )
        except MalformedRecord as error:
            raise TranscriptFileError(f"{path}: event {index}: {error}") from error
        for observation in observations:
            if isinstance(observation, Segment) and not observation.is_partial and observation.text.strip():
                finals[observation.segment_id] = observation
    turns = final_turns(finals.values())
    if not turns:
        raise TranscriptFileError(f"{path}: the recorded call has no final transcript segments")
    kind = FileFormat.EVENT_DUMP if recording.dump else FileFormat.RECORDED_CALL
    return TranscriptFile(recording.call_id, turns, kind)
