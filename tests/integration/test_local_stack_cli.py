"""`callrecap replay` end to end: one JSON line per call, exit status by outcome.

Each command runs its own local stack, so these tests live apart from the module-scoped stack of
test_local_stack_replay.py (one stack per process at a time).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from test_local_stack_replay import lca_call, write_call

from callrecap_local.cli import main as cli_main
from callrecap_local.stack import LocalPipeline, LocalPipelineError
from tests.helpers.sections import complete

pytestmark = pytest.mark.slow
Capture = pytest.CaptureFixture[str]


def test_replay_command_prints_one_json_line_per_call(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_call(tmp_path, "cli-call", turns=3)
    status = cli_main(["replay", str(path), "--speed", "10", "--json", "--timeout", "60"])
    lines = capsys.readouterr().out.strip().splitlines()
    assert status == 0
    assert len(lines) == 1
    result = json.loads(lines[0])
    assert set(result) == {
        *("callId", "segments", "status", "sections", "crmHook"),
        *("agentId", "recordsQuarantined", "recordsIgnored"),
        *("provider", "model", "failureReason", "error", "approval", "approvedVersion"),
    }
    assert (result["callId"], result["segments"], result["status"]) == ("cli-call", 3, "COMPLETED")
    assert (result["provider"], result["failureReason"], result["error"]) == ("extractive", "", "")
    assert (result["approval"], result["approvedVersion"]) == ("not approved", None)  # nobody reviewed it
    assert result["crmHook"]


def test_replay_command_fails_when_a_call_never_ends(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "open.jsonl"
    lines = [line for line in lca_call("open-call", turns=2) if line["data"]["EventType"] != "END"]
    path.write_text("\n".join(json.dumps(line) for line in lines))
    status = cli_main(["replay", str(path), "--speed", "10", "--json", "--timeout", "1"])
    result = json.loads(capsys.readouterr().out)
    assert status == 1
    assert result["status"] == "TIMEOUT"


def test_one_stack_per_process() -> None:
    with LocalPipeline(port=0, serve_http=False, sweeper_interval=0), pytest.raises(LocalPipelineError):
        LocalPipeline(port=0, serve_http=False, sweeper_interval=0).start()


def test_stop_restores_the_environment() -> None:
    before = os.environ.get("AWS_ENDPOINT_URL")
    with LocalPipeline(port=0, serve_http=False, sweeper_interval=0):
        assert os.environ["AWS_ENDPOINT_URL"].startswith("http://127.0.0.1:")
    assert os.environ.get("AWS_ENDPOINT_URL") == before


def test_serve_demo_keeps_the_page_alive_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    import signal
    import subprocess
    import sys
    import time
    import urllib.request

    write_call(tmp_path, "demo-call", turns=2)
    command = [sys.executable, "-m", "callrecap_local", "serve", "--port", "0", "--demo"]
    process = subprocess.Popen(
        [*command, "--demo-speed", "50", "--samples", str(tmp_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        banner = process.stdout.readline()
        url = banner.split("open ", 1)[1].split("/ ", 1)[0]
        with urllib.request.urlopen(f"{url}/", timeout=10) as response:
            assert b"<html" in response.read().lower()
        call_ids: set[str] = set()
        deadline = time.monotonic() + 60
        while len(call_ids) < 2 and time.monotonic() < deadline:
            with urllib.request.urlopen(f"{url}/api/calls", timeout=10) as response:
                call_ids = {c["callId"] for c in json.loads(response.read())["calls"]}
            time.sleep(0.3)
        assert len(call_ids) >= 2  # the sample is replayed again and again, each time a new call
        assert "demo-call" not in call_ids
    finally:
        process.send_signal(signal.SIGINT)
        status = process.wait(timeout=30)
    assert status == 0


def test_the_sweeper_runs_on_its_schedule_with_a_scheduled_event() -> None:
    import time

    from callrecap.contracts import Function

    with LocalPipeline(port=0, serve_http=False, sweeper_interval=0.2) as stack:
        sweeper = stack.functions[Function.SWEEPER]
        deadline = time.monotonic() + 30
        while sweeper.invocations < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert sweeper.invocations >= 2
        assert sweeper.errors == 0


def test_replay_command_fails_when_the_final_summary_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The provider is a custom summarizer Lambda that does not exist: the final is FAILED."""
    import callrecap_local.stack as stack_module
    from callrecap.settings import EnvVar

    missing_function = {
        EnvVar.LLM_PROVIDER.value: "lambda",
        EnvVar.SUMMARIZER_LAMBDA_ARN.value: "arn:aws:lambda:us-east-1:123456789012:function:missing",
        EnvVar.LLM_FALLBACK.value: "",  # no fallback: the default (extractive) would write the final
    }

    class StackWithoutSummarizer(LocalPipeline):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            settings = {**kwargs.pop("settings_env", {}), **missing_function}
            super().__init__(*args, settings_env=settings, sweeper_interval=0, **kwargs)

    monkeypatch.setattr(stack_module, "LocalPipeline", StackWithoutSummarizer)
    path = write_call(tmp_path, "failing-call", turns=2)
    status = cli_main(["replay", str(path), "--speed", "10", "--timeout", "60"])
    printed = capsys.readouterr().out
    assert status == 1
    assert "final summary: FAILED   CRM hook: -" in printed
    assert "error: " in printed  # the reason, for the person running the command

    # The JSON line says why too: the typed reason and the error.
    path = write_call(tmp_path, "failing-call-2", turns=2)
    assert cli_main(["replay", str(path), "--speed", "10", "--timeout", "60", "--json"]) == 1
    line = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert (line["status"], line["provider"], line["failureReason"]) == ("FAILED", "lambda", "PROVIDER_ERROR")
    assert "missing" in line["error"] and line["sections"] == {}


def test_replay_with_an_openai_compatible_server_of_your_own(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`replay --provider openai` summarizes through the server CALLRECAP_OPENAI_BASE_URL names
    (here a loopback stand-in that checks it was asked), as a user's vLLM or Ollama would."""
    from callrecap.settings import EnvVar
    from tests.helpers.standin import Reply, scripted

    sections = complete(
        {
            "summary": "The caller asked about an order and the agent checked it.",
            "topic": "Order status",
            "action_items": [],
            "resolved": "yes",
            "customer_sentiment": "neutral",
        }
    )
    answer = {"choices": [{"message": {"content": json.dumps(sections)}, "finish_reason": "stop"}]}
    with scripted(Reply(body=answer)) as server:
        monkeypatch.setenv(EnvVar.OPENAI_BASE_URL.value, f"{server.url}/v1")
        monkeypatch.setenv(EnvVar.OPENAI_MODEL.value, "my-local-model")
        path = write_call(tmp_path, "own-model-call", turns=2)
        status = cli_main(
            ["replay", str(path), "--provider", "openai", "--speed", "10", "--json", "--timeout", "60"]
        )
        (line,) = [json.loads(x) for x in capsys.readouterr().out.splitlines() if x.strip()]
        assert status == 0, line
        assert "Order status" in json.dumps(line), line
        assert [path for path, _ in server.requests] == ["/v1/chat/completions"]


def test_provider_option_errors_are_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from callrecap.settings import EnvVar

    monkeypatch.delenv(EnvVar.OPENAI_BASE_URL.value, raising=False)
    path = write_call(tmp_path, "no-server", turns=1)
    status = cli_main(["replay", str(path), "--provider", "openai"])
    err = capsys.readouterr().err.strip().splitlines()
    assert status == 2
    assert len(err) == 1 and "CALLRECAP_OPENAI_BASE_URL" in err[0]


def test_replay_interrupted_keeps_what_finished(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C after one of two calls finished: its line was printed when it finished."""
    import callrecap_local.replay_run as replay_run

    real = replay_run.replay_and_wait

    def interrupted_after_the_first(*args: Any, on_result: Any = None, **kwargs: Any) -> Any:
        def first_then_stop(result: Any) -> None:
            on_result(result)
            raise KeyboardInterrupt

        return real(*args, on_result=first_then_stop, **kwargs)

    monkeypatch.setattr(replay_run, "replay_and_wait", interrupted_after_the_first)
    paths = [write_call(tmp_path, "first-done", turns=1), write_call(tmp_path, "never-done", turns=30)]
    status = cli_main(["replay", *map(str, paths), "--speed", "5", "--json", "--timeout", "60"])
    captured = capsys.readouterr()
    assert status == 130
    (line,) = [json.loads(x) for x in captured.out.splitlines() if x.strip()]
    assert line["callId"] == "first-done"
    assert "interrupted; 1 of 2 calls had finished" in captured.err


@pytest.mark.parametrize(
    ("argv", "env", "expected"),
    [
        (["serve", "--port", "99999"], {}, "--port must be 0-65535"),
        (["summarize", "samples/order_status.jsonl", "--provider", "openai"],
         {"CALLRECAP_OPENAI_BASE_URL": "localhost:1234", "CALLRECAP_OPENAI_MODEL": "m"}, "http(s)://"),
    ],
)  # fmt: skip
def test_bad_flags_and_settings_are_one_line_errors(
    argv: list[str],
    env: dict[str, str],
    expected: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert cli_main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and expected in err[0], err


def test_replay_and_summarize_take_a_plain_dump_of_lca_events(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """One JSON record a line, as an LCA producer writes them to the stream."""
    fixture = (
        Path(__file__).resolve().parents[1] / "fixtures" / "producers" / "chimevc_transcriber_standard.json"
    )
    records = json.loads(fixture.read_text())["records"]
    dump = tmp_path / "lca-dump.jsonl"
    dump.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")

    assert cli_main(["summarize", str(dump)]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["callId"] == "vc-call-7" and summary["sections"]

    status = cli_main(["replay", str(dump), "--speed", "100", "--json", "--timeout", "60"])
    (line,) = [json.loads(x) for x in capsys.readouterr().out.splitlines() if x.strip()]
    assert status == 0, line
    assert (line["callId"], line["status"]) == ("vc-call-7", "COMPLETED"), line


def test_replay_says_the_agent_and_the_records_quarantined_and_ignored(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Each JSON line carries the call's agentId and how many of its records ingest quarantined
    (from the quarantine queue) and ignored as not speech; a quarantined record fails the replay
    unless --allow-quarantine."""
    call = "counted-call"
    lines = lca_call(call, turns=2)

    def record(at: float, data: dict[str, Any]) -> dict[str, Any]:
        return {"at": at, "source": "kinesis", "partitionKey": call, "data": {"CallId": call, **data}}

    lines[1:1] = [
        record(0.2, {"EventType": "UPDATE_AGENT", "AgentId": "agent-7"}),
        record(0.3, {"EventType": "ADD_S3_RECORDING_URL", "RecordingUrl": "https://example.com/r.wav"}),
        record(0.4, {"EventType": "ADD_TRANSCRIPT_SEGMENT", "Channel": "AGENT"}),  # no SegmentId, no text
    ]
    path = tmp_path / "counted.jsonl"
    path.write_text("\n".join(json.dumps(line) for line in lines))

    status = cli_main(["replay", str(path), "--speed", "10", "--json", "--timeout", "60"])
    captured = capsys.readouterr()
    result = json.loads(captured.out)
    assert (result["agentId"], result["recordsQuarantined"], result["recordsIgnored"]) == ("agent-7", 1, 1)
    assert result["status"] == "COMPLETED" and status == 1
    assert "1 record(s) of the files were quarantined" in captured.err

    status = cli_main(
        ["replay", str(path), "--speed", "10", "--json", "--timeout", "60", "--allow-quarantine"]
    )
    assert status == 0 and json.loads(capsys.readouterr().out)["recordsQuarantined"] == 1
