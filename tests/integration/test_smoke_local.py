"""`callrecap smoke` against the local stack's endpoints (issue 15): the same code that tests a
deployed stack creates a user in the (moto) user pool, signs it in with the smoke-test client,
puts a sample call on the stream, reads transcript and final summary back through the HTTP API
with the user's bearer token, then deletes the call's data and the user."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest

from callrecap_local.cli import main as cli_main
from callrecap_local.stack import LocalPipeline

pytestmark = pytest.mark.slow

SAMPLE = Path(__file__).resolve().parents[2] / "samples" / "password_reset.jsonl"


def outputs_file(stack: LocalPipeline, tmp_path: Path) -> Path:
    resources = stack.resources
    assert resources is not None
    outputs = {
        "StreamName": resources.stream_name,
        "ApiUrl": stack.api_url,
        "UserPoolId": resources.user_pool_id,
        "SmokeTestClientId": resources.smoke_client_id,
    }
    path = tmp_path / "outputs.json"
    path.write_text(json.dumps(outputs), encoding="utf-8")
    return path


def test_smoke_passes_and_leaves_nothing_behind(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with LocalPipeline(port=0, sweeper_interval=0) as stack:
        path = outputs_file(stack, tmp_path)
        status = cli_main(
            ["smoke", "--outputs", str(path), "--sample", str(SAMPLE), "--speed", "20", "--json"]
        )
        report: dict[str, Any] = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
        assert status == 0, report
        assert report["passed"] and report["callId"].startswith("smoke-")
        steps = {s["step"]: s for s in report["steps"]}
        assert {"signed in", "transcript", "sent", "summary", "CRM hook", "cleaned up"} <= set(steps)
        assert steps["transcript"]["seconds"] < steps["summary"]["seconds"]
        assert "final COMPLETED" in steps["summary"]["detail"]
        assert "DELIVERED" in steps["CRM hook"]["detail"]
        # nothing left: the test user is gone, and so is the call
        cognito = boto3.client("cognito-idp")
        users = cognito.list_users(UserPoolId=stack.resources.user_pool_id)["Users"]  # type: ignore[union-attr]
        assert users == []
        gone = stack.outcome(report["callId"])
        assert (gone.call_status, gone.segments, gone.summaries) == ("", 0, [])


def test_a_token_of_another_pool_is_not_taken_for_the_user() -> None:
    from callrecap_local.http_server import bearer_claims

    assert bearer_claims("", "pool") is None
    assert bearer_claims("Bearer not-a-jwt", "pool") is None
    import base64

    def token(claims: dict[str, Any]) -> str:
        body = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
        return f"Bearer e30.{body}.sig"

    mine = {"iss": "https://cognito-idp.us-east-1.amazonaws.com/pool", "token_use": "access", "username": "u"}
    assert bearer_claims(token(mine | {"cognito:groups": ["admins"]}), "pool") == {
        **mine,
        "cognito:groups": "[admins]",
    }
    assert bearer_claims(token(mine | {"iss": "https://elsewhere/other"}), "pool") is None
    assert bearer_claims(token(mine | {"token_use": "id"}), "pool") is None


def test_bad_outputs_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "outputs.json"
    path.write_text(json.dumps({"StreamName": "s"}), encoding="utf-8")
    assert cli_main(["smoke", "--outputs", str(path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "ApiUrl" in err[0]
