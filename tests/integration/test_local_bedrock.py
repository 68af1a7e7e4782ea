"""`callrecap replay --provider bedrock`: the local pipeline on moto, the summarizer's Bedrock calls
signed with a named AWS profile and sent to Bedrock's endpoint (here a Converse stand-in on
loopback, since CI cannot reach AWS), never with the local stack's fake keys or to moto."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from test_local_stack_replay import write_call

from callrecap.settings import EnvVar
from callrecap_local.cli import main as cli_main
from tests.helpers.sections import complete

pytestmark = pytest.mark.slow

PROFILE_KEY = "AKIAPROFILEKEY000001"
SECTIONS = complete(
    {
        "summary": "The caller asked about an order; the agent gave its status.",
        "topic": "Order status",
        "action_items": [],
        "resolved": "yes",
        "customer_sentiment": "neutral",
    }
)


@contextmanager
def converse_standin() -> Iterator[tuple[str, list[dict[str, str]]]]:
    """Bedrock's Converse on loopback; yields its URL and each request's path and signature."""
    seen: list[dict[str, str]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            seen.append({"path": self.path, "authorization": self.headers.get("Authorization", "")})
            body = json.dumps(
                {
                    "output": {"message": {"role": "assistant", "content": [{"text": json.dumps(SECTIONS)}]}},
                    "stopReason": "end_turn",
                    "usage": {"inputTokens": 700, "outputTokens": 60, "totalTokens": 760},
                }
            ).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", seen
    finally:
        httpd.shutdown()
        httpd.server_close()


def aws_profile_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, with_keys: bool = True) -> None:
    """A profile `callrecap-test` in throwaway AWS config files (never the developer's own)."""
    config = tmp_path / "aws-config"
    config.write_text("[profile callrecap-test]\nregion = eu-west-1\n")
    credentials = tmp_path / "aws-credentials"
    keys = f"aws_access_key_id = {PROFILE_KEY}\naws_secret_access_key = profile-secret\n"
    credentials.write_text("[callrecap-test]\n" + (keys if with_keys else ""))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(credentials))
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_REGION"):
        monkeypatch.delenv(name, raising=False)


def test_replay_with_bedrock_signs_with_the_profile_and_summarizes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    aws_profile_files(tmp_path, monkeypatch)
    monkeypatch.setenv("AWS_PROFILE", "callrecap-test")
    monkeypatch.setenv(EnvVar.BEDROCK_MODEL_ID.value, "amazon.nova-lite-v1:0")
    monkeypatch.setenv(EnvVar.BEDROCK_REGION.value, "eu-west-1")
    with converse_standin() as (url, seen):
        monkeypatch.setenv("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", url)
        path = write_call(tmp_path, "bedrock-call", turns=2)
        status = cli_main(
            ["replay", str(path), "--provider", "bedrock", "--speed", "10", "--json", "--timeout", "60"]
        )
    (line,) = [json.loads(x) for x in capsys.readouterr().out.splitlines() if x.strip()]
    assert status == 0, line
    assert "Order status" in json.dumps(line), line
    assert [s["path"] for s in seen] == ["/model/amazon.nova-lite-v1%3A0/converse"]
    # Signed with the profile's key for the Bedrock region, not the local stack's fake "local".
    assert f"Credential={PROFILE_KEY}/" in seen[0]["authorization"]
    assert "/eu-west-1/bedrock/aws4_request" in seen[0]["authorization"]


def test_a_profile_without_credentials_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    aws_profile_files(tmp_path, monkeypatch, with_keys=False)
    monkeypatch.setenv(EnvVar.BEDROCK_PROFILE.value, "callrecap-test")
    monkeypatch.setenv(EnvVar.BEDROCK_MODEL_ID.value, "amazon.nova-lite-v1:0")
    path = write_call(tmp_path, "no-keys", turns=1)
    status = cli_main(["replay", str(path), "--provider", "bedrock"])
    err = capsys.readouterr().err.strip().splitlines()
    assert status == 2
    assert len(err) == 1 and "'callrecap-test' has no credentials" in err[0], err


def test_an_unknown_profile_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    aws_profile_files(tmp_path, monkeypatch)
    monkeypatch.setenv(EnvVar.BEDROCK_PROFILE.value, "nobody")
    monkeypatch.setenv(EnvVar.BEDROCK_MODEL_ID.value, "amazon.nova-lite-v1:0")
    path = write_call(tmp_path, "no-profile", turns=1)
    status = cli_main(["replay", str(path), "--provider", "bedrock"])
    err = capsys.readouterr().err.strip().splitlines()
    assert status == 2
    assert len(err) == 1 and "nobody" in err[0], err
