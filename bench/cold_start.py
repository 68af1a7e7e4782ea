"""Cold start: import time of each handler module vs a bare `import boto3`, and the bundle size.

Import time is measured as the Lambda runtime pays it: a fresh interpreter per run, with
`python -X importtime`, summing the cumulative time of every top-level import made by
`import callrecap.handlers.<name>` (modules the interpreter imported at start-up excluded).
Median of several runs, interleaved with the boto3 baseline so load on the machine hits both.

The headline is the SHIPPED artifact: the app is synthesized into a scratch cdk.out with
`pythonRuntime` = this interpreter's version (so the bundler compiles bytecode with it, as a
deploy from a machine with that interpreter does), the code asset and the layer are copied to a
read-only directory like Lambda's /var/task and /opt, and each handler is imported from there
with bytecode writing disabled. Beside it: the same artifact with its `.pyc` removed (what a
deploy ships when no interpreter of the runtime's version is found: every cold start compiles),
and the source tree with its caches (the figure this benchmark reported before).

The bundle is what infra/bundling.py's CodeBundler puts in the function asset (one asset shared
by every function): lambdas/callrecap plus prompts/, caches excluded, zipped as Lambda stores it.
The dependency layer (Powertools, Jinja2) is measured aside.
"""

from __future__ import annotations

import importlib.util
import io
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from bench.common import REPO_ROOT, BenchResult, Size, Target, command, median, subprocess_env

NAME = "cold_start"

HANDLER_TARGETS = {
    "ingest": 1.0,
    "lifecycle": 1.5,
    "api": 1.0,
    "summarizer": 1.5,
    "sweeper": 1.5,
    "crm_hook": 1.5,
}
"""Handler module -> allowed import time of the shipped artifact, as a multiple of `import boto3`."""

BUNDLE_LIMIT_BYTES = 5 * 1024 * 1024
_IGNORED_PARTS = {"__pycache__", ".mypy_cache", ".pytest_cache"}


def _importtime_us(statement_module: str | None, artifact: Path | None = None) -> float:
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


def _make_writable(root: Path) -> None:
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


def _layer_bytes() -> int | None:
    cache = REPO_ROOT / ".layer-cache"
    if not cache.is_dir():
        return None
    return sum(p.stat().st_size for p in cache.rglob("*") if p.is_file())


Samples = dict[str, dict[str, list[float]]]


def _measure(
    samples: dict[str, dict[str, list[float]]],
    variants: dict[str, Path | None],
    handlers: list[str],
    runs: int,
) -> None:
    for _ in range(runs):
        samples["baseline"]["boto3"].append(_importtime_us("boto3"))
        for variant, artifact in variants.items():
            for handler in handlers:
                samples[variant][handler].append(_importtime_us(f"callrecap.handlers.{handler}", artifact))


def run(size: Size) -> BenchResult:
    result = BenchResult(NAME, command(NAME, size))
    runs = {Size.TINY: 1, Size.QUICK: 5, Size.FULL: 11}[size]
    present = [
        h for h in HANDLER_TARGETS if (REPO_ROOT / "lambdas" / "callrecap" / "handlers" / f"{h}.py").is_file()
    ]
    if size is Size.TINY:
        present = present[:1]
    if importlib.util.find_spec("boto3") is None:
        result.skipped = "boto3 is not installed"
        return result

    version = f"{sys.version_info[0]}.{sys.version_info[1]}"
    scratch = Path(tempfile.mkdtemp(prefix="callrecap-cold-start-"))
    try:
        code, layer = synthesize(scratch / "cdk.out", version)
        variants: dict[str, Path | None] = {
            "shipped": read_only_copy(code, layer, scratch / "shipped", bytecode=True),
            "source-only": read_only_copy(code, layer, scratch / "source-only", bytecode=False),
            "tree": None,
        }
        samples: Samples = {"baseline": {"boto3": []}, **{v: {h: [] for h in present} for v in variants}}
        _measure(samples, variants, present, runs)
    finally:
        _make_writable(scratch)
        shutil.rmtree(scratch, ignore_errors=True)

    baseline_ms = median(samples["baseline"]["boto3"]) / 1000
    result.figures["runs"] = runs
    result.figures["python"] = version
    result.figures["boto3_ms"] = round(baseline_ms, 1)
    result.lines.append(
        f"import boto3 (baseline): {baseline_ms:.0f} ms "
        f"(median of {runs} fresh interpreters, Python {version})"
    )
    result.lines.append(
        "handler import, ms and x boto3: shipped artifact (read-only, bytecode) "
        "| same without .pyc | source tree"
    )
    for handler in HANDLER_TARGETS:
        limit = HANDLER_TARGETS[handler]
        if handler not in present:
            continue
        cells = []
        for variant in variants:
            ms = median(samples[variant][handler]) / 1000
            ratio = ms / baseline_ms if baseline_ms else 0.0
            key = {"shipped": "", "source-only": "_source_only", "tree": "_tree"}[variant]
            result.figures[f"{handler}{key}_ms"] = round(ms, 1)
            result.figures[f"{handler}{key}_ratio"] = round(ratio, 2)
            cells.append(f"{ms:.0f} ms = {ratio:.2f}x")
        result.lines.append(f"  {handler}: " + " | ".join(cells))
        shipped = result.figures[f"{handler}_ratio"]
        result.targets.append(
            Target(f"{handler} (shipped) import <= {limit}x boto3", shipped <= limit, f"{shipped:.2f}x")
        )

    zipped, raw = bundle_bytes()
    result.figures["bundle_zip_bytes"] = zipped
    result.figures["bundle_raw_bytes"] = raw
    result.lines.append(
        f"function bundle (package + prompts, one asset for every function): {zipped / 1024:.0f} KiB zipped, "
        f"{raw / 1024:.0f} KiB unzipped (sources; the shipped asset adds its bytecode)"
    )
    layer_size = _layer_bytes()
    if layer_size is not None:
        result.figures["layer_cache_bytes"] = layer_size
        result.lines.append(
            f"dependency layers (aside, .layer-cache): {layer_size / 1024 / 1024:.1f} MiB unzipped"
        )
    result.targets.append(
        Target("each bundle < 5 MB, layer aside", zipped < BUNDLE_LIMIT_BYTES, f"{zipped / 1024:.0f} KiB")
    )
    return result


def main_path() -> Path:
    return Path(__file__)
