"""`callrecap replay` (placeholder until its issue lands)."""

from __future__ import annotations

import argparse

from callrecap_local.cli import CliError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("args", nargs="*")


def run(args: argparse.Namespace) -> int:
    raise CliError("not implemented yet")
