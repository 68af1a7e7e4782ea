"""The page signed in as an agent, in headless Chromium against the real local stack: the call list
shows that agent's calls only, the header names the viewer, and another agent's call cannot be
opened by URL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from callrecap_local.recording import load_recording
from callrecap_local.replay_run import replay_and_wait

pytestmark = pytest.mark.e2e

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
WAIT_MS = 45_000


@pytest.fixture
def agent_stack() -> Any:
    from callrecap_local.stack import LocalPipeline

    with LocalPipeline(port=0, sweeper_interval=0, viewer="agent:agent-tomas") as running:
        yield running


def test_an_agent_sees_only_their_own_calls(page: Any, agent_stack: Any) -> None:
    own = load_recording(SAMPLES / "order_status.jsonl").renamed()  # agent-tomas (UPDATE_AGENT)
    other = load_recording(SAMPLES / "technical_support.jsonl").renamed()  # agent-marcus
    results = replay_and_wait(agent_stack, [own, other], speed=100, timeout=60)
    assert all(result.status == "COMPLETED" for result in results)

    page.goto(f"{agent_stack.url}/")
    expect(page.locator("#account")).to_contain_text("Agent agent-tomas")
    links = page.locator("a.call-link")
    expect(links).to_have_count(1, timeout=WAIT_MS)
    expect(links.first).to_have_attribute("href", f"#/calls/{own.call_id}")

    page.goto(f"{agent_stack.url}/#/calls/{other.call_id}")  # a link shared by another agent
    expect(page.get_by_text("not found").first).to_be_visible(timeout=WAIT_MS)
    expect(page.locator("li.utterance")).to_have_count(0)
