"""The shipped artifact: the app synthesized for this interpreter's Python version (so the bundler
compiles bytecode with it, as a deploy from a machine with that interpreter does), the code asset
and the layer copied read-only like Lambda's /var/task and /opt; and the bundle's size."""

from __future__ import annotations

import io
import json
import os
import shutil
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

from bench.common import REPO_ROOT, subprocess_env

_IGNORED_PARTS = {"__pycache__", ".mypy_cache", ".pytest_cache"}


def artifact_env(artifact: Path) -> dict[str, str]:
    """Lambda's import path: the code asset, then the layer, then the runtime (boto3 from here)."""
    env = subprocess_env()
    env["PYTHONPATH"] = os.pathsep.join([str(artifact / "task"), str(artifact / "opt" / "python")])
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env["LAMBDA_TASK_ROOT"] = str(artifact / "task")
    return env


def synthesize(outdir: Path, python_version: str) -> tuple[Path, Path]:
    """(code asset dir, layer asset dir) of the app synthesized for `python_version`."""
    env = subprocess_env()
    env["CDK_OUTDIR"] = str(outdir)
    env["CDK_CONTEXT_JSON"] = json.dumps({"pythonRuntime": python_version})
    env.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
    env.setdefault("JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION", "1")
    done = subprocess.run(
        [sys.executable, "app.py"], cwd=REPO_ROOT, env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"synth failed: {done.stderr.strip().splitlines()[-1:]}")
    assets = [p for p in outdir.glob("asset.*") if p.is_dir()]
    code = next(p for p in assets if (p / "callrecap" / "handlers").is_dir())
    layer = next(p for p in assets if (p / "python" / "aws_lambda_powertools").is_dir())
    return code, layer


def read_only_copy(code: Path, layer: Path, target: Path, *, bytecode: bool) -> Path:
    """`target/task` + `target/opt`, made read-only like Lambda's; without bytecode if asked."""
    shutil.copytree(code, target / "task")
    shutil.copytree(layer, target / "opt")
    for path in sorted(target.rglob("*"), reverse=True):
        if not bytecode and (path.suffix == ".pyc" or path.name == "__pycache__"):
            if path.is_dir():
                shutil.rmtree(path)
            else:
                path.unlink()
    for path in [target, *target.rglob("*")]:
        mode = path.stat().st_mode
        path.chmod(mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
    return target


def make_writable(root: Path) -> None:
    for path in [root, *root.rglob("*")]:
        path.chmod(path.stat().st_mode | stat.S_IWUSR)


def bundle_bytes() -> tuple[int, int]:
    """(zipped, unzipped) size of the function code asset."""
    buffer = io.BytesIO()
    raw = 0
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for root, prefix in (
            (REPO_ROOT / "lambdas" / "callrecap", "callrecap"),
            (REPO_ROOT / "prompts", "prompts"),
        ):
            if not root.is_dir():
                continue
            for path in sorted(root.rglob("*")):
                if path.is_file() and not _IGNORED_PARTS.intersection(path.parts) and path.suffix != ".pyc":
                    raw += path.stat().st_size
                    archive.write(path, f"{prefix}/{path.relative_to(root)}")
    return len(buffer.getvalue()), raw


def layer_bytes() -> int | None:
    cache = REPO_ROOT / ".layer-cache"
    if not cache.is_dir():
        return None
    return sum(p.stat().st_size for p in cache.rglob("*") if p.is_file())
