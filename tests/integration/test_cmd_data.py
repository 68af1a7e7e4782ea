"""`callrecap data export|delete` against a running stack's table (the local stack's, on moto's
server: the same code path as against a deployed stack, with the operator's credentials)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from callrecap_local.cli import CliError
from callrecap_local.cli import main as cli_main
from callrecap_local.cmd_data import table_of_stack
from callrecap_local.recording import load_recording
from callrecap_local.replay_run import replay_and_wait
from callrecap_local.stack import LocalPipeline

SAMPLE = Path(__file__).resolve().parents[2] / "samples" / "password_reset.jsonl"


def test_export_then_delete_one_call(capsys: pytest.CaptureFixture[str]) -> None:
    with LocalPipeline(port=0, serve_http=False, sweeper_interval=0) as stack:
        recording = load_recording(SAMPLE).renamed()
        (result,) = replay_and_wait(stack, [recording], speed=200, timeout=60)
        assert result.status == "COMPLETED"
        assert stack.resources is not None
        table = stack.resources.table_name
        capsys.readouterr()  # what the handlers printed (EMF metrics) while the call replayed

        assert cli_main(["data", "export", recording.call_id, "--table", table]) == 0
        exported = json.loads(capsys.readouterr().out)
        assert exported["callId"] == recording.call_id
        assert len(exported["segments"]) == result.outcome.segments
        assert exported["summaries"] and exported["crmDeliveries"]

        assert cli_main(["data", "delete", recording.call_id, "--table", table, "--yes"]) == 0
        deleted = json.loads(capsys.readouterr().out)
        expected = 1 + len(exported["segments"]) + len(exported["summaries"]) + len(exported["crmDeliveries"])
        assert deleted["deletedItems"] >= expected  # partial segments stored and later finalized count once

        assert cli_main(["data", "export", recording.call_id, "--table", table]) == 2
        assert "not found" in capsys.readouterr().err


class Outputs:
    def __init__(self, outputs: list[dict[str, str]] | None) -> None:
        self.outputs = outputs

    def describe_stacks(self, StackName: str) -> dict[str, Any]:
        if self.outputs is None:
            raise RuntimeError(f"Stack with id {StackName} does not exist")
        return {"Stacks": [{"Outputs": self.outputs}]}


def test_the_table_comes_from_the_stack_output() -> None:
    assert table_of_stack("CallRecap", Outputs([{"OutputKey": "TableName", "OutputValue": "t-1"}])) == "t-1"
    with pytest.raises(CliError, match="no TableName output"):
        table_of_stack("Other", Outputs([{"OutputKey": "Foo", "OutputValue": "x"}]))
    with pytest.raises(CliError, match="cannot read stack 'Gone'"):
        table_of_stack("Gone", Outputs(None))
