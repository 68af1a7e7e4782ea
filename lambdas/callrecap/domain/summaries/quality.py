"""Summary quality on a deployment's own calls, from what its agents corrected at wrap-up.

One row per model and prompt version (provider, model, prompt hash) over the approved versions:
how many approvals, the share approved unchanged, the mean edit distance per section, how often
the disposition changed and its most common from -> to pairs, the median wrap-up time.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import Any

from callrecap.domain.models import Summary, SummaryKind

TOP_PAIRS = 3


def quality_rows(approved: Iterable[Summary]) -> list[dict[str, Any]]:
    """The report's rows, most approvals first; versions that are not approvals are ignored."""
    groups: dict[tuple[str, str, str], list[Summary]] = defaultdict(list)
    for summary in approved:
        if summary.kind is SummaryKind.APPROVED:
            groups[(summary.provider, summary.model, summary.prompt_hash)].append(summary)
    rows = [_row(key, summaries) for key, summaries in groups.items()]
    return sorted(rows, key=lambda row: (-row["approvals"], row["provider"], row["model"], row["promptHash"]))


def _row(key: tuple[str, str, str], summaries: list[Summary]) -> dict[str, Any]:
    provider, model, prompt_hash = key
    count = len(summaries)
    corrections = [s.corrections for s in summaries]
    distances: dict[str, list[float]] = defaultdict(list)
    for figures in corrections:
        for name, section in (figures.get("sections") or {}).items():
            distances[name].append(float(section.get("editDistance", 0.0)))
    pairs = Counter(
        (str(figures["disposition"]["from"]), str(figures["disposition"]["to"]))
        for figures in corrections
        if isinstance(figures.get("disposition"), dict)
    )
    wrap_ups = [s.wrap_up_seconds for s in summaries if s.wrap_up_seconds >= 0]
    return {
        "provider": provider,
        "model": model,
        "promptHash": prompt_hash,
        "approvals": count,
        "unchangedShare": round(sum(1 for f in corrections if f.get("unchanged")) / count, 4),
        "meanEditDistance": {name: round(statistics.fmean(values), 4) for name, values in distances.items()},
        "dispositionChangeRate": round(sum(pairs.values()) / count, 4),
        "dispositionChanges": [
            {"from": before, "to": after, "count": n} for (before, after), n in pairs.most_common(TOP_PAIRS)
        ],
        "medianWrapUpSeconds": statistics.median(wrap_ups) if wrap_ups else None,
    }


def format_rows(rows: list[dict[str, Any]]) -> str:
    """The table `callrecap quality` prints."""
    if not rows:
        return "no approved summaries in that time"
    lines: list[str] = []
    for row in rows:
        wrap_up = row["medianWrapUpSeconds"]
        lines += [
            f"{row['provider']} {row['model']}  prompts {row['promptHash'][:19]}",
            f"  approvals            {row['approvals']}",
            f"  approved unchanged   {row['unchangedShare']:.0%}",
            f"  disposition changed  {row['dispositionChangeRate']:.0%}"
            + "".join(f"   {p['from']} -> {p['to']} ({p['count']})" for p in row["dispositionChanges"]),
            f"  median wrap-up       {'-' if wrap_up is None else f'{wrap_up:.0f} s'}",
            "  mean edit distance   "
            + ", ".join(f"{name} {value:.2f}" for name, value in row["meanEditDistance"].items()),
            "",
        ]
    return "\n".join(lines).rstrip()
