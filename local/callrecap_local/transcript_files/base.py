"""What every reader returns and raises, the limits every file is held to, and the speaker names
the text formats share."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Final

from callrecap.domain.models import Speaker, Turn

MAX_FILE_BYTES: Final = 64 * 1024 * 1024
"""A transcript file larger than this is refused. Word-level JSON (Transcribe, Call Analytics) is
the bulkiest, about 10 MB for Transcribe's own 4-hour maximum, so this leaves room for any real call."""

MAX_TRANSCRIPT_CHARS: Final = 1_000_000
"""Characters of speech a transcript may hold: about 20 hours at 150 words a minute, five times
Transcribe's 4-hour maximum, and about what the engine's default bound of 40 model calls can read
(40 x 6,000 tokens x 4 characters); a longer text is not one call."""


class TranscriptFileError(ValueError):
    """The file cannot be read as a transcript; the message says which file and why."""


class FileFormat(StrEnum):
    DIALOG = "dialog-jsonl"
    TRANSCRIBE = "transcribe-batch"
    RECORDED_CALL = "recorded-call"
    EVENT_DUMP = "event-dump"
    """Stream records as a producer writes them (LCA events, Transcribe or Chime results), one a line."""
    PLAIN_TEXT = "plain-text"
    WEBVTT = "webvtt"
    SRT = "srt"
    CONTACT_LENS = "contact-lens-output"
    CALL_ANALYTICS = "call-analytics-output"


ACCEPTED_FORMATS: Final = (
    "dialog JSONL (`turns`)",
    "a recorded call (`at`, `source`)",
    "stream records a line (LCA events)",
    "Amazon Transcribe batch output (`results`)",
    "Transcribe Call Analytics or Contact Lens post-call output (`Transcript`)",
    "WebVTT (`WEBVTT`) or SRT captions",
    "plain text, one `Speaker: text` a line",
)


@dataclass(frozen=True)
class TranscriptFile:
    call_id: str
    turns: list[Turn]
    format: FileFormat
    warnings: tuple[str, ...] = field(default=())
    """What the reader noticed without refusing the file (one speaker only, ...)."""


AGENT_NAMES: Final = frozenset(
    {"agent", "rep", "representative", "advisor", "adviser", "operator", "support", "csr", "associate",
     "specialist", "consultant", "staff", "host"}
)  # fmt: skip
CUSTOMER_NAMES: Final = frozenset(
    {"customer", "caller", "client", "user", "member", "guest", "patient", "subscriber", "consumer"}
)
_WORDS = re.compile(r"[a-z]+")


def speaker_named(name: str) -> str:
    """AGENT or CUSTOMER for the names people give those roles ("Agent", "Support Rep", "Caller
    2"); any other name (a person's, "Supervisor") is kept as written."""
    words = set(_WORDS.findall(name.lower()))
    if words & AGENT_NAMES and not words & CUSTOMER_NAMES:
        return Speaker.AGENT.value
    if words & CUSTOMER_NAMES and not words & AGENT_NAMES:
        return Speaker.CUSTOMER.value
    return " ".join(name.split()) or Speaker.UNKNOWN.value


def merge_consecutive(turns: Sequence[Turn]) -> list[Turn]:
    """Adjacent turns of one speaker as one (captions split a sentence over cues)."""
    merged: list[Turn] = []
    for turn in turns:
        if merged and merged[-1].speaker == turn.speaker:
            last = merged[-1]
            merged[-1] = Turn(last.speaker, f"{last.text} {turn.text}", last.start_time, turn.end_time)
        else:
            merged.append(turn)
    return merged


def checked(transcript: TranscriptFile, path: Path) -> TranscriptFile:
    """The size bound, and a warning when one voice is all the file holds."""
    chars = sum(len(turn.text) for turn in transcript.turns)
    if chars > MAX_TRANSCRIPT_CHARS:
        raise TranscriptFileError(
            f"{path}: {chars:,} characters of speech, over the {MAX_TRANSCRIPT_CHARS:,} a transcript may "
            "hold (about 20 hours); split it into its calls"
        )
    speakers = {turn.speaker for turn in transcript.turns}
    warnings = list(transcript.warnings)
    if len(speakers) == 1:
        (only,) = speakers
        warnings.append(
            f"{path}: every line is {only}'s: a summary reads better with both sides of the call "
            "(check the speaker labels)"
        )
    return TranscriptFile(transcript.call_id, transcript.turns, transcript.format, tuple(warnings))
