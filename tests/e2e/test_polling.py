"""How the call page polls: only for what changed, never two requests at once, not at all while
the tab is hidden. Checked from inside the page (a wrapper around `fetch` records each transcript
request as it starts), so nothing here depends on how fast the machine is."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.fake_api import FakeApiServer

pytestmark = pytest.mark.e2e

CALL = "call-poll"

# Records every transcript request of the page (GET .../calls/<id>, not .../summaries): its
# `since`, whether the tab was hidden when it started, and how many were in flight at once.
RECORD_TRANSCRIPT_FETCHES = """
(() => {
  const log = { polls: [], inFlight: 0, maxInFlight: 0 };
  window.__transcriptFetches = log;
  const original = window.fetch.bind(window);
  window.fetch = async (input, init) => {
    const url = new URL(String(input instanceof Request ? input.url : input), location.href);
    if (!/\\/api\\/calls\\/[^/]+$/.test(url.pathname)) return original(input, init);
    log.polls.push({ since: url.searchParams.get("since"), hidden: document.hidden });
    log.inFlight += 1;
    log.maxInFlight = Math.max(log.maxInFlight, log.inFlight);
    try {
      return await original(input, init);
    } finally {
      log.inFlight -= 1;
    }
  };
})();
"""

SET_HIDDEN = """
(hidden) => {
  Object.defineProperty(document, "hidden", { configurable: true, get: () => hidden });
  Object.defineProperty(document, "visibilityState", {
    configurable: true,
    get: () => (hidden ? "hidden" : "visible"),
  });
  document.dispatchEvent(new Event("visibilitychange"));
}
"""


@pytest.fixture
def fake() -> Iterator[FakeApiServer]:
    with FakeApiServer() as server:
        yield server


def fetches(page: Any) -> dict[str, Any]:
    log: dict[str, Any] = page.evaluate("() => window.__transcriptFetches")
    return log


def wait_until(condition: Any, what: str, timeout_s: float = 10.0) -> None:
    """Wait for a condition (a wait, not a timed assertion: a generous deadline only)."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.05)


def open_call(page: Any, fake: FakeApiServer) -> None:
    page.add_init_script(RECORD_TRANSCRIPT_FETCHES)
    page.goto(f"{fake.url}/#/calls/{CALL}")
    expect(page.get_by_role("heading", name="Transcript")).to_be_visible()


def test_live_polls_ask_only_for_what_changed(page: Any, fake: FakeApiServer) -> None:
    backend = fake.backend
    backend.add_call(CALL)
    backend.put_segment(CALL, "s1", "Hello, you are through to billing.")
    open_call(page, fake)
    expect(page.locator("li.utterance")).to_have_count(1)
    backend.put_segment(CALL, "s2", "My invoice is wrong.", speaker="CUSTOMER", startTime=2.0)
    expect(page.locator("li.utterance")).to_have_count(2)
    wait_until(lambda: fetches(page)["polls"][-1]["since"] == "2", "a poll with the newest cursor")

    sinces = [poll["since"] for poll in fetches(page)["polls"]]
    assert sinces[0] is None  # the first poll reads the whole transcript
    assert all(since is not None for since in sinces[1:])  # every later one only what changed
    assert sinces[1:] == sorted(sinces[1:], key=int)  # the cursor only moves forward


def test_a_slow_api_never_gets_overlapping_polls(page: Any, fake: FakeApiServer) -> None:
    backend = fake.backend
    backend.add_call(CALL)
    backend.put_segment(CALL, "s0", "Hello, how can I help?")  # something to summarize
    open_call(page, fake)
    expect(page.get_by_role("button", name="Summarize now")).to_be_enabled()
    backend.api_delay_s = 0.4  # longer than the poll interval (150 ms in the fake's config.json)
    summarize = page.get_by_role("button", name="Summarize now")
    wait_until(lambda: len(fetches(page)["polls"]) >= 3, "three polls")
    summarize.click()  # asks for a poll at once, while one is probably in flight
    backend.put_segment(CALL, "s1", "Still there?")
    expect(page.locator("li[data-segment-id='s1']")).to_be_attached()
    wait_until(lambda: len(fetches(page)["polls"]) >= 6, "six polls")

    assert fetches(page)["maxInFlight"] == 1
    assert len(backend.posts("/summaries")) == 1


def test_a_hidden_tab_does_not_poll_and_catches_up_when_shown(page: Any, fake: FakeApiServer) -> None:
    backend = fake.backend
    backend.add_call(CALL)
    page.clock.install()  # page time we can run forward: a minute hidden takes no real minute
    open_call(page, fake)
    expect(page.get_by_text("Waiting for the first words")).to_be_visible()

    page.evaluate(SET_HIDDEN, True)
    page.clock.run_for(60_000)
    # A poll that started before the tab was hidden may still be answered: only once it has, is a
    # new segment one that the page could have got by polling while hidden.
    wait_until(lambda: fetches(page)["inFlight"] == 0, "the poll in flight when hidden to end")
    backend.put_segment(CALL, "s1", "Said while the agent was on another tab.")
    page.clock.run_for(60_000)
    expect(page.locator("li[data-segment-id='s1']")).to_have_count(0)

    page.evaluate(SET_HIDDEN, False)
    page.clock.run_for(1)
    expect(page.locator("li[data-segment-id='s1']")).to_contain_text("another tab")
    assert not [poll for poll in fetches(page)["polls"] if poll["hidden"]]
