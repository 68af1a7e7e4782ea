"""`callrecap smoke --stack NAME`: a smoke test of a deployed stack with one sample call
(callrecap_local.smoke says what it does). With your own AWS credentials, allowed to read the
stack, manage users of its pool and put records on its stream. Exit 0 when the call got its
transcript and a COMPLETED final summary, 1 otherwise, 2 when the test could not run."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from callrecap_local.cli import CliError
from callrecap_local.smoke import Step

DEFAULT_SAMPLE = Path(__file__).resolve().parents[2] / "samples" / "password_reset.jsonl"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--stack", help="the deployed callrecap stack (its outputs say the rest)")
    where.add_argument(
        "--outputs",
        metavar="FILE",
        help="a JSON file of the outputs instead (StreamName, ApiUrl, UserPoolId, SmokeTestClientId)",
    )
    parser.add_argument(
        "--sample",
        type=Path,
        default=DEFAULT_SAMPLE,
        help="a recorded call of stream records (default samples/password_reset.jsonl, LCA events)",
    )
    parser.add_argument("--speed", type=_positive, default=10.0, help="playback speed (default 10x)")
    parser.add_argument(
        "--timeout", type=_positive, default=300.0, help="seconds to wait for the final summary (default 300)"
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the test call's data (the user is always removed)"
    )
    parser.add_argument("--json", action="store_true", help="print the report as one JSON object")


def _positive(raw: str) -> float:
    try:
        value = float(raw)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {raw!r}") from error
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {raw!r}")
    return value


def run(args: argparse.Namespace) -> int:
    import boto3

    from callrecap_local.recording import RecordingError
    from callrecap_local.smoke import REQUIRED_OUTPUTS, SmokeError, SmokeTest, checked_outputs
    from callrecap_local.stack_outputs import stack_outputs

    try:
        if args.stack:
            outputs = stack_outputs(args.stack, require=REQUIRED_OUTPUTS)
        else:
            try:
                given = json.loads(Path(args.outputs).read_text(encoding="utf-8"))
            except (OSError, ValueError) as error:
                raise CliError(f"--outputs {args.outputs}: {error}") from error
            outputs = checked_outputs(given if isinstance(given, dict) else {}, f"--outputs {args.outputs}")
        test = SmokeTest(
            outputs=outputs,
            cognito=boto3.client("cognito-idp"),
            kinesis=boto3.client("kinesis"),
            sample=args.sample,
            speed=args.speed,
            timeout=args.timeout,
            keep=args.keep,
            on_step=(lambda step: None) if args.json else _print_step,
        )
        if not args.json:
            print(
                f"smoke test of {args.stack or args.outputs}: {args.sample.name} at {args.speed:g}x",
                flush=True,
            )
        report = test.run()
    except (SmokeError, RecordingError) as error:
        raise CliError(str(error)) from error
    if args.json:
        print(json.dumps(report.as_dict()))
    else:
        print("PASS" if report.passed else f"FAIL: {report.failure}")
    return 0 if report.passed else 1


def _print_step(step: Step) -> None:
    print(step.line(), flush=True)
