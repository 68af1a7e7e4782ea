"""`callrecap serve [--port 8000] [--demo]`: the local stack with the web page and the API.

moto's server on loopback stands in for DynamoDB, Kinesis, EventBridge and SQS; the real
handlers run in this process (docs/local.md). Stops cleanly on Ctrl-C (or SIGTERM).
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from pathlib import Path
from types import FrameType
from typing import Any, TextIO

from callrecap_local.cli import CliError
from callrecap_local.provider_options import ProviderOptionError, add_provider_argument, provider_settings

SAMPLES_DIR = Path(__file__).resolve().parents[2] / "samples"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--port", type=int, default=8000, help="port of page + API (0: any free port)")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default loopback only)")
    parser.add_argument(
        "--demo", action="store_true", help="keep replaying samples/*.jsonl in real time so the page is alive"
    )
    parser.add_argument("--demo-speed", type=float, default=1.0, help="playback speed of --demo (default 1)")
    parser.add_argument("--samples", type=Path, default=SAMPLES_DIR, help="recorded calls for --demo")
    parser.add_argument(
        "--sweeper-interval", type=float, default=60.0, help="seconds between sweeper runs (default 60)"
    )
    parser.add_argument(
        "--as",
        dest="viewer",
        default="admin",
        metavar="ROLE",
        help="who the page is signed in as: admin (default), supervisor, or agent:ID (sees only "
        "the calls whose agentId is ID, as a Cognito user in the agents group would)",
    )
    add_provider_argument(parser)
    parser.add_argument("--verbose", action="store_true", help="log every invocation")


def run(args: argparse.Namespace) -> int:
    from callrecap_local.console import handler_output_to_stderr

    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("callrecap_local").setLevel(logging.INFO)
    if args.demo_speed <= 0:
        raise CliError("--demo-speed must be positive")
    if not 0 <= args.port <= 65535:
        raise CliError(f"--port must be 0-65535 (0: any free port), got {args.port}")
    samples = sorted(args.samples.glob("*.jsonl")) if args.demo else []
    if args.demo and not samples:
        raise CliError(f"--demo needs recorded calls in {args.samples}")

    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = signal.signal(signal.SIGTERM, on_signal)
    with handler_output_to_stderr() as out:
        return _serve(args, samples, stop, previous, out)


def _serve(
    args: argparse.Namespace, samples: list[Path], stop: threading.Event, previous: Any, out: TextIO
) -> int:
    from callrecap_local.demo_loop import DemoLoop
    from callrecap_local.lambda_events import local_claims
    from callrecap_local.stack import LocalPipeline, LocalPipelineError

    try:
        local_claims(args.viewer)
    except ValueError as error:
        raise CliError(f"--as: {error}") from error
    try:
        provider = provider_settings(args.provider)
    except ProviderOptionError as error:
        raise CliError(f"--provider: {error}") from error
    stack = LocalPipeline(
        port=args.port,
        host=args.host,
        sweeper_interval=args.sweeper_interval,
        viewer=args.viewer,
        settings_env=provider,
    )
    try:
        stack.start()
    except LocalPipelineError as error:
        raise CliError(str(error)) from error
    demo = DemoLoop(stack, samples, speed=args.demo_speed) if samples else None
    try:
        if demo is not None:
            demo.start()
        print(f"callrecap local stack: open {stack.url}/  (API: {stack.api_url}, Ctrl-C to stop)", file=out)
        if demo is not None:
            print(f"replaying {len(samples)} sample calls from {args.samples} in a loop", file=out)
        out.flush()
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        print("stopping...", file=sys.stderr, flush=True)
        if demo is not None:
            demo.stop()
        stack.stop()
        signal.signal(signal.SIGTERM, previous)
    return 0
