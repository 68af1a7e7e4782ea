"""CDK entry point: `make synth` (or `cdk synth`/`cdk deploy`) runs this file."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

from infra.config import ConfigError

NODE_EOL_SILENCER = "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION"
LAST_END_OF_LIFE_NODE = 20
"""The newest Node.js major past its end of life for jsii, the runtime the CDK's Python runs on."""


def end_of_life_node() -> str:
    """The Node.js version when it is past its end of life for jsii ("" otherwise). jsii prints its
    own banner about it as Python bytes literals (`b'!!  Node 20 is end-of-life ...\\n'`), so it
    is silenced here and said once as text after the synth."""
    if os.environ.get(NODE_EOL_SILENCER):
        return ""
    node = shutil.which("node")
    if node is None:
        return ""
    try:
        version = subprocess.run(  # noqa: S603 (the node on PATH, one fixed argument)
            [node, "--version"], capture_output=True, text=True, timeout=10, check=False
        ).stdout.strip()
        major = int(version.lstrip("v").split(".")[0])
    except (OSError, ValueError, subprocess.SubprocessError):
        return ""
    if major > LAST_END_OF_LIFE_NODE:
        return ""
    os.environ[NODE_EOL_SILENCER] = str(major)  # read by the jsii process the CDK starts
    return version


def main() -> int:
    old_node = end_of_life_node()  # before the CDK (and so jsii) is imported
    from infra.application import build_app, synth_warnings

    try:
        app, _ = build_app()
    except ConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    assembly = app.synth()
    if not os.environ.get("CDK_OUTDIR"):  # `make synth`; under the CDK CLI the CLI prints them
        for line in synth_warnings(assembly):
            print(line, file=sys.stderr)
    if old_node:
        print(
            f"note: the CDK runs on Node.js {old_node}, past its end of life for jsii; the synth works, "
            "but upgrade to a supported Node.js LTS (22 or newer) before relying on it",
            file=sys.stderr,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
