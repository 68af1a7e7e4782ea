"""`callrecap summarize PATH`: summarize one transcript file with the Lambda's engine, print JSON.

The provider, prompts and budget are built exactly as the summarizer Lambda builds them (from the
same CALLRECAP_* settings); `--provider` and `--max-input-tokens` override them. The default is
the offline extractive summarizer, so the command works with no network and no account.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any

from callrecap.settings import AgentChannel
from callrecap_local.cli import CliError
from callrecap_local.transcript_files import TranscriptFileError, read_transcript

if TYPE_CHECKING:
    from callrecap.domain.summaries.engine import EngineResult


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from callrecap.settings import Provider

    parser.add_argument(
        "path",
        metavar="PATH",
        help="dialog JSONL, Amazon Transcribe batch output JSON, or a recorded call (.jsonl)",
    )
    parser.add_argument(
        "--provider",
        choices=[p.value for p in Provider],
        help="summarizer provider (default: CALLRECAP_LLM_PROVIDER, else extractive)",
    )
    parser.add_argument(
        "--id", dest="dialog_id", metavar="ID", help="dialog JSONL row to summarize (default: first)"
    )
    parser.add_argument(
        "--agent-channel",
        choices=[c.value for c in AgentChannel],
        help="the Transcribe channel the agent speaks on (default: CALLRECAP_AGENT_CHANNEL, else ch_1, "
        "the caller on ch_0: the convention of live ingest; docs/events.md)",
    )
    parser.add_argument(
        "--max-input-tokens",
        type=_positive_int,
        default=0,
        metavar="N",
        help="force a token budget (a transcript over it is summarized map-reduce)",
    )
    parser.add_argument(
        "--show-reply",
        action="store_true",
        help="add the model's raw reply to the JSON (a failure prints it to stderr in any case)",
    )


def _positive_int(raw: str) -> int:
    try:
        value = int(raw)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {raw!r}") from error
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value}")
    return value


def run(args: argparse.Namespace) -> int:
    from callrecap.adapters.configured_engine import build_engine
    from callrecap.domain.summaries.prompts import PromptError
    from callrecap.settings import Settings, SettingsError

    try:
        settings = Settings.from_env(require=())
    except SettingsError as error:
        raise CliError(str(error)) from error
    agent_channel = args.agent_channel or settings.agent_channel.value
    try:
        transcript = read_transcript(args.path, dialog_id=args.dialog_id, agent_channel=agent_channel)
    except TranscriptFileError as error:
        raise CliError(str(error)) from error
    try:
        engine = build_engine(settings, provider=args.provider, max_input_tokens=args.max_input_tokens)
        result = engine(transcript.turns, transcript.call_id)
    except (SettingsError, PromptError) as error:
        raise CliError(str(error)) from error
    if result.error:
        print(failure_report(result), file=sys.stderr)
        raise CliError(f"summarizing {transcript.call_id} failed: {result.error}")
    for warning in transcript.warnings:  # after the summary: a failure stays one line
        print(f"warning: {warning}", file=sys.stderr)
    output: dict[str, Any] = {
        "callId": transcript.call_id,
        "sections": result.sections,
        "provider": result.provider,
        "model": result.model,
        "llmCalls": result.usage.llm_calls,
        "inputTokens": result.usage.input_tokens,
        "outputTokens": result.usage.output_tokens,
        "strategy": str(result.strategy),
        "outputFormat": result.output_format,
        "repaired": result.repaired,
    }
    if args.show_reply:
        output["rawReply"] = result.raw_reply
    json.dump(output, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")
    return 0


REPLY_PREVIEW_CHARS = 4_000


def failure_report(result: EngineResult) -> str:
    """What a failed run did, for whoever has to find out why: the typed reason, who was asked
    and how, what it cost, and the model's own reply (cut at REPLY_PREVIEW_CHARS)."""
    lines = [
        f"failureReason: {result.failure_reason}",
        f"provider: {result.provider}  model: {result.model}  strategy: {result.strategy}"
        + (f"  outputFormat: {result.output_format}" if result.output_format else ""),
        f"llmCalls: {result.usage.llm_calls}  inputTokens: {result.usage.input_tokens}  "
        f"outputTokens: {result.usage.output_tokens}  repaired: {str(result.repaired).lower()}",
    ]
    if result.raw_reply:
        reply = result.raw_reply
        cut = (
            f" (first {REPLY_PREVIEW_CHARS} of {len(reply)} characters)"
            if len(reply) > REPLY_PREVIEW_CHARS
            else ""
        )
        lines += [f"model reply{cut}:", reply[:REPLY_PREVIEW_CHARS]]
    else:
        lines.append("model reply: (none)")
    return "\n".join(lines)
