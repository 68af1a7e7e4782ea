"""The benchmark's report (`python -m bench --only capacity`) and the command line of
`python -m bench.capacity`."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path

from bench.capacity.costs import cost
from bench.capacity.load import Assumptions, capacity
from bench.capacity.profile import Profile, measure_profile
from bench.common import BenchResult, Size, Target

NAME = "capacity"
CALL_SIZES = (100, 1_000, 10_000)


def profile_for(size: Size) -> Profile:
    from callrecap_local.stack import LocalPipeline  # noqa: F401 (import errors surface here)

    return _profile(limit=2 if size is Size.TINY else None)


def _profile(limit: int | None = None) -> Profile:
    profile = measure_profile(limit=limit)
    return profile


def run(size: Size) -> BenchResult:
    from bench.common import command

    result = BenchResult(NAME, command(NAME, size))
    result.lines.append("one N as JSON: .venv/bin/python -m bench.capacity --calls N --json")
    profile = profile_for(size)
    result.lines.append(
        f"profile: {profile.calls} sample calls, {profile.call_minutes:.1f} call-minutes replayed; "
        "per call-minute "
        f"{profile.per_minute(profile.kinesis_records):.1f} Kinesis records, "
        f"{profile.per_minute(sum(profile.write_units.values())):.1f} write units, "
        f"{profile.per_minute(sum(profile.read_units.values())):.1f} read units, "
        f"{profile.per_minute(profile.watcher_lookups):.1f} pushes; per call "
        f"{profile.per_call(profile.bus_entries):.1f} bus events, "
        f"{profile.per_call(profile.input_tokens):.0f} "
        f"+ {profile.per_call(profile.output_tokens):.0f} model tokens"
    )
    worst: dict[int, float] = {}
    for calls in CALL_SIZES:
        model = capacity(profile, calls)
        worst[calls] = model["hottestPartitionUtilization"]
        result.lines.append(
            f"{calls:,} concurrent calls (hottest partition {model['hottestPartitionUtilization']:.1%}):"
        )
        for row in model["rows"]:
            limit = "no limit" if row["limit"] is None else f"{row['limit']:,.0f}"
            flag = f"  RAISE: {row['raise']}" if row["raise"] else ""
            result.lines.append(
                f"  {row['name']}: {row['figure']:,.2f} of {limit} {row['unit']} "
                f"({row['utilization']:.1%}){flag}"
            )
        result.figures[f"hottest_partition_utilization_{calls}"] = model["hottestPartitionUtilization"]
    money = cost(profile)
    result.figures.update(
        {
            "cost_usd_per_1000_calls": money["totalUsd"],
            "lca_cost_usd_per_1000_calls": money["lcaTotalUsd"],
            "cost_ratio_vs_lca": money["ratio"],
            "model_usd_per_1000_calls": money["modelUsd"],
            "lca_model_usd_per_1000_calls": money["lcaModelUsd"],
        }
    )
    result.lines.append(
        f"infrastructure cost per {money['per']}: ${money['totalUsd']:.4f} vs LCA-shaped "
        f"${money['lcaTotalUsd']:.4f} ({money['ratio']:.2f}x); model ({money['model']}) "
        f"${money['modelUsd']:.4f} vs ${money['lcaModelUsd']:.4f} (one call per section); fixed: "
        f"${money['fixedMonthlyUsd']['Kinesis on-demand stream-hours']}/month for the stream"
    )
    for name, usd in money["ours"].items():
        result.lines.append(f"  {name}: ${usd:.4f}   (LCA-shaped: ${money['lca'].get(name, 0.0):.4f})")
    for name in money["lca"]:
        if name not in money["ours"]:
            result.lines.append(f"  {name}: $0.0000   (LCA-shaped: ${money['lca'][name]:.4f})")
    result.targets.append(
        Target(
            "10,000 calls: hottest partition <= 50 % (table and every index)",
            worst[10_000] <= 0.5,
            f"{worst[10_000]:.1%}",
        )
    )
    result.targets.append(
        Target(
            "infrastructure cost below the LCA-shaped baseline", money["ratio"] < 1, f"{money['ratio']:.2f}x"
        )
    )
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.capacity",
        description="Capacity and cost model: what N concurrent calls ask of an AWS account.",
    )
    parser.add_argument(
        "--calls", type=int, action="append", help="concurrent calls (repeatable; default 100, 1000, 10000)"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object per --calls (JSON lines)")
    parser.add_argument("--profile", type=Path, help="reuse a profile saved with --save-profile")
    parser.add_argument("--save-profile", type=Path, help="write the measured profile as JSON")
    parser.add_argument("--model-latency-s", type=float, default=Assumptions.model_latency_s)
    parser.add_argument("--model-rpm", type=float, default=Assumptions.model_rpm)
    parser.add_argument("--model-tpm", type=float, default=Assumptions.model_tpm)
    args = parser.parse_args(argv)
    if args.profile:
        profile = Profile(**json.loads(args.profile.read_text()))
    else:
        saved = sys.stdout
        sys.stdout = sys.stderr  # only the JSON on stdout
        try:
            profile = _profile()
        finally:
            sys.stdout = saved
    if args.save_profile:
        args.save_profile.write_text(json.dumps(asdict(profile), indent=2) + "\n")
    assume = Assumptions(
        model_latency_s=args.model_latency_s, model_rpm=args.model_rpm, model_tpm=args.model_tpm
    )
    for calls in args.calls or list(CALL_SIZES):
        model = capacity(profile, calls, assume)
        if args.json:
            print(json.dumps(model))
        else:
            print(f"{calls:,} concurrent calls: hottest partition {model['hottestPartitionUtilization']:.1%}")
            for row in model["rows"]:
                print(
                    f"  {row['name']}: {row['figure']:,.2f} {row['unit']} "
                    f"({row['utilization']:.1%}) {row['raise']}"
                )
    return 0
