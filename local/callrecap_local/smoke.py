"""A smoke test of a deployed stack (`callrecap smoke`): one sample call through the real thing.

It creates a test user in the stack's user pool (group `admins`, a random password, no e-mail),
signs it in with the stack's smoke-test client (AdminInitiateAuth: it needs the caller's AWS
credentials, no browser), puts a recorded call's Kinesis records on the stream at the recording's
pace (sped up), and reads the call back through the deployed API as the page would: the first
transcript segment, the end of the call, the final summary and the CRM hook's delivery. Then it
deletes the call's data through the API and the user, whatever happened. Each step is timed from
the first record sent, and the whole is one report; nothing is faked on the way.

Everything it needs comes from the stack's outputs (StreamName, ApiUrl, UserPoolId,
SmokeTestClientId); the AWS clients follow the usual environment (region, profile, endpoint), so
the same code runs against the local stack's moto and HTTP API in the tests.
"""

from __future__ import annotations

import json
import secrets
import string
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from callrecap_local.recording import Recording, load_recording

REQUIRED_OUTPUTS = ("StreamName", "ApiUrl", "UserPoolId", "SmokeTestClientId")
CRM_WAIT_SECONDS = 30.0
SMOKE_GROUP = "admins"
"""Admins see every call, so the test call is visible whoever it names as agent."""


class SmokeError(RuntimeError):
    """The smoke test could not run (bad outputs, no permission): one line for the user."""


@dataclass
class Step:
    name: str
    seconds: float | None
    """Since the first record was sent (None: not a timed step)."""
    detail: str = ""

    def line(self) -> str:
        at = f"{self.seconds:7.1f} s" if self.seconds is not None else "      - "
        return f"  {at}  {self.name:<11} {self.detail}"


@dataclass
class SmokeReport:
    call_id: str
    steps: list[Step] = field(default_factory=list)
    passed: bool = False
    failure: str = ""

    def add(self, name: str, seconds: float | None, detail: str = "") -> None:
        self.steps.append(Step(name, seconds, detail))

    def as_dict(self) -> dict[str, Any]:
        return {
            "callId": self.call_id,
            "passed": self.passed,
            "failure": self.failure,
            "steps": [{"step": s.name, "seconds": s.seconds, "detail": s.detail} for s in self.steps],
        }


def checked_outputs(outputs: Mapping[str, str], where: str) -> dict[str, str]:
    """Outputs given as a file (`--outputs`), checked like a stack's for what the test needs."""
    missing = [key for key in REQUIRED_OUTPUTS if not outputs.get(key)]
    if missing:
        raise SmokeError(f"{where} has no {', '.join(missing)} (deploy this version of callrecap)")
    return dict(outputs)


def test_password() -> str:
    """A password that satisfies the stack's policy (12+ characters, every character class)."""
    alphabet = string.ascii_letters + string.digits
    body = "".join(secrets.choice(alphabet) for _ in range(20))
    return f"Sm0ke!{body}a"


class ApiClient:
    """GET/DELETE on the deployed HTTP API with the test user's bearer token."""

    def __init__(self, base_url: str, token: str) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token

    def request(self, method: str, path: str) -> tuple[int, Any]:
        request = urllib.request.Request(  # noqa: S310 (the stack's own https API, or loopback)
            f"{self.base_url}{path}", method=method, headers={"Authorization": f"Bearer {self.token}"}
        )
        try:
            with urllib.request.urlopen(request, timeout=20) as reply:  # noqa: S310
                return reply.status, json.loads(reply.read() or b"null")
        except urllib.error.HTTPError as error:
            return error.code, None


@dataclass
class SmokeTest:
    outputs: Mapping[str, str]
    cognito: Any
    kinesis: Any
    sample: Path
    speed: float = 10.0
    timeout: float = 300.0
    keep: bool = False
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    on_step: Callable[[Step], None] = lambda step: None

    def run(self) -> SmokeReport:
        recording = self._recording()
        report = SmokeReport(recording.call_id)
        username = f"callrecap-smoke-{uuid.uuid4().hex[:10]}"
        self._create_user(username)
        try:
            api = ApiClient(self.outputs["ApiUrl"], self._sign_in(username))
            self._note(report, "signed in", None, f"test user {username} (group {SMOKE_GROUP})")
            self._exercise(recording, api, report)
            if not self.keep:
                status, _ = api.request("DELETE", f"/calls/{recording.call_id}")
                self._note(report, "cleaned up", None, f"call data deleted (HTTP {status})")
        finally:
            self.cognito.admin_delete_user(UserPoolId=self.outputs["UserPoolId"], Username=username)
        return report

    # ------------------------------------------------------------------ steps

    def _recording(self) -> Recording:
        recording = load_recording(self.sample)
        if any(event.source != "kinesis" for event in recording.events):
            raise SmokeError(
                f"{self.sample}: has EventBridge events, which only AWS services may send; "
                "choose a recording of stream records (LCA events or Contact Lens)"
            )
        call_id = f"smoke-{datetime.now(UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}"
        return recording.renamed(call_id, rebase_to=datetime.now(UTC), speed=self.speed)

    def _create_user(self, username: str) -> None:
        pool = self.outputs["UserPoolId"]
        try:
            self.cognito.admin_create_user(UserPoolId=pool, Username=username, MessageAction="SUPPRESS")
        except Exception as error:
            raise SmokeError(f"cannot create a test user in {pool}: {error}") from error
        self._password = test_password()
        self.cognito.admin_set_user_password(
            UserPoolId=pool, Username=username, Password=self._password, Permanent=True
        )
        self.cognito.admin_add_user_to_group(UserPoolId=pool, Username=username, GroupName=SMOKE_GROUP)

    def _sign_in(self, username: str) -> str:
        reply = self.cognito.admin_initiate_auth(
            UserPoolId=self.outputs["UserPoolId"],
            ClientId=self.outputs["SmokeTestClientId"],
            AuthFlow="ADMIN_USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": username, "PASSWORD": self._password},
        )
        return str(reply["AuthenticationResult"]["AccessToken"])

    def _exercise(self, recording: Recording, api: ApiClient, report: SmokeReport) -> None:
        started = self.clock()
        deadline = started + self.timeout
        seen_segment: float | None = None
        for event in recording.events:
            due = started + event.at / self.speed
            while self.clock() < due:
                if seen_segment is None and self._has_segments(api, recording.call_id):
                    seen_segment = self.clock() - started
                    self._note(report, "transcript", seen_segment, "first segment visible through the API")
                self.sleep(min(0.5, max(0.0, due - self.clock())))
            self.kinesis.put_record(
                StreamName=self.outputs["StreamName"],
                Data=json.dumps(event.payload).encode(),
                PartitionKey=event.partition_key or recording.call_id,
            )
        sent = self.clock() - started
        what = f"{len(recording.events)} records of {self.sample.name} at {self.speed:g}x"
        self._note(report, "sent", sent, what)
        final = None
        while self.clock() < deadline:
            if seen_segment is None and self._has_segments(api, recording.call_id):
                seen_segment = self.clock() - started
                self._note(report, "transcript", seen_segment, "first segment visible through the API")
            final = self._final(api, recording.call_id)
            if final is not None and final.get("status") in ("COMPLETED", "FAILED"):
                break
            self.sleep(1.0)
        if seen_segment is None:
            report.failure = f"no transcript segment visible through the API within {self.timeout:g} s"
            return
        if final is None or final.get("status") not in ("COMPLETED", "FAILED"):
            report.failure = f"no final summary within {self.timeout:g} s of the first record"
            return
        took = self.clock() - started
        who = f"{final.get('provider', '?')}/{final.get('model', '?')}"
        after = f"{took - sent:.1f} s after the end"
        self._note(report, "summary", took, f"final {final['status']} by {who}, {after}")
        if final["status"] != "COMPLETED":
            report.failure = f"the final summary FAILED: {final.get('error') or final.get('failureReason')}"
            return
        crm = self._crm_status(api, recording.call_id, deadline)
        self._note(report, "CRM hook", self.clock() - started, crm or "no delivery recorded")
        report.passed = True

    # ------------------------------------------------------------------ reads

    def _has_segments(self, api: ApiClient, call_id: str) -> bool:
        status, body = api.request("GET", f"/calls/{call_id}")
        return status == 200 and isinstance(body, dict) and bool(body.get("segments"))

    def _final(self, api: ApiClient, call_id: str) -> dict[str, Any] | None:
        status, body = api.request("GET", f"/calls/{call_id}/summaries")
        if status != 200 or not isinstance(body, dict):
            return None
        finals = [s for s in body.get("summaries", []) if s.get("kind") == "final"]
        return finals[0] if finals else None  # newest first

    def _crm_status(self, api: ApiClient, call_id: str, deadline: float) -> str:
        """The CRM hook's delivery status, waited for a little (it follows CallSummarized)."""
        until = min(deadline, self.clock() + CRM_WAIT_SECONDS)
        while True:
            status, body = api.request("GET", f"/calls/{call_id}")
            crm = (body or {}).get("call", {}).get("crmStatus") if status == 200 else None
            text = crm.get("status") if isinstance(crm, dict) else crm
            if text or self.clock() >= until:
                return str(text or "")
            self.sleep(1.0)

    def _note(self, report: SmokeReport, name: str, seconds: float | None, detail: str) -> None:
        report.add(name, seconds, detail)
        self.on_step(report.steps[-1])
