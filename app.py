"""CDK entry point: `make synth` (or `cdk synth`/`cdk deploy`) runs this file."""

from __future__ import annotations

import sys

from infra.config import ConfigError


def main() -> int:
    from infra.application import build_app

    try:
        app, _ = build_app()
    except ConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    app.synth()
    return 0


if __name__ == "__main__":
    sys.exit(main())
