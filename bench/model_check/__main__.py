"""`python -m bench.model_check [--limit N]`: summarize, replay and eval through a real model server.

Runs the project's own `callrecap` commands (the production engine, the local stack) with
`--provider openai` against llama-cpp-python's server, twice: with the response format negotiated
(`openaiResponseFormat` auto) and with `none` (the prompt alone, as before issue 21), and prints
what it measured: the format negotiated, the share of replies that parsed into valid sections
without a repair, repairs, failures by reason and output tokens per second. Figures go to
bench/RESULTS.md, "A real model server".
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from bench.model_check.server import MODEL_ALIAS, llama_server
from bench.model_check.venv import PACKAGES, ensure_venv, model_file
from callrecap.settings import EnvVar

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared" / "data"
DIALOGS = SHARED / "dialogs" / "dialogsum_dev.jsonl"
LONG_CALL = SHARED / "long" / "ES2011b.jsonl"
SAMPLE_CALL = ROOT / "samples" / "billing_dispute.jsonl"
CONTEXT_TOKENS = 4096
COMMAND = "make model-check  (python -m bench.model_check --limit 20)"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.model_check", description=__doc__)
    parser.add_argument("--limit", type=int, default=20, help="dialogs for eval (default 20)")
    args = parser.parse_args(argv)
    python = ensure_venv()
    model = model_file(python)
    work = Path(tempfile.mkdtemp(prefix="callrecap-model-check-"))
    with llama_server(python, model, context_tokens=CONTEXT_TOKENS, log=work / "server.log") as base_url:
        runs = {mode: check(base_url, mode, args.limit, work) for mode in ("auto", "none")}
    print(report(runs, args.limit))
    print(f"\nserver log: {work / 'server.log'}   reproduce: {COMMAND}")
    return 0


def check(base_url: str, response_format: str, limit: int, work: Path) -> dict[str, Any]:
    """One mode: summarize a sample call and a long meeting, replay a call, eval `limit` dialogs."""
    env = {
        **os.environ,
        EnvVar.OPENAI_BASE_URL.value: base_url,
        EnvVar.OPENAI_MODEL.value: MODEL_ALIAS,
        EnvVar.OPENAI_RESPONSE_FORMAT.value: response_format,
        EnvVar.OPENAI_TIMEOUT_SECONDS.value: "300",
        EnvVar.LLM_FALLBACK.value: "",  # the model's own result, not the offline fallback's
    }
    print(f"model-check: {response_format}: summarize, replay, eval --limit {limit}", file=sys.stderr)
    outcome: dict[str, Any] = {
        "summarize": summarize(SAMPLE_CALL, env),
        "longCall": summarize(LONG_CALL, env),
        "replay": replay(SAMPLE_CALL, env),
    }
    started = time.monotonic()
    figures = callrecap(
        ["eval", str(DIALOGS), "--provider", "openai", "--limit", str(limit), "--json", "--min-success", "0"],
        env,
        out=work / f"eval-{response_format}.json",
    )
    seconds = time.monotonic() - started
    outcome["eval"] = figures
    outcome["outputTokensPerSecond"] = round(figures["llm"]["outputTokens"] / seconds, 1) if seconds else 0.0
    return outcome


def summarize(path: Path, env: Mapping[str, str]) -> dict[str, Any]:
    completed = run(["summarize", "--provider", "openai", str(path)], env)
    if completed.returncode == 0:
        output = json.loads(completed.stdout)
        return {
            "ok": True,
            "strategy": output["strategy"],
            "outputFormat": output["outputFormat"],
            "llmCalls": output["llmCalls"],
            "repaired": output["repaired"],
        }
    reason = next(
        (
            line.split(": ", 1)[1]
            for line in completed.stderr.splitlines()
            if line.startswith("failureReason: ")
        ),
        "?",
    )
    return {"ok": False, "failureReason": reason, "error": completed.stderr.strip().splitlines()[-1][:300]}


def replay(path: Path, env: Mapping[str, str]) -> dict[str, Any]:
    completed = run(
        ["replay", str(path), "--provider", "openai", "--json", "--speed", "20", "--timeout", "900"], env
    )
    lines = [line for line in completed.stdout.splitlines() if line.startswith("{")]
    if not lines:
        return {"status": "NO OUTPUT", "error": completed.stderr.strip()[-300:]}
    line = json.loads(lines[-1])
    return {key: line.get(key) for key in ("status", "provider", "failureReason", "error")}


def callrecap(argv: list[str], env: Mapping[str, str], *, out: Path) -> dict[str, Any]:
    completed = run(argv, env)
    out.write_text(completed.stdout)
    if completed.returncode not in (0, 1) or not completed.stdout.strip():
        raise SystemExit(f"callrecap {' '.join(argv)} failed: {completed.stderr.strip()[-500:]}")
    figures: dict[str, Any] = json.loads(completed.stdout)
    return figures


def run(argv: list[str], env: Mapping[str, str]) -> subprocess.CompletedProcess[str]:
    command = [str(Path(sys.executable).with_name("callrecap")), *argv]
    return subprocess.run(command, env=dict(env), capture_output=True, text=True, check=False)


def report(runs: Mapping[str, Mapping[str, Any]], limit: int) -> str:
    lines = [
        f"model check: {', '.join(PACKAGES)}; SmolLM2-135M-Instruct Q4_1, n_ctx {CONTEXT_TOKENS}, 2 threads",
        f"eval: {limit} dialogs of {DIALOGS.name}; long call: {LONG_CALL.name}",
        "",
        f"{'':<30}{'openaiResponseFormat auto':<30}{'none (prompt only)':<30}",
    ]

    def row(label: str, value: Any) -> None:
        lines.append(f"{label:<30}" + "".join(f"{value(run)!s:<30}" for run in runs.values()))

    row("format negotiated", lambda r: ", ".join(r["eval"]["outputFormats"]) or "-")
    row("summarize (sample call)", lambda r: _one(r["summarize"]))
    row("summarize (long meeting)", lambda r: _one(r["longCall"]))
    row(
        "replay (local stack)",
        lambda r: f"{r['replay']['status']} {r['replay'].get('failureReason') or ''}".strip(),
    )
    row(
        "eval: valid without repair", lambda r: _share(r["eval"]["parsedWithoutRepair"], r["eval"]["dialogs"])
    )
    row("eval: repairs", lambda r: r["eval"]["repaired"])
    row("eval: summarized", lambda r: _share(r["eval"]["scored"], r["eval"]["dialogs"]))
    row("eval: failed by reason", lambda r: _reasons(r["eval"]["failedByReason"]))
    row("eval: ROUGE-L (summarized)", lambda r: r["eval"]["rouge"]["prediction"]["rougeL"])
    row("output tokens / s (wall)", lambda r: r["outputTokensPerSecond"])
    return "\n".join(lines)


def _one(result: Mapping[str, Any]) -> str:
    if result["ok"]:
        return f"ok, {result['strategy']}, {result['llmCalls']} calls" + (
            ", repaired" if result["repaired"] else ""
        )
    return f"FAILED {result['failureReason']}"


def _share(part: int, whole: int) -> str:
    return f"{part}/{whole} ({part / whole:.0%})" if whole else "-"


def _reasons(reasons: Mapping[str, int]) -> str:
    return ", ".join(f"{reason} {count}" for reason, count in reasons.items()) or "-"


if __name__ == "__main__":
    sys.exit(main())
