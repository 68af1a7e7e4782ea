"""The whole pipeline in a browser: the local stack replays a recorded call while Chromium shows
the agent's page; the transcript grows, "Summarize now" yields an interim summary, and ending the
call yields the final summary and the CRM hook's delivery status."""

from __future__ import annotations

import json
import os
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

REPO_ROOT = Path(__file__).resolve().parents[2]
RECORDING = Path(__file__).parent / "data" / "router_reset.jsonl"
SCREENSHOT_NAME = "call-page.png"
ARTIFACT_SCREENSHOT = REPO_ROOT / "test-artifacts" / SCREENSHOT_NAME
README_SCREENSHOT = REPO_ROOT / "docs" / "images" / SCREENSHOT_NAME
UPDATE_SCREENSHOTS = "CALLRECAP_UPDATE_SCREENSHOTS"
"""Set to 1 to also refresh the README's screenshot (docs/ui.md); otherwise the tracked image is
left alone so a test run does not dirty the work tree."""
PIPELINE_WAIT_MS = 45_000  # generous: the machine may be busy; a healthy run takes a few seconds


def _final_utterances(path: Path) -> int:
    finals = set()
    for line in path.read_text().splitlines():
        data = json.loads(line).get("data", {})
        if data.get("EventType") == "ADD_TRANSCRIPT_SEGMENT" and not data.get("IsPartial"):
            finals.add(data["SegmentId"])
    return len(finals)


def _wait_until_call_exists(api_url: str, call_id: str, timeout: float) -> None:
    """The page is opened once the call is known, as an agent would follow a link from the list."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(f"{api_url}/calls/{call_id}", timeout=5):
                return
        except urllib.error.HTTPError as error:
            if error.code != 404 or time.monotonic() > deadline:
                raise
        time.sleep(0.2)


@pytest.fixture
def stack() -> Any:
    from callrecap_local.stack import LocalPipeline

    with LocalPipeline(port=0, sweeper_interval=0) as running:
        yield running


def test_live_call_transcript_summarize_now_and_final(page: Any, stack: Any) -> None:
    replay = stack.replay(RECORDING, speed=2, fresh_id=True)
    _wait_until_call_exists(stack.api_url, replay.call_id, timeout=PIPELINE_WAIT_MS / 1000)
    page.goto(f"{stack.url}/#/calls/{replay.call_id}")
    expect(page.get_by_role("heading", name="Transcript")).to_be_visible(timeout=PIPELINE_WAIT_MS)

    # The transcript grows while the call is live.
    finals = page.locator("li.utterance:not(.is-partial)")
    expect(finals.nth(1)).to_be_visible(timeout=PIPELINE_WAIT_MS)
    seen = finals.count()
    expect(finals.nth(seen)).to_be_visible(timeout=PIPELINE_WAIT_MS)
    expect(page.locator(".utterance--customer .speaker").first).to_have_text("Customer")
    expect(page.locator(".utterance--agent .speaker").first).to_have_text("Agent")
    expect(page.locator(".call-status")).to_contain_text("Live")

    # "Summarize now" during the call gives an interim summary.
    page.get_by_role("button", name="Summarize now").click()
    interim = page.locator("button.version[data-kind='interim'][data-status='COMPLETED']")
    expect(interim).to_be_visible(timeout=PIPELINE_WAIT_MS)
    expect(page.locator("article.summary")).to_contain_text("Interim summary")
    expect(page.locator("article.summary .sections dd").first).not_to_be_empty()

    # The call ends: the final summary follows, then the CRM hook's delivery.
    stack.end_call(replay.call_id)
    final = page.locator("button.version[data-kind='final'][data-status='COMPLETED']")
    expect(final).to_be_visible(timeout=PIPELINE_WAIT_MS)
    expect(page.locator(".call-status")).to_contain_text("Ended", timeout=PIPELINE_WAIT_MS)
    expect(page.get_by_role("button", name="Summarize now")).to_be_hidden()
    expect(page.locator("article.summary")).to_contain_text("Final summary")
    expect(page.locator("#crm-status .badge")).to_be_visible(timeout=PIPELINE_WAIT_MS)
    expect(finals).to_have_count(_final_utterances(RECORDING), timeout=PIPELINE_WAIT_MS)
    expect(page.locator("li.utterance.is-partial")).to_have_count(0)

    expect(page.locator("#summary-status")).to_contain_text("Final summary (version 2) is ready.")

    # The screenshot in the README: the page as the agent sees it when the call is over.
    page.evaluate("document.activeElement && document.activeElement.blur()")
    targets = [ARTIFACT_SCREENSHOT]
    if os.environ.get(UPDATE_SCREENSHOTS) == "1":
        targets.append(README_SCREENSHOT)
    for target in targets:
        target.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(target))

    # The call list shows the ended call with its topic and statuses.
    page.get_by_role("link", name="Calls", exact=True).click()
    row = page.locator(f"tr[data-call-id='{replay.call_id}']")
    expect(row).to_contain_text("Ended", timeout=PIPELINE_WAIT_MS)
    expect(row).to_contain_text("+15555550142")
    expect(row).to_contain_text("Completed")
