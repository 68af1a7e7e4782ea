"""Build the CDK app: context defaults from cdk.json, typed config, the stack, cdk-nag.

`python app.py` runs without the CDK CLI, which is what normally reads cdk.json, so its
context is loaded here as defaults; the CLI's own context (cdk.json, -c flags) arrives through
CDK_CONTEXT_JSON and overrides them.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import aws_cdk as cdk
from cdk_nag import AwsSolutionsChecks

from infra.config import load_config
from infra.stack import CallRecapStack

CDK_JSON = Path(__file__).resolve().parent.parent / "cdk.json"


def default_context() -> dict[str, Any]:
    data = json.loads(CDK_JSON.read_text())
    return dict(data.get("context", {}))


def build_app(
    context: Mapping[str, Any] | None = None, outdir: str | None = None
) -> tuple[cdk.App, CallRecapStack]:
    """`context` (tests) is merged over cdk.json's context; everything is validated before any construct."""
    merged = default_context()
    if context:
        nested = dict(merged.get("callrecap", {}))
        nested.update(context)
        merged["callrecap"] = nested
    # The CDK CLI passes CDK_OUTDIR; `python app.py` alone writes to ./cdk.out like the CLI would.
    outdir = outdir or os.environ.get("CDK_OUTDIR") or str(CDK_JSON.parent / "cdk.out")
    app = cdk.App(context=merged, outdir=outdir)
    config = load_config(app.node.try_get_context, app.node.get_all_context())
    account = os.environ.get("CDK_DEFAULT_ACCOUNT")
    region = os.environ.get("CDK_DEFAULT_REGION")
    env = cdk.Environment(account=account, region=region) if account and region else None
    stack = CallRecapStack(app, config.stack_name, config=config, env=env)
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    return app, stack


def synth_warnings(assembly: Any) -> list[str]:
    """The warnings and errors the constructs attached, one line each, as the CDK CLI prints them
    (`python app.py` alone prints nothing of them: app.py passes these on to stderr)."""
    lines = []
    for stack in assembly.stacks:
        for message in stack.messages:
            level = str(message.level).rsplit(".", 1)[-1].lower()
            if level in ("warning", "error"):
                lines.append(f"[{level.capitalize()} at {message.id}] {message.entry.data}")
    return lines
