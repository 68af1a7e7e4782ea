"""Accessibility checks on the rendered page: names, landmarks, headings, keyboard, contrast."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.fake_api import FakeApiServer

pytestmark = pytest.mark.e2e

CALL = "call-a11y"

AUDIT_SCRIPT = (Path(__file__).parent / "a11y_audit.js").read_text()


def audit(page: Any, check: str) -> list[str]:
    """Run one check of a11y_audit.js in the page; returns what failed."""
    # evaluate() runs outside the page's Content-Security-Policy, unlike an added <script>.
    return list(page.evaluate(f"() => {{ {AUDIT_SCRIPT}\n return window.callrecapAudit.{check}(); }}"))


FOCUSED_NAME = """(() => {
  const el = document.activeElement;
  return el.id || el.getAttribute("aria-label") || el.textContent.trim();
})()"""


@pytest.fixture
def fake() -> Iterator[FakeApiServer]:
    with FakeApiServer() as server:
        backend = server.backend
        backend.add_call(CALL, fromNumber="+15550100", toNumber="+15550199", topic="Plan upgrade")
        backend.add_call("ended", status="ENDED", endedAt="2025-01-01T10:01:00Z", crmStatus="FAILED")
        backend.put_segment(CALL, "s1", "Hello, how can I help?", sentiment="NEUTRAL")
        backend.put_segment(CALL, "s2", "I'd like a faster plan.", speaker="CUSTOMER", startTime=2.0)
        backend.put_segment(CALL, "s3", "Let me check what", isPartial=True, startTime=4.0)
        backend.put_summary(
            CALL,
            2,
            "interim",
            "FAILED",
            error="provider timed out",
        )
        backend.put_summary(
            CALL,
            1,
            "interim",
            "COMPLETED",
            sections={"summary": "Wants a faster plan.", "resolved": "no", "action_items": ["Quote"]},
        )
        yield server


def test_call_page_names_landmarks_and_contrast(page: Any, fake: FakeApiServer) -> None:
    page.goto(f"{fake.url}/#/calls/{CALL}")
    expect(page.locator("article.summary")).to_contain_text("This summary failed.")
    expect(page.get_by_role("navigation", name="Breadcrumb")).to_be_visible()
    expect(page.get_by_role("region", name="Transcript lines")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_count(1)
    expect(page.get_by_role("heading", level=2, name="Transcript")).to_be_visible()
    expect(page.get_by_role("heading", level=2, name="Summary")).to_be_visible()
    assert audit(page, "unnamedControls") == []
    assert audit(page, "lowContrastText") == []


def test_call_list_names_and_contrast(page: Any, fake: FakeApiServer) -> None:
    page.goto(fake.url + "/")
    expect(page.locator("tbody tr")).to_have_count(2)
    assert audit(page, "unnamedControls") == []
    assert audit(page, "lowContrastText") == []


def test_keyboard_skip_link_focus_ring_and_order(page: Any, fake: FakeApiServer) -> None:
    page.goto(f"{fake.url}/#/calls/{CALL}")
    expect(page.locator("article.summary")).to_be_visible()
    page.evaluate("document.activeElement.blur()")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()

    # Tab order follows the reading order: breadcrumb, transcript, Summarize now, versions, retry.
    order: list[str] = []
    while "Retry version 2" not in order and len(order) < 10:
        page.keyboard.press("Tab")
        order.append(page.evaluate(FOCUSED_NAME))
        outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
        assert outline != "none", f"no visible focus on {order[-1]!r}"
    assert order[:3] == ["back-to-calls", "Transcript lines", "summarize-now"]
    assert [name[:2] for name in order[3:5]] == ["v2", "v1"]
    assert order[5] == "Retry version 2"


def _tab_to(page: Any, name: str, limit: int = 25) -> list[str]:
    """Press Tab until the element called `name` has focus; returns the names passed on the way."""
    passed: list[str] = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        passed.append(page.evaluate(FOCUSED_NAME))
        if passed[-1] == name:
            return passed
    raise AssertionError(f"{name!r} not reached by Tab; focus went through {passed}")


def test_keyboard_only_list_to_call_to_summarize_to_retry(page: Any, fake: FakeApiServer) -> None:
    backend = fake.backend
    page.goto(fake.url + "/")
    expect(page.locator("tbody tr")).to_have_count(2)

    _tab_to(page, "Plan upgrade")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Transcript")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_be_focused()  # a new view: focus on its heading

    _tab_to(page, "summarize-now")
    page.keyboard.press("Enter")
    expect(page.locator("#summary-status")).to_contain_text("Summary requested")
    assert backend.posts(f"/calls/{CALL}/summaries") == [f"/api/calls/{CALL}/summaries"]

    _tab_to(page, "Retry version 2")
    page.keyboard.press("Space")
    expect(page.locator("#summary-status")).to_contain_text("Retry of version 2 requested.")
    assert backend.posts("/retry") == [f"/api/calls/{CALL}/summaries/2/retry"]
