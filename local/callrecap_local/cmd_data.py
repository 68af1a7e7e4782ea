"""`callrecap data {export,delete} CALL_ID (--stack NAME | --table NAME)`: one call's data in a
deployed stack, with your own AWS credentials (an operator acting for an admin: a subject-access
request, or a deletion request).

`--stack` reads the table from the stack's `TableName` output; `--table` names it directly.
`export` prints the call record, its segments, summaries and CRM deliveries as one JSON object;
`delete` removes them all and prints how many items went. The same code as the API's admin-only
routes (domain.call_data over adapters.dynamo.call_data). Region and credentials: the usual AWS
settings (AWS_REGION / AWS_DEFAULT_REGION, a profile, AWS_ENDPOINT_URL for a local stack).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from callrecap_local.cli import CliError

TABLE_OUTPUT = "TableName"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", choices=("export", "delete"), help="what to do with the call's data")
    parser.add_argument("call_id", metavar="CALL_ID", help="the call (its callId)")
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--stack", help="a deployed callrecap stack: its TableName output names the table")
    where.add_argument("--table", help="the stack's DynamoDB table")
    parser.add_argument("--yes", action="store_true", help="delete without asking (no prompt on a terminal)")


def table_of_stack(stack: str, cloudformation: Any = None) -> str:
    """The stack's `TableName` output; CliError when the stack or the output is not there."""
    from callrecap_local.stack_outputs import stack_outputs

    return stack_outputs(stack, require=(TABLE_OUTPUT,), cloudformation=cloudformation)[TABLE_OUTPUT]


def run(args: argparse.Namespace) -> int:
    from callrecap.adapters.dynamo.call_data import DynamoCallData
    from callrecap.domain.calls.access import AccessPolicy, Role, Viewer
    from callrecap.domain.calls.browsing import NotFound
    from callrecap.domain.calls.export import CallData

    table = args.table or table_of_stack(args.stack)
    service = CallData(DynamoCallData(table), Viewer(Role.ADMIN, "operator"), AccessPolicy())
    try:
        if args.action == "export":
            print(json.dumps(service.export(args.call_id), indent=2, default=str))
            return 0
        if not args.yes and sys.stdin.isatty():
            answer = input(f"Delete every stored item of call {args.call_id} from {table}? [y/N] ")
            if answer.strip().lower() not in ("y", "yes"):
                print("nothing deleted", file=sys.stderr)
                return 1
        print(json.dumps(service.delete(args.call_id)))
        return 0
    except NotFound as error:
        raise CliError(str(error)) from error
    except Exception as error:
        raise CliError(f"{type(error).__name__}: {error}") from error
