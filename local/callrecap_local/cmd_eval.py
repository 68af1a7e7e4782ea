"""`callrecap eval PATH.jsonl`: score the summarizer against human summaries (ROUGE), with baselines.

Every dialog goes through the same engine as production (provider, prompts, token budget), is
scored against its references next to the LEAD-2 and LEAD-3 baselines of the same dialog, and
the run reports cost and per-dialog latency. See docs/evaluation.md.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import IO, Any

from callrecap_local.cli import CliError
from callrecap_local.evaluation.dialogs import SPLIT_DESCRIPTION, DialogFileError, Split, read_dialogs
from callrecap_local.evaluation.report import EvalReport, format_text, score_dialog
from callrecap_local.evaluation.runner import EvalSetupError, build_summarizer


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "path", type=Path, nargs="?", metavar="PATH.jsonl", help="dialog file (docs/evaluation.md)"
    )
    parser.add_argument(
        "--dispositions",
        type=Path,
        metavar="FILE",
        help="instead: disposition agreement on labelled calls (e.g. samples/dispositions.json)",
    )
    parser.add_argument(
        "--provider",
        help="bedrock | lambda | openai | extractive (default: CALLRECAP_LLM_PROVIDER, else extractive)",
    )
    parser.add_argument("--limit", type=_positive_int, help="score at most N dialogs (after --split)")
    parser.add_argument(
        "--split",
        choices=[s.value for s in Split],
        default=Split.ALL.value,
        help="all rows (default), the tune half (even rows) or the report half (odd rows)",
    )
    parser.add_argument("--prompts", metavar="DIR", help="prompts directory to evaluate (default: prompts/)")
    parser.add_argument(
        "--max-input-tokens", type=_positive_int, default=0, metavar="N", help="force a token budget"
    )
    parser.add_argument(
        "--min-success",
        type=_ratio,
        default=1.0,
        metavar="RATIO",
        help="exit 1 only when fewer than this share of the dialogs were summarized (default 1.0: any "
        "failure); the failed ones are counted by reason and left out of ROUGE",
    )
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    parser.add_argument(
        "--out", type=Path, metavar="FILE", help='write {"id", "prediction", "sections"} lines'
    )


def _positive_int(raw: str) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {raw!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {raw!r}")
    return value


def _ratio(raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a ratio from 0 to 1, got {raw!r}") from None
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"expected a ratio from 0 to 1, got {raw!r}")
    return value


def run(args: argparse.Namespace) -> int:
    if args.dispositions is not None:
        return _dispositions(args)
    if args.path is None:
        raise CliError("give a dialog file (PATH.jsonl), or --dispositions FILE")
    split = Split(args.split)
    if args.prompts and not Path(args.prompts).is_dir():
        raise CliError(f"--prompts {args.prompts}: no such directory")
    try:
        summarizer = build_summarizer(
            args.provider, prompts_dir=args.prompts, max_input_tokens=args.max_input_tokens
        )
    except EvalSetupError as error:
        raise CliError(str(error)) from error
    try:
        dialogs = list(read_dialogs(args.path, split=split, limit=args.limit))
    except DialogFileError as error:
        raise CliError(str(error)) from error
    if not dialogs:
        raise CliError(f"{args.path}: no dialogs to score ({SPLIT_DESCRIPTION[split]})")

    report = EvalReport(
        file=str(args.path),
        split=split.value,
        split_description=SPLIT_DESCRIPTION[split],
        provider=summarizer.provider,
        model=summarizer.model,
        engine_path=summarizer.path,
    )
    out = _open_out(args.out)
    progress = Progress(len(dialogs), sys.stderr)
    try:
        for dialog in dialogs:
            started = time.perf_counter()
            produced = summarizer(dialog.id, dialog.turns)
            latency = time.perf_counter() - started
            result = score_dialog(
                dialog.id,
                dialog.turns,
                dialog.references,
                produced.sections,
                latency_s=latency,
                llm_calls=produced.llm_calls,
                input_tokens=produced.input_tokens,
                output_tokens=produced.output_tokens,
                cost_usd=summarizer.price(
                    produced.provider, produced.model, produced.input_tokens, produced.output_tokens
                ),
                error=produced.error,
                failure_reason=produced.failure_reason,
                repaired=produced.repaired,
                output_format=produced.output_format,
            )
            report.results.append(result)
            if out is not None:
                out.write(json.dumps(result.out_row(), ensure_ascii=False) + "\n")
            progress.advance()
    finally:
        progress.close()
        if out is not None:
            out.close()

    failed = [result for result in report.results if result.error]
    if failed and len(failed) == len(report.results) and args.min_success > 0:
        first = failed[0]
        raise CliError(f"every dialog failed ({len(failed)}); the first, {first.id}: {first.error}")
    figures = report.as_dict()
    print(json.dumps(figures, indent=2) if args.json else format_text(figures))
    if failed:
        print(f"callrecap eval: {len(failed)} of {len(report.results)} dialogs failed:", file=sys.stderr)
        for result in failed[:10]:
            print(f"  {result.id}: [{result.failure_reason}] {result.error}", file=sys.stderr)
    if figures["successRatio"] < args.min_success:
        print(
            f"callrecap eval: {figures['successRatio']:.0%} of the dialogs were summarized, "
            f"under --min-success {args.min_success:.0%}",
            file=sys.stderr,
        )
        return 1
    return 0


def _open_out(path: Path | None) -> IO[str] | None:
    if path is None:
        return None
    try:
        return path.open("w", encoding="utf-8")
    except OSError as error:
        raise CliError(f"cannot write {path}: {error.strerror or error}") from error


class Progress:
    """A one-line progress bar on stderr, drawn only when stderr is a terminal."""

    WIDTH = 30

    def __init__(self, total: int, stream: Any) -> None:
        self.total = total
        self.done = 0
        self.stream = stream
        self.enabled = bool(getattr(stream, "isatty", lambda: False)())
        self.started = time.monotonic()

    def advance(self) -> None:
        self.done += 1
        if not self.enabled:
            return
        filled = int(self.WIDTH * self.done / self.total)
        elapsed = time.monotonic() - self.started
        remaining = elapsed / self.done * (self.total - self.done)
        bar = "#" * filled + "." * (self.WIDTH - filled)
        self.stream.write(f"\r[{bar}] {self.done}/{self.total}  ~{remaining:.0f}s left ")
        self.stream.flush()

    def close(self) -> None:
        if self.enabled and self.done:
            self.stream.write("\r" + " " * (self.WIDTH + 40) + "\r")
            self.stream.flush()


def _dispositions(args: argparse.Namespace) -> int:
    """`--dispositions FILE`: the summarizer's disposition for each labelled call vs its label."""
    from callrecap_local.evaluation.dispositions import DispositionFileError, disposition_agreement

    if args.prompts and not Path(args.prompts).is_dir():
        raise CliError(f"--prompts {args.prompts}: no such directory")
    try:
        summarizer = build_summarizer(
            args.provider, prompts_dir=args.prompts, max_input_tokens=args.max_input_tokens
        )
        report = disposition_agreement(args.dispositions, summarizer)
    except (EvalSetupError, DispositionFileError) as error:
        raise CliError(str(error)) from error
    if args.json:
        print(json.dumps(report.as_dict()))
    else:
        print("\n".join(report.lines()))
    return 0
