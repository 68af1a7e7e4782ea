"""`callrecap quality` against the local stack's table after approving a few demo calls (through the
real HTTP API and approvals function): the table's figures checked against hand-computed values,
and `--export` giving a dialog file that `callrecap eval` scores as references."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from callrecap_local.cli import main as cli_main
from callrecap_local.recording import load_recording
from callrecap_local.replay_run import replay_and_wait
from callrecap_local.stack import LocalPipeline

pytestmark = pytest.mark.slow

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
CALLS = ("order_status.jsonl", "password_reset.jsonl", "billing_dispute.jsonl")


def approve(stack: LocalPipeline, call_id: str, version: int, sections: dict[str, Any]) -> None:
    request = urllib.request.Request(
        f"{stack.api_url}/calls/{call_id}/summaries/{version}/approve",
        data=json.dumps({"sections": sections}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 200


def test_quality_after_three_approvals_and_the_export_as_an_eval_set(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with LocalPipeline(port=0, sweeper_interval=0) as stack:
        recordings = [load_recording(SAMPLES / name).renamed() for name in CALLS]
        results = replay_and_wait(stack, recordings, speed=100, timeout=90)
        assert all(result.status == "COMPLETED" for result in results)
        finals = {}
        for recording in recordings:
            outcome = stack.outcome(recording.call_id)
            finals[recording.call_id] = max(
                (s for s in outcome.summaries if s["kind"] == "final"), key=lambda s: int(s["version"])
            )
        plain = {
            cid: {k: v for k, v in f["sections"].items() if not k.endswith("_answer")}
            for cid, f in finals.items()
        }
        first, second, third = (r.call_id for r in recordings)
        approve(stack, first, int(finals[first]["version"]), plain[first])  # unchanged
        changed = "complaint" if plain[second]["disposition"] != "complaint" else "other"
        approve(stack, second, int(finals[second]["version"]), {**plain[second], "disposition": changed})
        approve(stack, third, int(finals[third]["version"]), {**plain[third], "topic": "A corrected topic"})

        line = stack.outcome(first).as_json()  # what `replay --json` prints for the call
        assert (line["approval"], line["approvedVersion"]) == ("approved", int(finals[first]["version"]) + 1)
        export = tmp_path / "approved.jsonl"
        table = stack.resources.table_name
        capsys.readouterr()  # what the stack's handlers logged so far
        assert (
            cli_main(["quality", "--table", table, "--since", "2d", "--json", "--export", str(export)]) == 0
        )
        printed = capsys.readouterr().out
        report = json.loads(printed[printed.index('{\n  "since"') :].split("\n}\n")[0] + "\n}")
        ((row,),) = [report["rows"]]  # one model and prompt version: the offline summarizer's
        assert (row["provider"], row["approvals"]) == ("extractive", 3)
        assert row["unchangedShare"] == round(1 / 3, 4)
        assert row["dispositionChangeRate"] == round(1 / 3, 4)
        assert row["dispositionChanges"] == [
            {"from": plain[second]["disposition"], "to": changed, "count": 1}
        ]
        assert row["meanEditDistance"]["summary"] == 0.0
        assert 0 < row["meanEditDistance"]["topic"] <= round(1 / 3, 4)  # one of three rewritten
        assert row["medianWrapUpSeconds"] is not None

        assert cli_main(["quality", "--table", table]) == 0
        assert "approved unchanged   33%" in capsys.readouterr().out

    lines = [json.loads(line) for line in export.read_text().splitlines()]
    assert sorted(line["id"] for line in lines) == sorted(finals)
    assert all(line["turns"] and line["summaries"][0] for line in lines)
    assert cli_main(["eval", str(export), "--json"]) == 0  # the production test set, scored
    figures = json.loads(capsys.readouterr().out)
    assert figures["dialogs"] == 3 and figures["failed"] == 0
