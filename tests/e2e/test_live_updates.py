"""Live updates in a real browser against the local stack: the page opens the live-updates
WebSocket with a ticket, segments are pushed to it as ingest stores them (no polling while the
socket is open), a hidden tab closes the socket and makes no requests, and a deployment without
the WebSocket API falls back to polling."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from callrecap_local.lca_events import lca_call_event, lca_segment
from tests.e2e.test_polling import SET_HIDDEN

pytestmark = pytest.mark.e2e

# Counts the page's requests for the call (GET /api/calls/<id>) and its ticket requests.
RECORD_REQUESTS = """
(() => {
  const log = { reads: 0, tickets: 0, hidden: 0 };
  window.__callRequests = log;
  const original = window.fetch.bind(window);
  window.fetch = (input, init) => {
    const url = new URL(String(input instanceof Request ? input.url : input), location.href);
    if (/\\/api\\/calls\\/[^/]+$/.test(url.pathname)) log.reads += 1;
    if (/\\/api\\/calls\\/[^/]+\\/live$/.test(url.pathname)) log.tickets += 1;
    if (document.hidden) log.hidden += 1;
    return original(input, init);
  };
})();
"""


def segment(call_id: str, n: int, text: str) -> dict[str, Any]:
    return lca_segment(call_id, f"push-{n}", 1.0 + 3 * n, 3.0 + 3 * n, text, agent=n % 2 == 0)


def wait_until(condition: Any, what: str, timeout_s: float = 20.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.05)


def requests_of(page: Any) -> dict[str, int]:
    log: dict[str, int] = page.evaluate("() => window.__callRequests")
    return log


def start_call(stack: Any, call_id: str) -> None:
    stack.put_kinesis_record(lca_call_event("START", call_id), call_id)
    stack.put_kinesis_record(segment(call_id, 0, "Thanks for calling, how can I help?"), call_id)
    wait_until(lambda: stack.outcome(call_id).segments == 1, "the first segment to be stored")


def open_page(page: Any, stack: Any, call_id: str) -> None:
    page.add_init_script(RECORD_REQUESTS)
    page.goto(f"{stack.url}#/calls/{call_id}")
    expect(page.locator("li.utterance")).to_have_count(1)


@pytest.fixture
def stack() -> Iterator[Any]:
    from callrecap_local.stack import LocalPipeline

    with LocalPipeline(port=0, sweeper_interval=0) as running:
        yield running


def test_segments_are_pushed_to_the_page_without_polling(page: Any, stack: Any) -> None:
    call_id = "live-push"
    start_call(stack, call_id)
    open_page(page, stack, call_id)
    wait_until(lambda: stack.live.connection_count() == 1, "the page's socket")
    reads_when_open = requests_of(page)["reads"]
    for n in range(1, 5):
        stack.put_kinesis_record(segment(call_id, n, f"pushed line number {n}"), call_id)
        expect(page.locator(f"li[data-segment-id='push-{n}']")).to_contain_text(f"number {n}")
    # Four segments arrived by push: at most the one read the socket's opening asks for, none per
    # segment (polling would have made about two a second).
    assert requests_of(page)["reads"] - reads_when_open <= 1
    assert requests_of(page)["tickets"] == 1
    assert stack.live.pushed >= 4

    stack.end_call(call_id)
    expect(page.locator(".call-status")).to_contain_text("Ended", timeout=20_000)
    wait_until(lambda: stack.live.connection_count() == 0, "the socket to close once the call ended")


def test_a_hidden_tab_closes_the_socket_and_makes_no_requests(page: Any, stack: Any) -> None:
    call_id = "live-hidden"
    start_call(stack, call_id)
    page.clock.install()  # the page's own timers, so that a minute of them can be run at once
    open_page(page, stack, call_id)
    wait_until(lambda: stack.live.connection_count() == 1, "the page's socket")

    page.evaluate(SET_HIDDEN, True)
    wait_until(lambda: stack.live.connection_count() == 0, "the socket to close while hidden")
    stack.put_kinesis_record(segment(call_id, 1, "said while the tab was hidden"), call_id)
    wait_until(lambda: stack.outcome(call_id).segments == 2, "the segment to be stored")
    # A minute of the page's timers (two reconcile reads, a hundred polls, any reconnect) runs;
    # none of them may make a request while the tab is hidden.
    page.clock.run_for(60_000)
    assert requests_of(page)["hidden"] == 0
    expect(page.locator("li[data-segment-id='push-1']")).to_have_count(0)

    page.evaluate(SET_HIDDEN, False)
    expect(page.locator("li[data-segment-id='push-1']")).to_contain_text("hidden")
    wait_until(lambda: stack.live.connection_count() == 1, "the socket to reopen")
    assert requests_of(page)["tickets"] == 2


def test_without_the_websocket_api_the_page_polls(page: Any) -> None:
    from callrecap_local.stack import LocalPipeline

    with LocalPipeline(port=0, sweeper_interval=0, live_updates=False) as polling:
        call_id = "live-off"
        start_call(polling, call_id)
        open_page(page, polling, call_id)
        polling.put_kinesis_record(segment(call_id, 1, "found by polling"), call_id)
        expect(page.locator("li[data-segment-id='push-1']")).to_contain_text("polling")
        assert requests_of(page)["tickets"] == 1  # answered 501: asked once, never again
        reads = requests_of(page)["reads"]
        wait_until(lambda: requests_of(page)["reads"] >= reads + 2, "the page to keep polling")
