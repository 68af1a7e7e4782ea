"""Amazon Transcribe batch output JSON: words in `results.items` labelled by speaker (`speaker_label`
on the item, or via `results.speaker_labels.segments`) or by channel (`results.channel_labels`), or
ready-made `results.audio_segments`; spk_0 is the agent (who answers first), spk_1 the customer;
channels follow the project's one convention (CALLRECAP_AGENT_CHANNEL: the agent on ch_1 and the
caller on ch_0 by default, as live ingest)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from callrecap.domain.models import Speaker, Turn
from callrecap.domain.transcripts.inbound.transcribe import channel_roles_with_agent_on
from callrecap.settings import AgentChannel
from callrecap_local.transcript_files.base import (
    FileFormat,
    TranscriptFile,
    TranscriptFileError,
    merge_consecutive,
)

DIARIZED_SPEAKERS: Mapping[str, Speaker] = {"spk_0": Speaker.AGENT, "spk_1": Speaker.CUSTOMER}
"""Speaker labels (diarization, one channel): the first voice is the agent's, who answers."""


def transcribe_speakers(agent_channel: str = AgentChannel.CH_1.value) -> dict[str, Speaker]:
    """Transcribe labels -> speakers. Channels follow the one convention of the whole project,
    the agent on `agent_channel` (CALLRECAP_AGENT_CHANNEL, default ch_1, the caller on ch_0: what
    live ingest and LCA's Chime producers assume); speaker labels follow DIARIZED_SPEAKERS."""
    roles = channel_roles_with_agent_on(agent_channel)
    return {**DIARIZED_SPEAKERS, **dict(roles)}


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
    return merge_consecutive(turns)


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
