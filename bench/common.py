"""What every benchmark returns, and small measuring helpers."""

from __future__ import annotations

import os
import platform
import statistics
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"


class Size(StrEnum):
    TINY = "tiny"  # smoke tests: proves the benchmark runs, measures nothing worth quoting
    QUICK = "quick"  # `make bench`: the whole set in about 6 minutes
    FULL = "full"  # everything, including the slow sizes


@dataclass(frozen=True)
class Target:
    description: str
    met: bool | None  # None: not measured in this run
    detail: str = ""

    def line(self) -> str:
        mark = {True: "MET   ", False: "MISSED", None: "n/a   "}[self.met]
        return f"  [{mark}] {self.description}" + (f" ({self.detail})" if self.detail else "")


@dataclass
class BenchResult:
    name: str
    command: str
    lines: list[str] = field(default_factory=list)
    figures: dict[str, Any] = field(default_factory=dict)
    targets: list[Target] = field(default_factory=list)
    skipped: str = ""

    def render(self) -> str:
        out = [f"== {self.name}", f"  reproduce: {self.command}"]
        if self.skipped:
            out.append(f"  SKIPPED: {self.skipped}")
            return "\n".join(out)
        out += [f"  {line}" for line in self.lines]
        out += [target.line() for target in self.targets]
        return "\n".join(out)

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "command": self.command,
            "skipped": self.skipped,
            "figures": self.figures,
            "targets": [
                {"description": t.description, "met": t.met, "detail": t.detail} for t in self.targets
            ],
        }


def command(name: str, size: Size) -> str:
    flag = {Size.TINY: " --tiny", Size.QUICK: " --quick", Size.FULL: " --full"}[size]
    return f".venv/bin/python -m bench{flag} --only {name}"


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else 0.0


def percentile(values: Sequence[float], fraction: float) -> float:
    """Linear interpolation between closest ranks; 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    position = (len(ordered) - 1) * fraction
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def machine() -> str:
    cpus = os.cpu_count() or 0
    python = sys.version.split()[0]
    return f"{platform.machine()} {cpus} CPU, {platform.system()} {platform.release()}, Python {python}"


def subprocess_env() -> dict[str, str]:
    """The environment for child Pythons: the project's packages importable, no AWS reachable."""
    env = dict(os.environ)
    paths = [str(REPO_ROOT / "lambdas"), str(REPO_ROOT / "local"), str(REPO_ROOT)]
    env["PYTHONPATH"] = os.pathsep.join([*paths, env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    env.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    env.update({"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"})
    return env
