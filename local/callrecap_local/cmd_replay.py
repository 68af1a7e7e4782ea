"""`callrecap replay FILE... [--speed X] [--json] [--timeout S]`: the local stack, headless.

Plays recorded calls (several at once, each on its own timeline) through the real handlers,
waits until each has its final summary and its CRM hook delivery, and prints one line per call.
Exit status: 0 when every call completed and was delivered, 1 when any failed or timed out or
ingest quarantined any record of the files (unless --allow-quarantine), 2 for unusable input.
Each line (or JSON object) says the call's agentId and how many of its records were quarantined
and how many ignored as carrying no speech.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from typing import Any

from callrecap_local.cli import CliError
from callrecap_local.provider_options import ProviderOptionError, add_provider_argument, provider_settings
from callrecap_local.recording import RecordingError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", nargs="+", metavar="FILE", help="recorded call files (.jsonl)")
    parser.add_argument(
        "--speed", type=float, default=1.0, help="playback speed: `at` seconds are divided by it (default 1)"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object per call")
    parser.add_argument(
        "--timeout",
        type=float,
        default=120.0,
        help="seconds to wait for summaries and deliveries after the last event is sent (default 120)",
    )
    parser.add_argument(
        "--chime-call-identity",
        choices=("auto", "transactionId", "callId"),
        default="auto",
        help="which metadata field names a Chime record's call (docs/events.md, 'Call identity'); "
        "auto: callId when the recordings hold LCA START/END beside Chime records, else transactionId",
    )
    parser.add_argument(
        "--allow-quarantine",
        action="store_true",
        help="exit 0 even when ingest quarantined records of the files (by default any quarantined "
        "record makes the replay fail: the files hold something the pipeline could not read)",
    )
    add_provider_argument(parser)
    parser.add_argument("--verbose", action="store_true", help="log what the stack and handlers do (stderr)")


def run(args: argparse.Namespace) -> int:
    from callrecap.domain.transcripts.inbound import ChimeCallKey
    from callrecap.settings import EnvVar
    from callrecap_local.console import handler_output_to_stderr
    from callrecap_local.replay_run import (
        chime_call_key_for,
        describe,
        load_all,
        replay_and_wait,
        with_record_counts,
    )
    from callrecap_local.stack import LocalPipeline

    if args.speed <= 0:
        raise CliError("--speed must be positive")
    if args.timeout <= 0:
        raise CliError("--timeout must be positive")
    forced = None if args.chime_call_identity == "auto" else ChimeCallKey(args.chime_call_identity)
    try:
        recordings = load_all(args.files, chime_call_key=forced)
        key = forced or chime_call_key_for(recordings)
    except RecordingError as error:
        raise CliError(str(error)) from error
    settings_env = {EnvVar.CHIME_CALL_KEY.value: key.value} if key else {}
    try:
        settings_env.update(provider_settings(args.provider))
    except ProviderOptionError as error:
        raise CliError(f"--provider: {error}") from error
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    progress = Progress(sys.stderr)
    done: list[Any] = []
    with handler_output_to_stderr() as out:
        try:
            with LocalPipeline(serve_http=False, settings_env=settings_env) as stack:

                def show(result: Any) -> None:  # each call's line the moment it finishes
                    result = with_record_counts(result, stack.quarantined())
                    progress.clear()
                    done.append(result)
                    line = json.dumps(result.as_json()) if args.json else describe(result) + "\n"
                    print(line, file=out, flush=True)

                replay_and_wait(
                    stack,
                    recordings,
                    speed=args.speed,
                    timeout=args.timeout,
                    on_result=show,
                    on_progress=progress.show,
                )
                dead = list(stack.dead_letters)
        except KeyboardInterrupt:
            progress.clear()
            print(
                f"callrecap replay: interrupted; {len(done)} of {len(recordings)} calls had finished",
                file=sys.stderr,
            )
            return 130
        progress.clear()
    for letter in dead:
        print(f"callrecap replay: discarded by {letter.source}: {letter.reason}", file=sys.stderr)
    held = sum(result.outcome.records_quarantined for result in done)
    if held:
        print(
            f"callrecap replay: {held} record(s) of the files were quarantined (ingest could not read "
            "them; --allow-quarantine to accept that)",
            file=sys.stderr,
        )
    failed = not all(result.ok for result in done) or len(done) < len(recordings)
    return 1 if failed or (held and not args.allow_quarantine) else 0


class Progress:
    """One self-overwriting status line on a terminal (nothing when stderr is not one)."""

    def __init__(self, stream: Any) -> None:
        self.stream = stream
        self.enabled = bool(getattr(stream, "isatty", lambda: False)())
        self.shown = 0

    def show(self, line: str) -> None:
        if self.enabled:
            self.stream.write("\r" + line.ljust(self.shown))
            self.stream.flush()
            self.shown = len(line)

    def clear(self) -> None:
        if self.enabled and self.shown:
            self.stream.write("\r" + " " * self.shown + "\r")
            self.stream.flush()
            self.shown = 0
