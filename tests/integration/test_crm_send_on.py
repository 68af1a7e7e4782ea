"""crmSendOn approval-or-timeout through the whole local stack (moto's server, the real handlers and
event wiring, a wrap-up delay of a few seconds): an approved call delivers the approved sections
once; an unapproved call delivers its final once at the timeout; a late approval delivers one
update marked as superseding the final; duplicated bus events and concurrent duplicate approvals
change none of these counts."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from callrecap.choices import CrmSendOn
from callrecap_local.recording import load_recording
from callrecap_local.stack import LocalPipeline
from tests.integration.test_local_fault_injection import every_bus_event_twice

pytestmark = pytest.mark.slow

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
WRAP_UP_SECONDS = 15
"""Long enough that the in-time approval lands well before it on a loaded machine (4 test workers)."""


@pytest.fixture(scope="module")
def stack() -> Iterator[LocalPipeline]:
    with (
        LocalPipeline(
            port=0,
            sweeper_interval=0,
            crm_send_on=CrmSendOn.APPROVAL_OR_TIMEOUT,
            wrap_up_seconds=WRAP_UP_SECONDS,
        ) as running,
        every_bus_event_twice(),  # EventBridge delivers at least once
    ):
        yield running


def replayed(stack: LocalPipeline, name: str) -> tuple[str, dict[str, Any]]:
    """A recorded call replayed to its final (which waits for the wrap-up: nothing is delivered)."""
    recording = load_recording(SAMPLES / name).renamed()
    stack.replay(recording, speed=100)
    status, outcome = stack.wait_for(recording.call_id, timeout=90, delivered=False)
    assert status == "COMPLETED", outcome
    final = max((s for s in outcome.summaries if s["kind"] == "final"), key=lambda s: int(s["version"]))
    return recording.call_id, final


def approve(stack: LocalPipeline, call_id: str, version: int, sections: dict[str, Any]) -> int:
    request = urllib.request.Request(
        f"{stack.api_url}/calls/{call_id}/summaries/{version}/approve",
        data=json.dumps({"sections": sections}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def deliveries(stack: LocalPipeline, call_id: str, wait: float = 0.0) -> list[dict[str, Any]]:
    deadline = time.monotonic() + wait
    while True:
        found = sorted(stack.outcome(call_id).deliveries, key=lambda d: int(d["version"]))
        if time.monotonic() >= deadline:
            return found
        time.sleep(0.5)


def plain(sections: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in sections.items() if not k.endswith("_answer")}


def test_an_approval_in_time_is_the_one_delivery(stack: LocalPipeline) -> None:
    call_id, final = replayed(stack, "order_status.jsonl")
    sections = {**plain(final["sections"]), "disposition": "complaint"}
    statuses: list[int] = []
    threads = [
        threading.Thread(
            target=lambda: statuses.append(approve(stack, call_id, int(final["version"]), sections))
        )
        for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200, 409, 409, 409]  # concurrent duplicate approvals: one stored
    found = deliveries(stack, call_id, wait=WRAP_UP_SECONDS + 8)  # past the wrap-up time
    assert [(d["kind"], d["sections"]["disposition"]) for d in found] == [("approved", "complaint")]
    assert "supersedes" not in found[0]


def test_no_approval_delivers_the_final_once_at_the_timeout_and_a_late_one_supersedes_it(
    stack: LocalPipeline,
) -> None:
    call_id, final = replayed(stack, "password_reset.jsonl")
    assert deliveries(stack, call_id) == []  # waiting for the agent
    released = deliveries(stack, call_id, wait=WRAP_UP_SECONDS + 8)
    assert [(d["kind"], int(d["version"]), d.get("crmRelease")) for d in released] == [
        ("final", int(final["version"]), "wrap-up-timeout")
    ]
    assert approve(stack, call_id, int(final["version"]), plain(final["sections"])) == 200  # late
    found = deliveries(stack, call_id, wait=6)
    assert [(d["kind"], d.get("supersedes")) for d in found] == [
        ("final", None),
        ("approved", int(final["version"])),
    ]
