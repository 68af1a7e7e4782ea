"""`callrecap` command line: one sub-command per module, dispatched here.

Each command module exposes `add_arguments(parser)` and `run(args) -> int`. Errors that users
can cause (unreadable input, bad flags) surface as `CliError`: non-zero exit, one line on stderr.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence
from typing import NoReturn

COMMANDS: dict[str, tuple[str, str]] = {
    "summarize": ("callrecap_local.cmd_summarize", "summarize one transcript file and print JSON"),
    "replay": ("callrecap_local.cmd_replay", "replay recorded calls through the local stack"),
    "serve": ("callrecap_local.cmd_serve", "run the local stack with the web page and API"),
    "eval": ("callrecap_local.cmd_eval", "score summaries against human references (ROUGE)"),
    "data": ("callrecap_local.cmd_data", "export or delete one call's data in a deployed stack"),
    "quality": ("callrecap_local.cmd_quality", "summary quality from the agents' corrections, per model"),
    "crm-redrive": ("callrecap_local.cmd_crm_redrive", "put the CRM hook's failed events back on the bus"),
    "smoke": ("callrecap_local.cmd_smoke", "smoke-test a deployed stack with one sample call"),
}


class CliError(Exception):
    """A user-facing failure: printed as one line on stderr, exit status 2."""


class OneLineParser(argparse.ArgumentParser):
    """argparse, but a bad flag is one line on stderr like every other user error (no usage
    block): `callrecap serve: error: argument --port: ... (callrecap serve --help)`, exit 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(prog="callrecap", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, (module_name, help_text) in COMMANDS.items():
        module = importlib.import_module(module_name)
        command_parser = sub.add_parser(name, help=help_text, description=help_text)
        module.add_arguments(command_parser)
        command_parser.set_defaults(_run=module.run)
    return parser


def honour_aws_region(environ: dict[str, str] | None = None) -> None:
    """AWS_REGION (what most AWS tools and Lambda set) counts as the region when AWS_DEFAULT_REGION
    (what boto3 reads) is not set, so `AWS_REGION=us-east-1 callrecap summarize --provider bedrock`
    does not end in NoRegionError."""
    env = os.environ if environ is None else environ
    if env.get("AWS_REGION") and not env.get("AWS_DEFAULT_REGION"):
        env["AWS_DEFAULT_REGION"] = env["AWS_REGION"]


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    honour_aws_region()
    try:
        return int(args._run(args))
    except CliError as error:
        print(f"callrecap {args.command}: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `callrecap summarize ... | head`: the reader left; that is not an error of ours.
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())
