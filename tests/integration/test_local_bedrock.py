"""`callrecap replay --provider bedrock`: the local pipeline on moto, the summarizer's Bedrock calls
signed with a named AWS profile and sent to Bedrock's endpoint (here a Converse stand-in on
loopback, since CI cannot reach AWS), never with the local stack's fake keys or to moto."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_local_stack_replay import write_call

from callrecap.settings import EnvVar
from callrecap_local.cli import main as cli_main
from tests.helpers.sections import complete
from tests.helpers.standin import answering, converse_reply

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
    with answering(
        lambda _: converse_reply(json.dumps(SECTIONS), input_tokens=700, output_tokens=60)
    ) as bedrock:
        monkeypatch.setenv("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", bedrock.url)
        path = write_call(tmp_path, "bedrock-call", turns=2)
        status = cli_main(
            ["replay", str(path), "--provider", "bedrock", "--speed", "10", "--json", "--timeout", "60"]
        )
    (line,) = [json.loads(x) for x in capsys.readouterr().out.splitlines() if x.strip()]
    assert status == 0, line
    assert "Order status" in json.dumps(line), line
    (request,) = bedrock.seen
    assert request.path == "/model/amazon.nova-lite-v1%3A0/converse"
    # Signed with the profile's key for the Bedrock region, not the local stack's fake "local".
    assert f"Credential={PROFILE_KEY}/" in request.headers["Authorization"]
    assert "/eu-west-1/bedrock/aws4_request" in request.headers["Authorization"]


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
