"""`callrecap summarize PATH`: summarize one transcript file with the Lambda's engine, print JSON.

The provider, prompts and budget are built exactly as the summarizer Lambda builds them (from the
same CALLRECAP_* settings); `--provider` and `--max-input-tokens` override them. The default is
the offline extractive summarizer, so the command works with no network and no account.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from callrecap.settings import AgentChannel
from callrecap_local.cli import CliError
from callrecap_local.transcript_files import TranscriptFileError, read_transcript


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
    }
    json.dump(output, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")
    return 0
