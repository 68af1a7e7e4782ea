"""The README's `callrecap` examples, run as written (issue 15): each line of its command block,
from the repository root, with `.venv/bin` (this interpreter's scripts) on the PATH as
`source .venv/bin/activate` puts it. `serve` runs until its page answers, then is stopped."""

from __future__ import annotations

import os
import re
import shlex
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]


def readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## The `callrecap` command", 1)[1].split("\n## ", 1)[0]
    (block,) = re.findall(r"```bash\n(.*?)```", section, flags=re.S)
    lines = [line.split("#", 1)[0].strip() for line in block.splitlines()]
    commands = [line for line in lines if line.startswith("callrecap ")]
    assert "source .venv/bin/activate" in block
    assert len(commands) >= 4, commands
    return commands


def shell_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CALLRECAP_")}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    return env


@pytest.mark.parametrize("command", [c for c in readme_commands() if " serve " not in f"{c} "])
def test_a_readme_example_runs_as_written(command: str) -> None:
    result = subprocess.run(
        shlex.split(command), cwd=ROOT, env=shell_env(), capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, (command, result.stderr[-3000:])
    assert result.stdout.strip(), command


def test_the_readme_serve_example_serves_the_page() -> None:
    (command,) = [c for c in readme_commands() if c.startswith("callrecap serve")]
    port = int(re.search(r"--port (\d+)", command).group(1))  # type: ignore[union-attr]
    process = subprocess.Popen(
        shlex.split(command),
        cwd=ROOT,
        env=shell_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 90
        page = ""
        while time.monotonic() < deadline and process.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as reply:
                    page = reply.read().decode("utf-8", errors="replace")
                break
            except OSError:
                time.sleep(0.5)
        assert process.poll() is None, process.stderr.read() if process.stderr else ""
        assert "<html" in page.lower()
    finally:
        os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
