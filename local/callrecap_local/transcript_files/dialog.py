"""Dialog JSONL (../shared/data/README.md): `{"id", "turns": [{"speaker", "text"}], ...}` a line; the
first row, or the row whose id is asked for."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from callrecap.domain.models import Speaker, Turn
from callrecap_local.transcript_files.base import FileFormat, TranscriptFile, TranscriptFileError


def json_rows(text: str, path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
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


def first_row(text: str, path: Path) -> dict[str, Any]:
    for _, row in json_rows(text, path):
        return row
    raise TranscriptFileError(f"{path}: the file is empty")


def read_dialog(text: str, path: Path, dialog_id: str | None = None) -> TranscriptFile:
    seen = 0
    for number, row in json_rows(text, path):
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
