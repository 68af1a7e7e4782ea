"""Cold start: import time of each handler module vs a bare `import boto3`, and the bundle size.

Import time is measured as the Lambda runtime pays it: a fresh interpreter per run, with
`python -X importtime`, summing the cumulative time of every top-level import made by
`import callrecap.handlers.<name>` (modules the interpreter imported at start-up excluded).
Median of several runs, interleaved with the boto3 baseline so load on the machine hits both.

The bundle is what infra/bundling.py's CodeBundler puts in the function asset (one asset shared
by every function): lambdas/callrecap plus prompts/, caches excluded, zipped as Lambda stores it.
The dependency layer (Powertools, Jinja2) is measured aside.
"""

from __future__ import annotations

import importlib.util
import io
import subprocess
import sys
import zipfile
from pathlib import Path

from bench.common import REPO_ROOT, BenchResult, Size, Target, command, median, subprocess_env

NAME = "cold_start"

HANDLER_TARGETS = {
    "ingest": 1.5,
    "lifecycle": 1.5,
    "api": 1.5,
    "summarizer": 2.0,
    "sweeper": 2.0,
    "crm_hook": 2.0,
}
"""Handler module -> allowed import time as a multiple of bare `import boto3`."""

BUNDLE_LIMIT_BYTES = 5 * 1024 * 1024
_IGNORED_PARTS = {"__pycache__", ".mypy_cache", ".pytest_cache"}


def _importtime_us(statement_module: str | None) -> float:
    """Microseconds spent importing `statement_module` (None: start-up only, returns 0)."""
    code = f"import {statement_module}" if statement_module else "pass"
    completed = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code],
        capture_output=True,
        text=True,
        env=subprocess_env(),
        check=False,
        cwd=REPO_ROOT,
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

    samples: dict[str, list[float]] = {"boto3": [], **{h: [] for h in present}}
    for _ in range(runs):
        samples["boto3"].append(_importtime_us("boto3"))
        for handler in present:
            samples[handler].append(_importtime_us(f"callrecap.handlers.{handler}"))
    baseline_ms = median(samples["boto3"]) / 1000
    result.figures["runs"] = runs
    result.figures["boto3_ms"] = round(baseline_ms, 1)
    result.lines.append(
        f"import boto3 (baseline): {baseline_ms:.0f} ms (median of {runs} fresh interpreters)"
    )
    for handler in HANDLER_TARGETS:
        limit = HANDLER_TARGETS[handler]
        if handler not in present:
            if size is not Size.TINY:
                result.targets.append(
                    Target(f"{handler} import <= {limit}x boto3", None, "handler not present yet")
                )
            continue
        ms = median(samples[handler]) / 1000
        ratio = ms / baseline_ms if baseline_ms else 0.0
        result.figures[f"{handler}_ms"] = round(ms, 1)
        result.figures[f"{handler}_ratio"] = round(ratio, 2)
        result.lines.append(f"import callrecap.handlers.{handler}: {ms:.0f} ms = {ratio:.2f}x boto3")
        result.targets.append(Target(f"{handler} import <= {limit}x boto3", ratio <= limit, f"{ratio:.2f}x"))

    zipped, raw = bundle_bytes()
    result.figures["bundle_zip_bytes"] = zipped
    result.figures["bundle_raw_bytes"] = raw
    result.lines.append(
        f"function bundle (package + prompts, one asset for every function): {zipped / 1024:.0f} KiB zipped, "
        f"{raw / 1024:.0f} KiB unzipped"
    )
    layer = _layer_bytes()
    if layer is not None:
        result.figures["layer_cache_bytes"] = layer
        result.lines.append(f"dependency layer (aside, .layer-cache): {layer / 1024 / 1024:.1f} MiB unzipped")
    result.targets.append(
        Target("each bundle < 5 MB, layer aside", zipped < BUNDLE_LIMIT_BYTES, f"{zipped / 1024:.0f} KiB")
    )
    return result


def main_path() -> Path:
    return Path(__file__)
