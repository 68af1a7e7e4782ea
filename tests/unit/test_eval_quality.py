"""The extractive provider's quality claims, on the report halves (odd rows) never used to tune it.

Claims (issue 6): ROUGE-L >= 1.10 x LEAD-2 on tweetsumm_dev and >= LEAD-3 on dialogsum_dev,
baselines scored in the same run. Quality thresholds, not timings: deterministic.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from callrecap_local.evaluation.dialogs import Split, read_dialogs
from callrecap_local.evaluation.report import EvalReport, score_dialog
from callrecap_local.evaluation.runner import build_summarizer


def _report_half(path: Path) -> dict:  # type: ignore[type-arg]
    summarizer = build_summarizer("extractive", environ={})
    report = EvalReport(str(path), "report", "", summarizer.provider, summarizer.model, summarizer.path)
    for dialog in read_dialogs(path, split=Split.REPORT):
        produced = summarizer(dialog.id, dialog.turns)
        report.results.append(
            score_dialog(dialog.id, dialog.turns, dialog.references, produced.sections, latency_s=0.0)
        )
    return report.as_dict()


@pytest.mark.parametrize(
    ("file_name", "baseline", "factor"),
    [("tweetsumm_dev.jsonl", "lead2", 1.10), ("dialogsum_dev.jsonl", "lead3", 1.00)],
)
def test_extractive_beats_its_baseline_on_the_report_half(
    shared_data: Path, file_name: str, baseline: str, factor: float
) -> None:
    figures = _report_half(shared_data / "dialogs" / file_name)

    assert figures["failed"] == 0
    assert figures["rouge"]["prediction"]["rougeL"] >= factor * figures["rouge"][baseline]["rougeL"]
