"""Disposition agreement: the `disposition` the summarizer picks for each labelled call against
the label a person gave it (`callrecap eval --dispositions FILE`; docs/evaluation.md).

FILE is a JSON object of recorded calls (or any transcript `callrecap summarize` reads), relative
to the file, and their reference disposition: `{"billing_dispute.jsonl": "billing", ...}`;
samples/dispositions.json labels the repository's sample calls.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from callrecap_local.evaluation.runner import DialogSummarizer
from callrecap_local.transcript_files import TranscriptFileError, read_transcript


class DispositionFileError(ValueError):
    """The labels file cannot be used (one line for the user)."""


@dataclass
class DispositionRow:
    call: str
    expected: str
    predicted: str
    error: str = ""

    @property
    def agrees(self) -> bool:
        return not self.error and self.predicted.lower() == self.expected.lower()


@dataclass
class DispositionReport:
    provider: str
    model: str
    rows: list[DispositionRow] = field(default_factory=list)

    @property
    def agreed(self) -> int:
        return sum(row.agrees for row in self.rows)

    def as_dict(self) -> dict[str, Any]:
        return {
            "provider": self.provider,
            "model": self.model,
            "agreed": self.agreed,
            "calls": len(self.rows),
            "agreement": round(self.agreed / len(self.rows), 3) if self.rows else 0.0,
            "rows": [
                {"call": r.call, "expected": r.expected, "predicted": r.predicted, "error": r.error}
                for r in self.rows
            ],
        }

    def lines(self) -> list[str]:
        out = [f"provider  {self.provider} (model {self.model})", ""]
        width = max((len(r.call) for r in self.rows), default=10)
        for row in self.rows:
            mark = "ok" if row.agrees else "--"
            got = row.error or row.predicted
            out.append(f"  {mark}  {row.call:<{width}}  expected {row.expected!r:<22} got {got!r}")
        share = f"{self.agreed / len(self.rows):.0%}" if self.rows else "-"
        out += ["", f"disposition agreement  {self.agreed}/{len(self.rows)} ({share})"]
        return out


def read_labels(path: Path) -> dict[str, str]:
    try:
        labels = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise DispositionFileError(f"{path}: {error}") from error
    if (
        not isinstance(labels, dict)
        or not labels
        or not all(isinstance(k, str) and isinstance(v, str) and v.strip() for k, v in labels.items())
    ):
        raise DispositionFileError(f"{path}: expected a JSON object of transcript file -> disposition")
    return labels


def disposition_agreement(path: Path, summarizer: DialogSummarizer) -> DispositionReport:
    report = DispositionReport(summarizer.provider, summarizer.model)
    for name, expected in read_labels(path).items():
        try:
            transcript = read_transcript(path.parent / name)
        except TranscriptFileError as unreadable:
            raise DispositionFileError(str(unreadable)) from unreadable
        produced = summarizer(name, transcript.turns)
        predicted = str(produced.sections.get("disposition", ""))
        problem = produced.error or ("" if predicted else "no disposition section in the summary")
        report.rows.append(DispositionRow(name, expected, predicted, problem))
    return report
