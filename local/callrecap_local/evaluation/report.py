"""Per-dialog results and the aggregate figures `callrecap eval` prints.

Baselines are scored in the same run on the same dialogs, so a figure is always read next to
the baseline it must beat: LEAD-N is the first N turns of the dialog, verbatim (the usual lead
baseline for dialogue summarization, and the one the reference figures in
../shared/data/README.md were measured with).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from callrecap.domain.models import Turn
from callrecap_local.evaluation.rouge import METRICS, RougeScores, score, tokenize

BASELINES = {"lead2": 2, "lead3": 3}
SCORING = "ROUGE F1, Porter-stemmed, best over references; ROUGE-L is sentence-level LCS (rougeL)"


def lead(turns: Sequence[Turn], n: int) -> str:
    return " ".join(turn.text for turn in turns[:n])


@dataclass(frozen=True)
class DialogResult:
    id: str
    prediction: str
    sections: dict[str, Any]
    rouge: RougeScores
    baselines: dict[str, RougeScores]
    latency_s: float
    llm_calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0
    error: str = ""
    failure_reason: str = ""
    repaired: bool = False
    """The first reply was unusable and the repair request made."""
    output_format: str = ""
    """How the provider asked for the reply's shape (EngineResult.output_format)."""

    @property
    def words(self) -> int:
        return len(tokenize(self.prediction, stemmed=False))

    def out_row(self) -> dict[str, Any]:
        """The --out line: enough to rescore the prediction with any other scorer."""
        row: dict[str, Any] = {"id": self.id, "prediction": self.prediction, "sections": self.sections}
        if self.error:
            row["error"] = self.error
            row["failureReason"] = self.failure_reason
        return row


def score_dialog(
    dialog_id: str,
    turns: Sequence[Turn],
    references: Sequence[str],
    sections: dict[str, Any],
    *,
    latency_s: float,
    llm_calls: int = 0,
    input_tokens: int = 0,
    output_tokens: int = 0,
    cost_usd: float = 0.0,
    error: str = "",
    failure_reason: str = "",
    repaired: bool = False,
    output_format: str = "",
) -> DialogResult:
    summary = sections.get("summary", "")
    prediction = summary if isinstance(summary, str) else " ".join(map(str, summary))
    return DialogResult(
        id=dialog_id,
        prediction=prediction,
        sections=sections,
        rouge=score(prediction, references),
        baselines={name: score(lead(turns, n), references) for name, n in BASELINES.items()},
        latency_s=latency_s,
        llm_calls=llm_calls,
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        cost_usd=cost_usd,
        error=error,
        failure_reason=failure_reason,
        repaired=repaired,
        output_format=output_format,
    )


def percentile(values: Sequence[float], fraction: float) -> float:
    """Linear interpolation between closest ranks (numpy's default); 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    position = (len(ordered) - 1) * fraction
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _mean_scores(scores: Sequence[RougeScores]) -> dict[str, float]:
    if not scores:
        return {name: 0.0 for name in METRICS}
    return {name: round(sum(getattr(s, name) for s in scores) / len(scores), 4) for name in METRICS}


@dataclass
class EvalReport:
    file: str
    split: str
    split_description: str
    provider: str
    model: str
    engine_path: str
    results: list[DialogResult] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """Every figure; ROUGE (prediction and baselines alike) over the dialogs that were
        summarized, so one failure does not read as a bad summary: failures are counted apart."""
        everything = self.results
        n = len(everything)
        results = [r for r in everything if not r.error]
        prediction = _mean_scores([r.rouge for r in results])
        baselines = {name: _mean_scores([r.baselines[name] for r in results]) for name in BASELINES}
        latencies_ms = [r.latency_s * 1000 for r in everything]
        calls = sum(r.llm_calls for r in everything)
        input_tokens = sum(r.input_tokens for r in everything)
        output_tokens = sum(r.output_tokens for r in everything)
        cost = sum(r.cost_usd for r in everything)
        failures = Counter(r.failure_reason or "UNKNOWN" for r in everything if r.error)
        return {
            "file": self.file,
            "split": self.split,
            "splitDescription": self.split_description,
            "dialogs": n,
            "scored": len(results),
            "failed": n - len(results),
            "successRatio": round(len(results) / n, 4) if n else 0.0,
            "failedByReason": dict(failures.most_common()),
            "parsedWithoutRepair": sum(1 for r in results if not r.repaired),
            "repaired": sum(1 for r in everything if r.repaired),
            "outputFormats": dict(Counter(r.output_format for r in everything if r.output_format)),
            "provider": self.provider,
            "model": self.model,
            "enginePath": self.engine_path,
            "scoring": SCORING,
            "rouge": {"prediction": prediction, **baselines},
            "rougeLRatio": {
                name: round(prediction["rougeL"] / figures["rougeL"], 3) if figures["rougeL"] else None
                for name, figures in baselines.items()
            },
            "meanSummaryWords": round(sum(r.words for r in results) / n, 1) if n else 0.0,
            "llm": {
                "calls": calls,
                "callsPerDialog": round(calls / n, 2) if n else 0.0,
                "inputTokens": input_tokens,
                "outputTokens": output_tokens,
                "estimatedCostUsd": round(cost, 6),
                "estimatedCostPerDialogUsd": round(cost / n, 6) if n else 0.0,
            },
            "latencyMsPerDialog": {
                "p50": round(percentile(latencies_ms, 0.50), 2),
                "p95": round(percentile(latencies_ms, 0.95), 2),
                "max": round(max(latencies_ms, default=0.0), 2),
            },
        }


def format_text(figures: dict[str, Any]) -> str:
    """The human-readable table (the --json output carries the same figures)."""
    rouge = figures["rouge"]
    lines = [
        f"file      {figures['file']}",
        f"rows      {figures['dialogs']} dialogs, {figures['splitDescription']}",
        f"provider  {figures['provider']} (model {figures['model']}, {figures['enginePath']} path)",
        f"scoring   {figures['scoring']}",
        "",
        f"{'':<12}{'ROUGE-1':>9}{'ROUGE-2':>9}{'ROUGE-L':>9}",
    ]
    for label, key in (("prediction", "prediction"), ("LEAD-2", "lead2"), ("LEAD-3", "lead3")):
        row = rouge[key]
        lines.append(f"{label:<12}{row['rouge1']:>9.3f}{row['rouge2']:>9.3f}{row['rougeL']:>9.3f}")
    ratio = figures["rougeLRatio"]
    lines += [
        "",
        f"ROUGE-L vs LEAD-2  {_ratio(ratio['lead2'])}    vs LEAD-3  {_ratio(ratio['lead3'])}",
        f"summary length     {figures['meanSummaryWords']} words (mean)",
    ]
    llm = figures["llm"]
    lines.append(
        f"LLM                {llm['calls']} calls ({llm['callsPerDialog']}/dialog), "
        f"{llm['inputTokens']} input + {llm['outputTokens']} output tokens, "
        f"estimated ${llm['estimatedCostUsd']:.4f} (${llm['estimatedCostPerDialogUsd']:.6f}/dialog)"
    )
    latency = figures["latencyMsPerDialog"]
    lines.append(
        f"latency/dialog     p50 {latency['p50']:.1f} ms, p95 {latency['p95']:.1f} ms, "
        f"max {latency['max']:.1f} ms"
    )
    reasons = ", ".join(f"{reason} {count}" for reason, count in figures["failedByReason"].items())
    lines.append(
        f"outcome            {figures['scored']} of {figures['dialogs']} summarized "
        f"({figures['parsedWithoutRepair']} without a repair, {figures['repaired']} repairs)"
        + (f"; FAILED {figures['failed']}: {reasons} (left out of ROUGE)" if figures["failed"] else "")
    )
    if figures["outputFormats"]:
        formats = ", ".join(f"{name} {count}" for name, count in figures["outputFormats"].items())
        lines.append(f"output format      {formats}")
    return "\n".join(lines)


def _ratio(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}x"
