"""docs/evaluation.md's Bedrock example, run as written (issue 15: it once ended in NoRegionError,
because the example sets AWS_REGION and boto3 reads AWS_DEFAULT_REGION). The lines of its bash
block run in a shell, in a directory holding a `my_calls.jsonl` (the repository's own dialogs) and
a `my-prompts/` (the bundled prompts), with AWS_REGION and no AWS_DEFAULT_REGION; Bedrock is a
Converse stand-in on loopback (botocore's AWS_ENDPOINT_URL_BEDROCK_RUNTIME), since CI cannot
reach AWS."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers.sections import complete
from tests.helpers.standin import answering, converse_reply

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
SECTIONS = complete(
    {
        "summary": "The customer asked for help and the agent resolved it.",
        "topic": "Customer request",
        "action_items": [],
        "resolved": "yes",
        "customer_sentiment": "neutral",
    }
)


def example_block() -> str:
    text = (ROOT / "docs" / "evaluation.md").read_text(encoding="utf-8")
    section = text.split("Example, a Bedrock model against the offline floor", 1)[1]
    (block,) = re.findall(r"```bash\n(.*?)```", section, flags=re.S)[:1]
    return block


def test_the_bedrock_example_runs_as_written(tmp_path: Path) -> None:
    block = example_block()
    assert "AWS_REGION=" in block and "AWS_DEFAULT_REGION" not in block
    shutil.copy(ROOT / "samples" / "dialogs" / "contact_center.jsonl", tmp_path / "my_calls.jsonl")
    shutil.copytree(ROOT / "prompts", tmp_path / "my-prompts")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CALLRECAP_", "AWS_"))} | {
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_CONFIG_FILE": str(tmp_path / "no-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "no-credentials"),
    }
    with answering(lambda _: converse_reply(json.dumps(SECTIONS))) as bedrock:
        env["AWS_ENDPOINT_URL_BEDROCK_RUNTIME"] = bedrock.url
        result = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", block],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "NoRegionError" not in result.stderr
    paths = [request.path for request in bedrock.seen]
    assert paths and all(path.startswith("/model/amazon.nova-lite-v1%3A0/") for path in paths)
    for out in ("extractive.jsonl", "nova-lite.jsonl", "nova-lite-v2.jsonl"):
        rows = [json.loads(line) for line in (tmp_path / out).read_text().splitlines() if line.strip()]
        assert rows and all(row["prediction"] for row in rows), out  # --split report: a share of them
