"""Regenerate lambdas/requirements.lock: pip's resolution of [project].dependencies for the layer's
platform (manylinux2014_aarch64, the default runtime's Python), transitive dependencies included.

    make lock        # = .venv/bin/python -m infra.layer_lock
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

from infra.bundling import LOCK_FILE, PLATFORM, runtime_dependencies
from infra.config import DeployConfig

HEADER_END = "# Regenerate"


def resolve(requirements: list[str], python_version: str) -> list[str]:
    """`name==version` for everything pip would install for the layer, sorted by name."""
    with tempfile.TemporaryDirectory() as scratch:
        report = Path(scratch) / "report.json"
        command = [
            sys.executable, "-m", "pip", "install", "--quiet", "--dry-run", "--ignore-installed",
            "--report", str(report), "--platform", PLATFORM, "--only-binary=:all:",
            "--implementation", "cp", "--python-version", python_version,
            "--target", str(Path(scratch) / "target"), *requirements,
        ]  # fmt: skip
        subprocess.run(command, check=True, capture_output=True, text=True)  # noqa: S603 (fixed argv)
        installs = json.loads(report.read_text())["install"]
    pins = {
        item["metadata"]["name"].lower().replace("_", "-"): item["metadata"]["version"] for item in installs
    }
    return [f"{name}=={version}" for name, version in sorted(pins.items())]


def main() -> None:
    header = []
    for line in LOCK_FILE.read_text(encoding="utf-8").splitlines():
        header.append(line)
        if line.startswith(HEADER_END):
            break
    pins = resolve(runtime_dependencies(), DeployConfig().python_runtime)
    LOCK_FILE.write_text("\n".join([*header, *pins]) + "\n", encoding="utf-8")
    print(f"{LOCK_FILE.relative_to(LOCK_FILE.parents[1])}: {len(pins)} pins")


if __name__ == "__main__":
    main()
