"""`callrecap quality (--stack NAME | --table NAME) [--since 7d] [--json] [--export FILE]`: summary
quality from the corrections agents made at wrap-up, per model and prompt version
(domain/summaries/quality.py), read from a deployed stack with your own AWS credentials (or the
local stack's table: AWS_ENDPOINT_URL pointing at its moto server, as for `callrecap data`).

`--export FILE` also writes the production test set: one JSONL line per approved call in the
dialog format `callrecap eval` reads (docs/evaluation.md): the transcript turns as the model saw
them (PII replaced by tags, with the PII settings of CALLRECAP_PII_REDACT_BEFORE_MODEL), the
approved summary as the reference, and the approved sections beside it.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from callrecap_local.cli import CliError
from callrecap_local.cmd_data import table_of_stack

_SINCE = re.compile(r"^(\d+)d$")
MAX_DAYS = 90


def add_arguments(parser: argparse.ArgumentParser) -> None:
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--stack", help="a deployed callrecap stack: its TableName output names the table")
    where.add_argument(
        "--table", help="the stack's DynamoDB table (the local stack's, with AWS_ENDPOINT_URL)"
    )
    parser.add_argument(
        "--since", default="7d", help="calls of the last N days, e.g. 7d (default), at most 90d"
    )
    parser.add_argument("--json", action="store_true", help="print the rows as JSON")
    parser.add_argument(
        "--export", type=Path, metavar="FILE", help="write the approved calls as an eval dialog file"
    )


def days_back(raw: str, today: datetime) -> list[str]:
    found = _SINCE.match(raw.strip())
    if not found or not 1 <= int(found.group(1)) <= MAX_DAYS:
        raise CliError(f"--since must be 1d to {MAX_DAYS}d, got {raw!r}")
    return [(today - timedelta(days=n)).date().isoformat() for n in range(int(found.group(1)))]


def approved_calls(queries: Any, summaries: Any, days: list[str]) -> Iterator[tuple[dict[str, Any], Any]]:
    """(call record, newest approved version) of each call of `days` that has one."""
    from callrecap.domain.models import SummaryKind

    for day in days:
        cursor = None
        while True:
            page = queries.list_calls(day, limit=200, cursor=cursor)
            for call in page.items:
                versions = [
                    s for s in summaries.list_summaries(call["callId"]) if s.kind is SummaryKind.APPROVED
                ]
                if versions:
                    yield call, max(versions, key=lambda s: s.version)
            cursor = page.cursor
            if not cursor:
                break


def export_row(call: dict[str, Any], approved: Any, queries: Any, entities: Any) -> dict[str, Any]:
    """One dialog of the production test set (the eval's format, with the approval beside it)."""
    from callrecap.domain.privacy.across_turns import redact_turns
    from callrecap.domain.summaries.runs.service import turns_from_segments

    turns, _ = redact_turns(turns_from_segments(queries.list_segments(call["callId"])), entities)
    return {
        "id": call["callId"],
        "source": "callrecap-approved",
        "turns": [{"speaker": turn.speaker, "text": turn.text} for turn in turns],
        "summaries": [str(approved.sections.get("summary", ""))],
        "approvedSections": approved.sections,
        "approvedVersion": approved.version,
        "basedOn": approved.based_on,
        "provider": approved.provider,
        "model": approved.model,
        "promptHash": approved.prompt_hash,
    }


def run(args: argparse.Namespace) -> int:
    from callrecap.adapters.dynamo.call_queries import CallQueries
    from callrecap.adapters.dynamo.summary_reads import DynamoSummaryReader
    from callrecap.domain.summaries.quality import format_rows, quality_rows
    from callrecap.settings import Settings, SettingsError

    table = args.table or table_of_stack(args.stack)
    days = days_back(args.since, datetime.now(UTC))
    try:
        settings = Settings.from_env(require=())
    except SettingsError as error:
        raise CliError(str(error)) from error
    queries, summaries = CallQueries(table), DynamoSummaryReader(table)
    try:
        found = list(approved_calls(queries, summaries, days))
    except Exception as error:  # botocore: no such table, no credentials, no region
        raise CliError(f"cannot read {table}: {error}") from error
    rows = quality_rows(approved for _, approved in found)
    print(json.dumps({"since": args.since, "rows": rows}, indent=2) if args.json else format_rows(rows))
    if args.export is not None:
        with args.export.open("w", encoding="utf-8") as out:
            for call, approved in found:
                row = export_row(call, approved, queries, settings.pii_redact_before_model)
                out.write(json.dumps(row, ensure_ascii=False, default=str) + "\n")
        print(f"wrote {len(found)} approved calls to {args.export}", file=sys.stderr)
    return 0
