"""Text transcripts people already have: plain `Speaker: text` lines (chat exports, notes, other
tools' "download transcript"), and WebVTT / SRT captions from meeting and softphone tools, whose
cues name the speaker as `<v Name>` or `Name:`.

Speaker names for the two roles ("Agent", "Support rep", "Caller", "Customer 1") become AGENT and
CUSTOMER (base.speaker_named); any other name is kept as a named speaker. A line or cue with no
speaker continues the previous speaker's turn.
"""

from __future__ import annotations

import re
from pathlib import Path

from callrecap.domain.models import Speaker, Turn
from callrecap_local.transcript_files.base import (
    FileFormat,
    TranscriptFile,
    TranscriptFileError,
    merge_consecutive,
    speaker_named,
)

_LABEL = r"(?P<name>[A-Za-z][\w.'\- ]{0,38}?)\s*:\s+(?P<text>\S.*)"
_STAMP = r"(?:\[?\(?\d{1,2}(?::\d{2}){1,2}(?:[.,]\d{1,3})?\)?\]?\s*)?"
PLAIN_LINE = re.compile(rf"^\s*{_STAMP}{_LABEL}$")
"""`Agent: Hello`, `[00:01:02] Customer: Hi`, `Maria Lopez: Thanks`."""
_CUE_TIME = re.compile(
    r"^\s*(?P<start>(?:\d+:)?\d{1,2}:\d{2}[.,]\d{1,3})\s*-->\s*(?P<end>(?:\d+:)?\d{1,2}:\d{2}[.,]\d{1,3})"
)
_VOICE = re.compile(r"<v(?:\.[\w.-]+)?\s+([^>]+)>")
_TAG = re.compile(r"</?[^>]+>")
_CUE_LABEL = re.compile(rf"^{_LABEL}$")


def looks_like_plain_text(text: str) -> bool:
    """Most non-empty lines of the first twenty start with a speaker label."""
    lines = [line for line in text.splitlines()[:20] if line.strip()]
    labelled = sum(1 for line in lines if PLAIN_LINE.match(line))
    return bool(lines) and labelled >= max(1, len(lines) // 2)


def is_webvtt(text: str) -> bool:
    return text.lstrip("\ufeff").startswith("WEBVTT")


def is_srt(text: str) -> bool:
    blocks = [b for b in re.split(r"\n\s*\n", text.strip()) if b.strip()]
    if not blocks:
        return False
    lines = blocks[0].strip().splitlines()
    return len(lines) >= 2 and lines[0].strip().isdigit() and bool(_CUE_TIME.match(lines[1]))


def read_plain_text(text: str, path: Path) -> TranscriptFile:
    turns: list[Turn] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        match = PLAIN_LINE.match(line)
        if match:
            turns.append(Turn(speaker_named(match["name"]), match["text"].strip()))
        elif turns:
            turns.append(Turn(turns[-1].speaker, line.strip()))
        else:
            raise TranscriptFileError(f"{path}:{number}: expected `Speaker: text`, got {line.strip()[:60]!r}")
    return TranscriptFile(path.stem, merge_consecutive(turns), FileFormat.PLAIN_TEXT)


def _seconds(stamp: str) -> float:
    parts = stamp.replace(",", ".").split(":")
    seconds = 0.0
    for part in parts:
        seconds = seconds * 60 + float(part)
    return seconds


def read_captions(text: str, path: Path) -> TranscriptFile:
    """WebVTT or SRT: each cue's time line, then its text (the SRT cue number and VTT notes and
    styles are skipped)."""
    kind = FileFormat.WEBVTT if is_webvtt(text) else FileFormat.SRT
    turns: list[Turn] = []
    for block in re.split(r"\n\s*\n", text.lstrip("\ufeff").replace("\r\n", "\n")):
        lines = [line for line in block.strip().splitlines() if line.strip()]
        timing = next((i for i, line in enumerate(lines) if _CUE_TIME.match(line)), None)
        if timing is None:
            continue  # the WEBVTT header, NOTE, STYLE or REGION blocks
        times = _CUE_TIME.match(lines[timing])
        assert times is not None
        start, end = _seconds(times["start"]), _seconds(times["end"])
        for raw in lines[timing + 1 :]:
            voice = _VOICE.search(raw)
            words = " ".join(_TAG.sub("", raw).split())
            if not words:
                continue
            if voice:
                speaker = speaker_named(voice.group(1))
            elif labelled := _CUE_LABEL.match(words):
                speaker, words = speaker_named(labelled["name"]), labelled["text"]
            else:
                speaker = turns[-1].speaker if turns else Speaker.UNKNOWN.value
            turns.append(Turn(speaker, words, start, end))
    if not turns:
        raise TranscriptFileError(f"{path}: the {kind.value} file has no cues with text")
    return TranscriptFile(path.stem, merge_consecutive(turns), kind)
