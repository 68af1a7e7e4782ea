"""Read a call transcript from the files `callrecap summarize` accepts, as speaker-labelled turns.

The format is detected from the content, not the extension: Amazon Transcribe batch output
(transcribe_batch.py); Transcribe Call Analytics and Contact Lens post-call output
(analytics_output.py); WebVTT and SRT captions and plain `Speaker: text` lines (captions.py);
dialog JSONL (dialog.py); a recorded call or a dump of stream records (recorded_call.py). Every
file is held to the limits in base.py, and a transcript of one speaker comes with a warning.
Every problem is a `TranscriptFileError` whose message names the file (and line) and the cause;
a file of no known format is answered with the list of those that are.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from callrecap.settings import AgentChannel
from callrecap_local.transcript_files.analytics_output import is_analytics_output, read_analytics_output
from callrecap_local.transcript_files.base import (
    ACCEPTED_FORMATS,
    MAX_FILE_BYTES,
    MAX_TRANSCRIPT_CHARS,
    FileFormat,
    TranscriptFile,
    TranscriptFileError,
    checked,
)
from callrecap_local.transcript_files.captions import (
    is_srt,
    is_webvtt,
    looks_like_plain_text,
    read_captions,
    read_plain_text,
)
from callrecap_local.transcript_files.dialog import first_row, read_dialog
from callrecap_local.transcript_files.recorded_call import read_recorded_call
from callrecap_local.transcript_files.transcribe_batch import (
    DIARIZED_SPEAKERS,
    read_transcribe_output,
    transcribe_speakers,
)

__all__ = [
    "DIARIZED_SPEAKERS",
    "MAX_FILE_BYTES",
    "MAX_TRANSCRIPT_CHARS",
    "FileFormat",
    "TranscriptFile",
    "TranscriptFileError",
    "read_transcribe_output",
    "read_transcript",
    "transcribe_speakers",
]


def read_transcript(
    path: str | Path, *, dialog_id: str | None = None, agent_channel: str = AgentChannel.CH_1.value
) -> TranscriptFile:
    """The transcript in `path` (see the package doc); `dialog_id` picks a dialog JSONL row;
    `agent_channel` is the Transcribe channel the agent speaks on (CALLRECAP_AGENT_CHANNEL)."""
    path = Path(path)
    text = _read_text(path)
    transcript = _read(text, path, dialog_id, agent_channel)
    return checked(transcript, path)


def _read_text(path: Path) -> str:
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise TranscriptFileError(
                f"{path}: {size:,} bytes, over the {MAX_FILE_BYTES:,} a transcript file may have"
            )
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
    return text


def _read(text: str, path: Path, dialog_id: str | None, agent_channel: str) -> TranscriptFile:
    whole = _whole_json(text)
    not_dialog = f"{path}: --id selects a row of a dialog JSONL file; this is"
    if isinstance(whole, dict) and isinstance(whole.get("results"), dict):
        if dialog_id is not None:
            raise TranscriptFileError(f"{not_dialog} Transcribe output")
        return read_transcribe_output(whole, path, transcribe_speakers(agent_channel))
    json_lines = text.lstrip().startswith(("{", "["))
    if dialog_id is not None and (is_analytics_output(whole) or not json_lines):
        raise TranscriptFileError(f"{not_dialog} not one")
    if isinstance(whole, dict) and is_analytics_output(whole):
        return read_analytics_output(whole, path)
    if is_webvtt(text) or is_srt(text):
        return read_captions(text, path)
    if not json_lines:
        if looks_like_plain_text(text):
            return read_plain_text(text, path)
        raise TranscriptFileError(
            f"{path}: unknown format (not JSON, captions or `Speaker: text` lines): expected {_accepted()}"
        )
    # one JSON object a line (a one-line file too): one of the line formats
    first = first_row(text, path)
    if "turns" in first:
        return read_dialog(text, path, dialog_id)
    if dialog_id is not None:
        raise TranscriptFileError(f"{path}: --id selects a row of a dialog JSONL file; this is not one")
    if "source" in first and "at" in first:
        return read_recorded_call(path, agent_channel)
    try:  # stream records as a producer writes them (LCA events, one a line)?
        return read_recorded_call(path, agent_channel)
    except TranscriptFileError as error:
        raise TranscriptFileError(f"{path}: unknown format: expected {_accepted()}; {error}") from error


def _accepted() -> str:
    return ", ".join(ACCEPTED_FORMATS[:-1]) + " or " + ACCEPTED_FORMATS[-1]


def _whole_json(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return None
