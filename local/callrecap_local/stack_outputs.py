"""The outputs of a deployed callrecap stack, for the commands that work against one
(`data`, `crm-redrive`, `smoke`): read once with the caller's AWS credentials."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from callrecap_local.cli import CliError


def stack_outputs(stack: str, *, require: Sequence[str] = (), cloudformation: Any = None) -> dict[str, str]:
    """{OutputKey: OutputValue} of `stack`; a CliError (one line) when it cannot be read or lacks
    one of `require` (an older callrecap, or another stack)."""
    if cloudformation is None:
        import boto3

        cloudformation = boto3.client("cloudformation")
    try:
        stacks = cloudformation.describe_stacks(StackName=stack)["Stacks"]
    except Exception as error:  # botocore ClientError: no such stack, no permission, no region
        raise CliError(f"cannot read stack {stack!r}: {error}") from error
    outputs = {o["OutputKey"]: o["OutputValue"] for s in stacks for o in s.get("Outputs", [])}
    missing = [key for key in require if not outputs.get(key)]
    if missing:
        raise CliError(
            f"stack {stack!r} has no {', '.join(missing)} output: is it a callrecap stack of this version?"
        )
    return outputs
