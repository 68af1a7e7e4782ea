"""CDK entry point: `make synth` (or `cdk synth`/`cdk deploy`) runs this file."""

from __future__ import annotations

import sys

from infra.config import ConfigError


def main() -> int:
    import os

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
    return 0


if __name__ == "__main__":
    sys.exit(main())
