"""Wrap-up in headless Chromium against the real local stack: the agent reviews the final summary,
corrects two sections, the disposition and the action items with the keyboard, and approves it;
a second tab approving the old draft gets the 409 message; text stays text; a supervisor may
approve an agent's call, another agent cannot open it; axe-core finds nothing with the form open."""

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
AXE = Path(__import__("axe_playwright_python").__file__).with_name("axe.min.js").read_text()


def axe_violations(page: Any) -> list[str]:
    """axe-core's violations on the page as it is (evaluate() runs outside the page's CSP)."""
    found = page.evaluate(
        f"async () => {{ {AXE}\n const r = await axe.run(document); "
        "return r.violations.map(v => `${v.id}: ${v.nodes.map(n => n.target.join(' ')).join(', ')}`); }"
    )
    return list(found)


@pytest.fixture
def ended_call() -> Any:
    from callrecap_local.stack import LocalPipeline

    with LocalPipeline(port=0, sweeper_interval=0, viewer="agent:agent-tomas") as stack:
        recording = load_recording(SAMPLES / "order_status.jsonl").renamed()  # agent-tomas
        (result,) = replay_and_wait(stack, [recording], speed=100, timeout=60)
        assert result.status == "COMPLETED"
        yield stack, recording.call_id


def open_review(page: Any, url: str) -> None:
    page.goto(url)
    review = page.get_by_role("button", name="Review and approve")
    expect(review).to_be_visible(timeout=WAIT_MS)
    review.focus()
    page.keyboard.press("Enter")  # keyboard only
    expect(page.locator("form.approve-form")).to_be_visible()


def test_the_agent_corrects_and_approves_and_a_second_tab_gets_the_conflict(
    ended_call: Any, page: Any
) -> None:
    stack, call_id = ended_call
    url = f"{stack.url}/#/calls/{call_id}"
    other_tab = page.context.new_page()
    open_review(other_tab, url)  # a second tab opens the same draft first
    open_review(page, url)
    assert axe_violations(page) == []

    summary = page.get_by_role("textbox", name="Summary", exact=True)
    expect(summary).to_be_focused()  # the form takes focus at its first field
    summary.fill("The caller asked where order 4471 is. <script>window.pwned = 1</script> It ships today.")
    page.get_by_label("Topic").fill("Order 4471 status")
    disposition = page.get_by_label("Disposition")
    disposition.focus()
    disposition.select_option("complaint")
    page.get_by_role("button", name="Add action item").press("Enter")
    new_item = page.locator(".list-editor input").last
    expect(new_item).to_be_focused()
    page.keyboard.type("Agent calls the caller back tomorrow.")
    page.get_by_role("button", name="Approve", exact=True).press("Enter")

    status = page.locator("#summary-status")
    expect(status).to_contain_text("Approved: version", timeout=WAIT_MS)
    article = page.locator("article.summary")
    expect(article.locator("h3")).to_contain_text("Approved summary")
    expect(article).to_contain_text("Approved by agent-tomas")
    expect(article).to_contain_text("<script>window.pwned = 1</script>")  # shown as text
    assert page.evaluate("() => window.pwned") is None  # never run
    expect(article).to_contain_text("Order 4471 status")
    expect(article).to_contain_text("Complaint")
    expect(article).to_contain_text("Agent calls the caller back tomorrow.")

    other_tab.get_by_role("button", name="Approve", exact=True).click()
    conflict = other_tab.locator(".form-error")
    expect(conflict).to_contain_text("was changed meanwhile")
    expect(conflict).to_contain_text("is the current summary now")

    versions = stack.outcome(call_id).summaries
    approved = [s for s in versions if s["kind"] == "approved"]
    assert len(approved) == 1 and approved[0]["approvedBy"] == "agent-tomas"
    assert approved[0]["corrections"]["disposition"]["to"] == "complaint"
    other_tab.close()


def test_a_supervisor_may_approve_an_agents_call_another_agent_cannot_open_it(
    ended_call: Any, page: Any
) -> None:
    stack, call_id = ended_call
    url = f"{stack.url}/#/calls/{call_id}"
    stack.sign_in_as("supervisor")
    open_review(page, url)
    page.get_by_role("button", name="Approve", exact=True).click()
    expect(page.locator("article.summary")).to_contain_text("Approved by local-supervisor", timeout=WAIT_MS)
    expect(page.get_by_role("button", name="Edit and approve again")).to_be_visible()

    stack.sign_in_as("agent:agent-marcus")
    page.goto(f"{stack.url}/")
    page.goto(url)
    expect(page.get_by_text("not found").first).to_be_visible(timeout=WAIT_MS)
    expect(page.get_by_role("button", name="Review and approve")).to_have_count(0)


def test_an_invalid_edit_names_the_field(ended_call: Any, page: Any) -> None:
    stack, call_id = ended_call
    open_review(page, f"{stack.url}/#/calls/{call_id}")
    page.get_by_role("textbox", name="Summary", exact=True).fill("")
    page.get_by_role("button", name="Approve", exact=True).click()
    expect(page.locator(".form-error")).to_contain_text("summary: is required")
    expect(page.get_by_role("textbox", name="Summary", exact=True)).to_have_attribute("aria-invalid", "true")
