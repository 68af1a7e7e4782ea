"""Dialog files (JSONL) for evaluation, and the tune/report split.

One JSON object a line: `{"id": str, "turns": [{"speaker": str, "text": str}], "summaries": [str]}`
(`source` and any other key are ignored). Rows are split by position: even rows (0, 2, 4, ...)
are the *tune* half, odd rows the *report* half, so a figure quoted from the report half was
never looked at while choosing the summarizer's knobs.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from callrecap.domain.models import Turn


class DialogFileError(ValueError):
    """The file cannot be read as a dialog file; the message names the file and line."""


class Split(StrEnum):
    ALL = "all"
    TUNE = "tune"  # even rows
    REPORT = "report"  # odd rows

    def keeps(self, row_index: int) -> bool:
        if self is Split.ALL:
            return True
        return (row_index % 2 == 0) == (self is Split.TUNE)


SPLIT_DESCRIPTION = {
    Split.ALL: "all rows",
    Split.TUNE: "tune half (even rows 0, 2, 4, ...)",
    Split.REPORT: "report half (odd rows 1, 3, 5, ...; never used for tuning)",
}


@dataclass(frozen=True)
class Dialog:
    id: str
    turns: list[Turn]
    references: list[str]


def read_dialogs(path: Path, *, split: Split = Split.ALL, limit: int | None = None) -> Iterator[Dialog]:
    """Yield the dialogs of `path` kept by `split`, at most `limit` of them."""
    try:
        handle = path.open(encoding="utf-8")
    except OSError as error:
        raise DialogFileError(f"cannot read {path}: {error.strerror or error}") from error
    kept = 0
    row_index = 0
    with handle:
        for line_number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            index = row_index
            row_index += 1
            if not split.keeps(index):
                continue
            if limit is not None and kept >= limit:
                return
            yield _parse(line, path, line_number, index)
            kept += 1


def _parse(line: str, path: Path, line_number: int, row_index: int) -> Dialog:
    where = f"{path}:{line_number}"
    try:
        row = json.loads(line)
    except json.JSONDecodeError as error:
        raise DialogFileError(f"{where}: not JSON ({error.msg})") from error
    if not isinstance(row, dict):
        raise DialogFileError(f"{where}: expected a JSON object")
    turns = row.get("turns")
    if not isinstance(turns, list) or not all(
        isinstance(t, dict) and isinstance(t.get("text"), str) for t in turns
    ):
        raise DialogFileError(f"{where}: 'turns' must be a list of {{speaker, text}} objects")
    summaries = row.get("summaries", [])
    if isinstance(summaries, str):
        summaries = [summaries]
    if not isinstance(summaries, list) or not all(isinstance(s, str) for s in summaries):
        raise DialogFileError(f"{where}: 'summaries' must be a list of strings")
    return Dialog(
        id=str(row.get("id") or f"row-{row_index}"),
        turns=[Turn(speaker=str(t.get("speaker") or ""), text=t["text"]) for t in turns],
        references=summaries,
    )
