"""`callrecap summarize`: each input format through main(argv), the JSON shape, and errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from callrecap_local.cli import main
from tests.helpers.sections import complete
from tests.unit.test_transcript_files import recorded_call

OUTPUT_KEYS = {
    "callId",
    "sections",
    "provider",
    "model",
    "llmCalls",
    "inputTokens",
    "outputTokens",
    "strategy",
    "outputFormat",
    "repaired",
}
DEFAULT_SECTIONS = {"summary", "topic", "action_items", "resolved", "customer_sentiment"}


@pytest.fixture(autouse=True)
def offline_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("CALLRECAP_LLM_PROVIDER", "CALLRECAP_BEDROCK_MODEL_ID", "CALLRECAP_MAX_INPUT_TOKENS"):
        monkeypatch.delenv(name, raising=False)


def summarize(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, Any]:
    assert main(["summarize", *argv]) == 0
    output: dict[str, Any] = json.loads(capsys.readouterr().out)
    assert set(output) == OUTPUT_KEYS
    return output


def test_transcribe_batch_output_prints_every_default_section(
    shared_data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = summarize(capsys, str(shared_data / "calls" / "Retail41.transcribe_batch_output.json"))
    assert output["callId"] == "Retail41"
    assert set(output["sections"]) >= DEFAULT_SECTIONS
    assert all(output["sections"][name] not in ("", [], None) for name in ("summary", "topic"))
    assert output["provider"] == "extractive"
    assert (output["llmCalls"], output["inputTokens"], output["outputTokens"]) == (0, 0, 0)


def test_dialog_row_by_id(shared_data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = shared_data / "dialogs" / "dialogsum_dev.jsonl"
    wanted = json.loads(path.read_text(encoding="utf-8").splitlines()[2])["id"]
    output = summarize(capsys, str(path), "--id", wanted)
    assert output["callId"] == wanted
    assert set(output["sections"]) >= DEFAULT_SECTIONS


def test_recorded_call(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    output = summarize(capsys, str(recorded_call(tmp_path / "call.jsonl")), "--provider", "extractive")
    assert output["callId"] == "rec-call-1"
    assert set(output["sections"]) >= DEFAULT_SECTIONS


def test_long_meeting_with_small_budget(shared_data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    output = summarize(capsys, str(shared_data / "long" / "ES2004b.jsonl"), "--max-input-tokens", "2000")
    assert set(output["sections"]) >= DEFAULT_SECTIONS


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["/definitely/missing.json"], "no such file"),
        (["{dir}"], "is a directory"),
        (["{empty}"], "the file is empty"),
        (["{notjson}"], "not JSON"),
        (["{bad}", "--id", "nope"], "no dialog with id 'nope'"),
        (["{bad}", "--provider", "bedrock"], "CALLRECAP_BEDROCK_MODEL_ID"),
    ],
)
def test_errors_are_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    good = tmp_path / "d.jsonl"
    good.write_text(json.dumps({"id": "x", "turns": [{"speaker": "AGENT", "text": "Hello"}]}) + "\n")
    (tmp_path / "empty.jsonl").write_text("", encoding="utf-8")
    (tmp_path / "broken.json").write_text("{not json", encoding="utf-8")
    files = {
        "{bad}": good,
        "{dir}": tmp_path,
        "{empty}": tmp_path / "empty.jsonl",
        "{notjson}": tmp_path / "broken.json",
    }
    argv = [str(files[a]) if a in files else a for a in argv]
    assert main(["summarize", *argv]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("callrecap summarize: error:")
    assert message in lines[0]


def test_bad_budget_flag_is_rejected(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["summarize", "x.json", "--max-input-tokens", "0"])
    assert exit_info.value.code == 2
    assert "positive integer" in capsys.readouterr().err


def test_console_entry_point_in_a_subprocess(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "callrecap_local", "summarize", str(bad)],
        capture_output=True,
        text=True,
        check=False,
        cwd=Path(__file__).resolve().parents[2],
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": "lambdas:local"},
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert "not JSON" in result.stderr


class _FakeChatServer:
    """An OpenAI-compatible /v1/chat/completions on loopback that counts requests."""

    SECTIONS = complete(
        {
            "summary": "The team planned the product launch.",
            "topic": "launch planning",
            "action_items": ["send the schedule"],
            "resolved": "yes",
            "customer_sentiment": "neutral",
        }
    )

    def __init__(self) -> None:
        import http.server
        import threading

        server = self
        self.requests = 0

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers["Content-Length"])
                json.loads(self.rfile.read(length))
                server.requests += 1
                body = json.dumps(
                    {
                        "model": "fake-llm",
                        "choices": [
                            {"message": {"role": "assistant", "content": json.dumps(server.SECTIONS)}}
                        ],
                        "usage": {"prompt_tokens": 100, "completion_tokens": 10},
                    }
                ).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def test_llm_provider_over_budget_reports_calls_and_tokens(
    shared_data: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    server = _FakeChatServer()
    try:
        monkeypatch.setenv("CALLRECAP_OPENAI_BASE_URL", server.base_url)
        monkeypatch.setenv("CALLRECAP_OPENAI_MODEL", "fake-llm")
        monkeypatch.delenv("CALLRECAP_OPENAI_API_KEY", raising=False)
        monkeypatch.delenv("CALLRECAP_OPENAI_API_KEY_SECRET_ARN", raising=False)
        path = str(shared_data / "long" / "ES2004b.jsonl")
        output = summarize(capsys, path, "--provider", "openai", "--max-input-tokens", "2000")
    finally:
        server.close()
    assert output["provider"] == "openai"
    assert output["model"] == "fake-llm"
    assert output["sections"] == _FakeChatServer.SECTIONS
    assert output["llmCalls"] == server.requests > 1  # map-reduce over chunks
    assert output["inputTokens"] == 100 * server.requests
    assert output["outputTokens"] == 10 * server.requests


def test_aws_region_counts_when_aws_default_region_is_not_set() -> None:
    from callrecap_local.cli import honour_aws_region

    env = {"AWS_REGION": "eu-west-1"}
    honour_aws_region(env)
    assert env["AWS_DEFAULT_REGION"] == "eu-west-1"
    both = {"AWS_REGION": "eu-west-1", "AWS_DEFAULT_REGION": "us-east-1"}
    honour_aws_region(both)
    assert both["AWS_DEFAULT_REGION"] == "us-east-1"  # an explicit default is kept


def test_a_failed_summary_explains_itself_on_stderr(
    shared_data: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reason, provider, model, how the shape was asked, calls, tokens and the model's own reply."""
    from tests.helpers.standin import answering, chat_reply

    junk = "I am sorry, I can only chat about the weather. " * 200
    with answering(lambda request: chat_reply(junk, prompt_tokens=700, completion_tokens=300)) as server:
        monkeypatch.setenv("CALLRECAP_OPENAI_BASE_URL", f"{server.url}/v1")
        monkeypatch.setenv("CALLRECAP_OPENAI_MODEL", "weather-bot")
        monkeypatch.setenv("CALLRECAP_LLM_FALLBACK", "")
        path = str(shared_data / "calls" / "Retail41.transcribe_batch_output.json")
        assert main(["summarize", "--provider", "openai", path]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "failureReason: INVALID_OUTPUT" in captured.err
    assert "provider: openai  model: weather-bot  strategy: single  outputFormat: json_schema" in captured.err
    assert "llmCalls: 1  inputTokens: 700  outputTokens: 300  repaired: false" in captured.err
    assert f"model reply (first 4000 of {len(junk)} characters):" in captured.err
    assert "only chat about the weather" in captured.err
    assert captured.err.strip().splitlines()[-1].startswith("callrecap summarize: error: summarizing")


def test_show_reply_adds_the_raw_reply(shared_data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = str(shared_data / "calls" / "Retail41.transcribe_batch_output.json")
    assert main(["summarize", "--show-reply", path]) == 0
    output = json.loads(capsys.readouterr().out)
    assert set(output) == OUTPUT_KEYS | {"rawReply"}
    assert output["strategy"] == "extractive" and output["outputFormat"] == "" and output["repaired"] is False
