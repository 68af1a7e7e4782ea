"""A sweep of every command with bad flags and bad settings (issue 15): each is refused with a
non-zero exit and exactly one line on stderr that names the problem, never a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "samples" / "order_status.jsonl"


def run(
    argv: list[str], env: dict[str, str] | None = None, cwd: Path = ROOT
) -> subprocess.CompletedProcess[str]:
    environ = {
        k: v for k, v in os.environ.items() if not k.startswith("CALLRECAP_") and not k.startswith("AWS_")
    }
    environ |= {
        "PYTHONPATH": os.pathsep.join(str(ROOT / p) for p in ("lambdas", "local")),
        "AWS_CONFIG_FILE": "/nonexistent/aws-config",
        "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/aws-credentials",
        **(env or {}),
    }
    return subprocess.run(
        [sys.executable, "-m", "callrecap_local", *argv],
        env=environ,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def dialog_file(tmp_path: Path) -> Path:
    path = tmp_path / "dialog.jsonl"
    row = {
        "id": "d1",
        "turns": [{"speaker": "AGENT", "text": "Hello."}, {"speaker": "CUSTOMER", "text": "Hi."}],
    }
    path.write_text(json.dumps(row) + "\n", encoding="utf-8")
    return path


CASES: list[tuple[str, list[str], dict[str, str], str]] = [
    # (name, argv with {dialog}/{dir}/{junk}, env, what the one line must say)
    ("no command", [], {}, "COMMAND"),
    ("unknown command", ["summarise"], {}, "invalid choice"),
    ("summarize without a file", ["summarize"], {}, "path"),
    ("summarize a missing file", ["summarize", "/nonexistent/call.json"], {}, "no such file"),
    ("summarize a directory", ["summarize", "{dir}"], {}, "is a directory"),
    ("summarize junk", ["summarize", "{junk}"], {}, "unknown format"),
    ("summarize a zero budget", ["summarize", "{dialog}", "--max-input-tokens", "0"], {}, "positive integer"),
    ("summarize an unknown provider", ["summarize", "{dialog}", "--provider", "gpt"], {}, "gpt"),
    ("summarize a bad agent channel", ["summarize", "{dialog}", "--agent-channel", "ch_2"], {}, "ch_2"),
    ("agent channel setting", ["summarize", "{dialog}"], {"CALLRECAP_AGENT_CHANNEL": "ch_9"}, "ch_9"),
    (
        "openai without a URL",
        ["summarize", "{dialog}", "--provider", "openai"],
        {},
        "CALLRECAP_OPENAI_BASE_URL",
    ),
    (
        "openai URL without a scheme",
        ["summarize", "{dialog}", "--provider", "openai"],
        {"CALLRECAP_OPENAI_BASE_URL": "localhost:1234", "CALLRECAP_OPENAI_MODEL": "m"},
        "http",
    ),
    ("token budget setting", ["summarize", "{dialog}"], {"CALLRECAP_MAX_INPUT_TOKENS": "lots"}, "integer"),
    ("fallback setting", ["summarize", "{dialog}"], {"CALLRECAP_LLM_FALLBACK": "gpt"}, "gpt"),
    ("bedrock without a model", ["summarize", "{dialog}", "--provider", "bedrock"], {}, "BEDROCK_MODEL_ID"),
    ("replay a missing file", ["replay", "/nonexistent/call.jsonl"], {}, "/nonexistent/call.jsonl"),
    ("replay junk", ["replay", "{junk}"], {}, "junk.jsonl"),
    ("replay speed zero", ["replay", str(SAMPLE), "--speed", "0"], {}, "speed"),
    ("replay speed text", ["replay", str(SAMPLE), "--speed", "fast"], {}, "speed"),
    ("replay negative timeout", ["replay", str(SAMPLE), "--timeout", "-1"], {}, "timeout"),
    ("replay a lambda provider", ["replay", str(SAMPLE)], {"CALLRECAP_LLM_PROVIDER": "lambda"}, "lambda"),
    (
        "replay bedrock without credentials",
        ["replay", str(SAMPLE), "--provider", "bedrock"],
        {"CALLRECAP_BEDROCK_MODEL_ID": "amazon.nova-lite-v1:0"},
        "profile 'default'",
    ),
    ("serve a port too high", ["serve", "--port", "99999"], {}, "port"),
    ("serve a port in words", ["serve", "--port", "eighty"], {}, "port"),
    ("serve an unknown role", ["serve", "--as", "root"], {}, "root"),
    ("eval without dialogs", ["eval"], {}, "PATH.jsonl"),
    (
        "eval missing prompts",
        ["eval", "{dialog}", "--prompts", "/nonexistent/prompts"],
        {},
        "/nonexistent/prompts",
    ),
    ("eval a bad limit", ["eval", "{dialog}", "--limit", "some"], {}, "limit"),
    ("data without a call", ["data"], {}, "required"),
    ("data an unknown action", ["data", "shred", "c1", "--stack", "s"], {}, "shred"),
    ("crm-redrive without a target", ["crm-redrive"], {}, "--stack"),
]


@pytest.mark.parametrize(("name", "argv", "env", "says"), CASES, ids=[c[0] for c in CASES])
def test_bad_input_is_one_line_and_a_non_zero_exit(
    tmp_path: Path, name: str, argv: list[str], env: dict[str, str], says: str
) -> None:
    (tmp_path / "junk.jsonl").write_text('{"hello": "world"}\n', encoding="utf-8")
    (tmp_path / "dir").mkdir()
    values = {
        "{dialog}": str(dialog_file(tmp_path)),
        "{dir}": str(tmp_path / "dir"),
        "{junk}": str(tmp_path / "junk.jsonl"),
    }
    result = run([values.get(a, a) for a in argv], env)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.returncode != 0, (name, result.stdout[-500:])
    assert len(lines) == 1, (name, result.stderr[-3000:])
    assert "Traceback" not in result.stderr
    assert lines[0].startswith("callrecap") and "error" in lines[0], lines[0]
    assert says.lower() in lines[0].lower(), lines[0]
