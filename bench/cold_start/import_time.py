"""Import time as the Lambda runtime pays it: a fresh interpreter per run with `python -X
importtime`, summing the cumulative time of every top-level import made by
`import callrecap.handlers.<name>` (modules the interpreter imported at start-up excluded)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from bench.cold_start.artifact import artifact_env
from bench.common import REPO_ROOT, subprocess_env


def importtime_us(statement_module: str | None, artifact: Path | None = None) -> float:
    """Microseconds spent importing `statement_module`, from the source tree or from `artifact`
    (a read-only copy of the code asset as `task/` and the layer as `opt/python/`)."""
    code = f"import {statement_module}" if statement_module else "pass"
    env, cwd = subprocess_env(), REPO_ROOT
    if artifact is not None:
        env = artifact_env(artifact)
        cwd = artifact
    completed = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        cwd=cwd,
    )
    if completed.returncode != 0:
        tail = completed.stderr.strip().splitlines()[-1:] or ["?"]
        raise RuntimeError(f"import {statement_module} failed: {tail[0]}")
    return _top_level_cumulative(completed.stderr, _startup_modules())


_STARTUP: set[str] | None = None


def _startup_modules() -> set[str]:
    global _STARTUP
    if _STARTUP is None:
        completed = subprocess.run(
            [sys.executable, "-X", "importtime", "-c", "pass"],
            capture_output=True,
            text=True,
            env=subprocess_env(),
            check=False,
        )
        _STARTUP = {name.strip() for _, name in _parse(completed.stderr)}
    return _STARTUP


def _parse(stderr: str) -> list[tuple[float, str]]:
    rows = []
    for line in stderr.splitlines():
        if not line.startswith("import time:") or "[us]" in line:
            continue
        parts = line.split("|")
        if len(parts) != 3:
            continue
        rows.append((float(parts[1]), parts[2][1:]))  # keep the indentation of the name
    return rows


def _top_level_cumulative(stderr: str, startup: set[str]) -> float:
    return sum(us for us, name in _parse(stderr) if not name.startswith(" ") and name not in startup)
