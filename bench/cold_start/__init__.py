"""Cold start: init + the first invocation of each function from the shipped artifact, against a
baseline function that imports boto3, builds one client and makes one call; the import-only
figure beside it; and the bundle size.

The headline is what Lambda bills and a caller waits for (first_invocation.py): a fresh
interpreter imports the handler from a read-only copy of the synthesized code asset and layer
(artifact.py) and handles a representative event against moto's server on loopback. The import
alone (import_time.py, `python -X importtime`) is kept beside it, with `import boto3` as its
baseline: the package imports boto3 lazily, so an import-only figure flatters a handler whose
first invocation still pays boto3, botocore's service models, client creation and Settings.
Medians of several runs, interleaved with the baselines so load on the machine hits all alike.
"""

from __future__ import annotations

import importlib.util
import shutil
import sys
import tempfile
from pathlib import Path

from bench.cold_start.artifact import bundle_bytes, layer_bytes, make_writable, read_only_copy, synthesize
from bench.cold_start.first_invocation import baseline_job, handler_job, pipeline_events, probe
from bench.cold_start.import_time import importtime_us
from bench.common import BenchResult, Size, Target, command, median

NAME = "cold_start"

HANDLER_TARGETS = {
    "ingest": 1.0,
    "lifecycle": 1.5,
    "api": 1.0,
    "summarizer": 1.5,
    "sweeper": 1.5,
    "crm_hook": 1.5,
}
"""Function -> allowed init + first invocation of the shipped artifact, as a multiple of the
baseline function's (import boto3, one client, one call)."""

BUNDLE_LIMIT_BYTES = 5 * 1024 * 1024


def run(size: Size) -> BenchResult:
    result = BenchResult(NAME, command(NAME, size))
    runs = {Size.TINY: 1, Size.QUICK: 3, Size.FULL: 9}[size]
    functions = list(HANDLER_TARGETS)[:1] if size is Size.TINY else list(HANDLER_TARGETS)
    if importlib.util.find_spec("boto3") is None:
        result.skipped = "boto3 is not installed"
        return result
    version = f"{sys.version_info[0]}.{sys.version_info[1]}"
    scratch = Path(tempfile.mkdtemp(prefix="callrecap-cold-start-"))
    first: dict[str, list[float]] = {name: [] for name in ["baseline", *functions]}
    imports: dict[str, list[float]] = {name: [] for name in ["boto3", *functions]}
    try:
        code, layer = synthesize(scratch / "cdk.out", version)
        shipped = read_only_copy(code, layer, scratch / "shipped", bytecode=True)
        with pipeline_events(functions) as (events, stack_env):
            jobs = {f: handler_job(f, events[f]) for f in functions}
            jobs["baseline"] = baseline_job(stack_env["CALLRECAP_BENCH_TABLE"])
            for _ in range(runs):
                for name, job in jobs.items():
                    figures = probe(shipped, stack_env, job)
                    first[name].append(figures["init_ms"] + figures["first_ms"])
                imports["boto3"].append(importtime_us("boto3") / 1000)
                for name in functions:
                    imports[name].append(importtime_us(f"callrecap.handlers.{name}", shipped) / 1000)
    finally:
        make_writable(scratch)
        shutil.rmtree(scratch, ignore_errors=True)

    baseline_ms, boto3_ms = median(first["baseline"]), median(imports["boto3"])
    result.figures.update(
        {
            "runs": runs,
            "python": version,
            "baseline_ms": round(baseline_ms, 1),
            "boto3_ms": round(boto3_ms, 1),
        }
    )
    result.lines.append(
        f"baseline function (import boto3, one client, one GetItem on moto): {baseline_ms:.0f} ms; "
        f"import boto3 alone: {boto3_ms:.0f} ms (medians of {runs} fresh interpreters, Python {version})"
    )
    result.lines.append(
        "per function, shipped artifact: init + first invocation (x baseline) | import only (x boto3)"
    )
    for name in functions:
        total, imported = median(first[name]), median(imports[name])
        ratio = total / baseline_ms if baseline_ms else 0.0
        import_ratio = imported / boto3_ms if boto3_ms else 0.0
        result.figures.update(
            {
                f"{name}_ms": round(total, 1),
                f"{name}_ratio": round(ratio, 2),
                f"{name}_import_ms": round(imported, 1),
                f"{name}_import_ratio": round(import_ratio, 2),
            }
        )
        result.lines.append(
            f"  {name}: {total:.0f} ms = {ratio:.2f}x | {imported:.0f} ms = {import_ratio:.2f}x"
        )
        limit = HANDLER_TARGETS[name]
        result.targets.append(
            Target(f"{name}: init + first invocation <= {limit}x baseline", ratio <= limit, f"{ratio:.2f}x")
        )

    zipped, raw = bundle_bytes()
    result.figures["bundle_zip_bytes"] = zipped
    result.figures["bundle_raw_bytes"] = raw
    result.lines.append(
        f"function bundle (package + prompts, one asset for every function): {zipped / 1024:.0f} KiB zipped, "
        f"{raw / 1024:.0f} KiB unzipped (sources; the shipped asset adds its bytecode)"
    )
    layer_size = layer_bytes()
    if layer_size is not None:
        result.figures["layer_cache_bytes"] = layer_size
        result.lines.append(
            f"dependency layers (aside, .layer-cache): {layer_size / 1024 / 1024:.1f} MiB unzipped"
        )
    result.targets.append(
        Target("each bundle < 5 MB, layer aside", zipped < BUNDLE_LIMIT_BYTES, f"{zipped / 1024:.0f} KiB")
    )
    return result
