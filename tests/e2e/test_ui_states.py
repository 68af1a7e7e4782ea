"""The page against a scripted fake API: every state on purpose (empty, error, partials, failed
summary, sign-in), each checked the way an agent sees it in Chromium."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.fake_api import FakeApiServer, FakeBackend

pytestmark = pytest.mark.e2e

CALL = "call-0001"


@pytest.fixture
def fake() -> Iterator[FakeApiServer]:
    with FakeApiServer() as server:
        yield server


def wait_until(condition: Any, seconds: float = 10.0) -> None:
    """The page's request is asynchronous: wait for what the fake API received."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the page did not send the request"
        time.sleep(0.05)


def open_call(page: Any, fake: FakeApiServer, call_id: str = CALL) -> None:
    page.goto(f"{fake.url}/#/calls/{call_id}")
    expect(page.get_by_role("heading", name="Transcript")).to_be_visible()


def test_empty_day_says_so(page: Any, fake: FakeApiServer) -> None:
    page.goto(fake.url + "/")
    expect(page.get_by_role("heading", level=1, name="Calls")).to_be_visible()
    expect(page.get_by_text("No calls on")).to_be_visible()
    expect(page.get_by_role("banner")).to_be_visible()
    expect(page.get_by_role("main")).to_be_visible()
    expect(page.get_by_label("Day (UTC)")).to_be_visible()


def test_list_error_then_recovery(page: Any, fake: FakeApiServer) -> None:
    fake.backend.fail_status = 500
    page.goto(fake.url + "/")
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("The calls could not be loaded.")
    expect(alert).to_contain_text("HTTP 500")
    fake.backend.fail_status = None
    fake.backend.add_call(CALL, fromNumber="+15550100")
    alert.get_by_role("button", name="Try again").click()
    expect(page.get_by_role("table")).to_contain_text("+15550100")


def test_list_shows_calls_and_refreshes_itself(page: Any, fake: FakeApiServer) -> None:
    backend = fake.backend
    backend.add_call(
        "ended-1",
        status="ENDED",
        startedAt="2025-01-01T09:00:00Z",
        endedAt="2025-01-01T09:04:05Z",
        fromNumber="+15550111",
        toNumber="+15550199",
        topic="Duplicate charge on invoice",
        latestSummaryStatus="COMPLETED",
        crmStatus="DELIVERED",
    )
    page.goto(fake.url + "/")
    row = page.locator("tr[data-call-id='ended-1']")
    expect(row.get_by_role("link", name="Duplicate charge on invoice")).to_be_visible()
    expect(row).to_contain_text("4:05")
    expect(row).to_contain_text("+15550111")
    expect(row).to_contain_text("+15550199")
    expect(row).to_contain_text("Completed")
    expect(row).to_contain_text("Delivered")
    expect(row).to_contain_text("Ended")

    backend.add_call("live-2", startedAt="2025-01-01T09:30:00Z", fromNumber="+15550222")
    live_row = page.locator("tr[data-call-id='live-2']")
    expect(live_row).to_contain_text("Live")
    expect(live_row.get_by_role("link", name="Call in progress")).to_be_visible()
    # newest first
    expect(page.locator("tbody tr").first).to_have_attribute("data-call-id", "live-2")

    live_row.get_by_role("link").click()
    expect(page).to_have_url(f"{fake.url}/#/calls/live-2")
    expect(page.get_by_role("heading", name="Transcript")).to_be_visible()


def test_transcript_replaces_partials_with_finals(page: Any, fake: FakeApiServer) -> None:
    backend = fake.backend
    backend.add_call(CALL)
    open_call(page, fake)
    expect(page.get_by_text("Waiting for the first words")).to_be_visible()

    backend.put_segment(CALL, "s1", "Thank you for calling", isPartial=True, startTime=0.5)
    item = page.locator("li[data-segment-id='s1']")
    expect(item).to_contain_text("Thank you for calling")
    expect(item).to_contain_text("speaking…")
    expect(item).to_have_class("utterance utterance--agent is-partial")

    backend.put_segment(CALL, "s1", "Thank you for calling Acme, how can I help?", startTime=0.5)
    backend.put_segment(
        CALL, "s2", "My bill is wrong.", speaker="CUSTOMER", startTime=3.0, endTime=4.5, sentiment="NEGATIVE"
    )
    expect(page.locator("li.utterance")).to_have_count(2)
    expect(item).not_to_contain_text("speaking…")
    expect(item).to_contain_text("Agent")
    customer = page.locator("li[data-segment-id='s2']")
    expect(customer).to_contain_text("Customer")
    expect(customer.locator(".badge")).to_have_text("Negative")
    expect(customer).to_contain_text("0:03")
    # finished lines (not partials) go to the polite live region
    announcer = page.locator("#transcript-announcer")
    expect(announcer).to_have_attribute("aria-live", "polite")
    expect(announcer).to_contain_text("Customer: My bill is wrong.")
    expect(page.locator(".transcript-count")).to_have_text("2 utterances")

    # a partial that arrives late must not undo the final text
    backend.put_segment(CALL, "s1", "Thank you", isPartial=True, startTime=0.5)
    backend.put_segment(CALL, "s3", "Let me look.", startTime=5.0)
    expect(page.locator("li.utterance")).to_have_count(3)
    expect(item).to_contain_text("how can I help?")


def test_autoscroll_pauses_when_scrolled_up_and_jumps_back(page: Any, fake: FakeApiServer) -> None:
    backend = fake.backend
    backend.add_call(CALL)
    for n in range(40):
        backend.put_segment(CALL, f"s{n:03}", f"Line number {n} of the call. " * 3, startTime=float(n))
    open_call(page, fake)
    scroller = page.locator(".transcript-scroll")
    expect(page.locator("li.utterance")).to_have_count(40)
    at_bottom = "el => el.scrollHeight - el.scrollTop - el.clientHeight < 50"
    page.wait_for_function(f"({at_bottom})(document.querySelector('.transcript-scroll'))")

    scroller.evaluate("el => { el.scrollTop = 0; el.dispatchEvent(new Event('scroll')); }")
    backend.put_segment(CALL, "s999", "A new line while the agent reads back.", startTime=99.0)
    expect(page.locator("li[data-segment-id='s999']")).to_be_attached()
    jump = page.get_by_role("button", name="Jump to latest")
    expect(jump).to_be_visible()
    assert scroller.evaluate("el => el.scrollTop") == 0

    jump.click()
    expect(jump).to_be_hidden()
    assert scroller.evaluate(at_bottom)
    expect(scroller).to_be_focused()


def test_summarize_now_interim_then_final_with_crm_status(page: Any, fake: FakeApiServer) -> None:
    backend = fake.backend
    backend.add_call(CALL, fromNumber="+15550100")
    backend.put_segment(CALL, "s1", "I want to cancel my plan.", speaker="CUSTOMER")
    open_call(page, fake)
    expect(page.get_by_text("No summary yet.")).to_be_visible()
    expect(page.locator("#crm-status")).to_contain_text("None yet")

    button = page.get_by_role("button", name="Summarize now")
    button.click()
    expect(page.locator("#summary-status")).to_contain_text("Summary requested")
    assert backend.posts(f"/calls/{CALL}/summaries") == [f"/api/calls/{CALL}/summaries"]
    expect(button).to_be_disabled()

    backend.put_summary(
        CALL,
        1,
        "interim",
        "COMPLETED",
        sections={
            "summary": "The customer wants to cancel.",
            "action_items": ["Offer a discount", "Confirm by email"],
            "customer_sentiment": "negative",
            "resolved": False,
        },
    )
    summary = page.locator("article.summary")
    expect(summary).to_contain_text("Interim summary")
    expect(summary).to_contain_text("The customer wants to cancel.")
    expect(summary.locator(".section-list li")).to_have_count(2)
    expect(summary.locator(".badge.enum")).to_have_text("Negative")
    expect(summary.get_by_text("Action items")).to_be_visible()
    expect(page.locator("#summary-status")).to_contain_text("Interim summary (version 1) is ready.")
    expect(button).to_be_enabled()

    backend.update_call(CALL, status="ENDED", endedAt="2025-01-01T10:06:00Z", topic="Cancellation request")
    final_sections = {"summary": "Cancelled; discount declined.", "topic": "Cancellation"}
    backend.put_summary(CALL, 2, "final", "COMPLETED", sections=final_sections)
    backend.update_call(CALL, crmStatus="DELIVERED")
    expect(page.get_by_role("heading", level=1)).to_have_text("Cancellation request")
    expect(summary).to_contain_text("Final summary")
    expect(summary).to_contain_text("Cancelled; discount declined.")
    expect(page.get_by_role("button", name="Summarize now")).to_be_hidden()
    expect(page.locator("#crm-status")).to_contain_text("Delivered")
    versions = page.locator("button.version")
    expect(versions).to_have_count(2)
    expect(versions.nth(0)).to_have_attribute("aria-pressed", "true")
    expect(versions.nth(0)).to_contain_text("Final")
    versions.nth(1).click()
    expect(summary).to_contain_text("The customer wants to cancel.")
    expect(versions.nth(1)).to_have_attribute("aria-pressed", "true")


def test_failed_summary_offers_retry(page: Any, fake: FakeApiServer) -> None:
    backend = fake.backend
    ended_call_with_final(backend, "FAILED", error="ThrottlingException: rate exceeded")
    open_call(page, fake)
    summary = page.locator("article.summary")
    expect(summary).to_contain_text("This summary failed.")
    expect(summary).to_contain_text("ThrottlingException: rate exceeded")
    expect(summary.locator(".retry-note")).to_have_count(0)  # not marked retryable by the service
    summary.get_by_role("button", name="Retry version 1").click()
    expect(page.locator("#summary-status")).to_contain_text("Retry of version 1 requested.")
    assert backend.posts("/retry") == [f"/api/calls/{CALL}/summaries/1/retry"]

    backend.put_summary(CALL, 1, "final", "COMPLETED", sections={"summary": "Done on the second try."})
    expect(summary).to_contain_text("Done on the second try.")
    expect(page.locator("#summary-status")).to_contain_text("Version 1 was summarized on retry.")


def test_pending_stale_and_temporary_failure_are_told_apart(page: Any, fake: FakeApiServer) -> None:
    backend = fake.backend
    ended_call_with_final(backend, "STALE", sections={"summary": "Written before the last words."})
    backend.put_summary(CALL, 2, "final", "PENDING", createdAt=just_now())
    open_call(page, fake)
    summary = page.locator("article.summary")
    expect(summary).to_contain_text("Writing the summary…")
    expect(summary.locator(".badge")).to_have_text("Pending")
    expect(page.locator("button.version[data-version='1']")).to_contain_text("Stale")

    page.locator("button.version[data-version='1']").click()
    expect(summary).to_contain_text("The transcript changed after this version was written")
    expect(summary).to_contain_text("Written before the last words.")

    # The newer version fails on throttling: the page says it is temporary and still offers Retry.
    error = "ThrottlingException: rate exceeded"
    backend.put_summary(CALL, 2, "final", "FAILED", error=error, retryable=True)
    page.locator("button.version[data-version='2']").click()
    expect(summary).to_contain_text("This summary failed.")
    expect(summary.locator(".retry-note")).to_contain_text("tried again automatically")
    expect(summary.get_by_role("button", name="Retry version 2")).to_be_enabled()


def ended_call_with_final(backend: Any, status: str, **fields: Any) -> None:
    """An ended call whose first final summary is in `status`."""
    backend.add_call(CALL, status="ENDED", endedAt="2025-01-01T10:03:00Z")
    backend.put_summary(CALL, 1, "final", status, **fields)


def just_now() -> str:
    from datetime import UTC, datetime

    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def test_a_pending_version_past_the_summarizers_time_and_a_typed_failure_offer_retry(
    page: Any, fake: FakeApiServer
) -> None:
    backend = fake.backend
    ended_call_with_final(backend, "FAILED", error="no answer", failureReason="TIMEOUT", retryable=True)
    backend.put_summary(CALL, 2, "final", "PENDING")  # written long ago: its run was stopped
    open_call(page, fake)
    summary = page.locator("article.summary")
    expect(summary).to_contain_text("taking longer than the summarizer is allowed to run")
    summary.get_by_role("button", name="Retry version 2").click()
    expect(page.locator("#summary-status")).to_contain_text("Retry of version 2 requested.")
    assert backend.posts("/retry") == [f"/api/calls/{CALL}/summaries/2/retry"]
    page.locator("button.version[data-version='1']").click()
    expect(summary.locator(".failure-reason")).to_have_text("The model did not answer in time.")


def test_after_the_call_a_final_that_did_not_complete_can_be_summarized_again(
    page: Any, fake: FakeApiServer
) -> None:
    backend = fake.backend
    backend.add_call(CALL, status="ENDED", endedAt="2025-01-01T10:03:00Z")
    backend.put_summary(CALL, 1, "final", "FAILED", error="bad reply", failureReason="INVALID_OUTPUT")
    open_call(page, fake)
    again = page.get_by_role("button", name="Summarize again")
    expect(again).to_be_visible()
    again.click()
    wait_until(lambda: backend.posts("/summaries") == [f"/api/calls/{CALL}/summaries"])
    backend.put_summary(CALL, 2, "final", "COMPLETED", sections={"summary": "Written on the second try."})
    expect(page.locator("article.summary")).to_contain_text("Written on the second try.")
    expect(again).to_be_hidden()


def test_unknown_call_is_reported(page: Any, fake: FakeApiServer) -> None:
    page.goto(f"{fake.url}/#/calls/nope")
    expect(page.get_by_role("alert")).to_contain_text("This call was not found.")
    page.get_by_role("link", name="Back to the calls").click()
    expect(page.get_by_role("heading", level=1, name="Calls")).to_be_visible()


def test_cognito_sign_in_with_pkce_and_bearer_token(page: Any) -> None:
    backend = FakeBackend(required_token="token-abc")
    with FakeApiServer(backend) as fake:
        backend.config = {
            **backend.config,
            "auth": {"cognitoDomain": fake.url, "clientId": "client-1", "redirectUri": f"{fake.url}/"},
        }
        backend.add_call(CALL, fromNumber="+15550100")
        page.goto(f"{fake.url}/#/calls/{CALL}")
        expect(page.get_by_role("heading", name="Transcript")).to_be_visible()
        expect(page).to_have_url(f"{fake.url}/#/calls/{CALL}")  # code and state removed
        expect(page.get_by_role("banner")).to_contain_text("agent@example.com")
        expect(page.get_by_role("button", name="Sign out")).to_be_visible()
        stored = json.loads(page.evaluate("sessionStorage.getItem('callrecap.token')"))
        assert stored["accessToken"] == "token-abc"
        assert set(backend.authorizations()) == {"Bearer token-abc"}


def test_an_expiring_session_is_renewed_with_the_refresh_token_not_a_new_sign_in(page: Any) -> None:
    backend = FakeBackend(required_token="token-abc")
    with FakeApiServer(backend) as fake:
        backend.config = {
            **backend.config,
            "auth": {"cognitoDomain": fake.url, "clientId": "client-1", "redirectUri": f"{fake.url}/"},
        }
        backend.add_call(CALL, fromNumber="+15550100")
        page.goto(f"{fake.url}/#/calls/{CALL}")
        expect(page.get_by_role("heading", name="Transcript")).to_be_visible()
        sign_ins = sum(1 for _, path, _ in backend.requests if path == "/oauth2/authorize")
        # An hour later: the access token is about to expire, Cognito hands out a new one.
        backend.renewed_token = "token-def"
        page.evaluate(
            "const t = JSON.parse(sessionStorage.getItem('callrecap.token'));"
            "t.expiresAt = Date.now() - 1000; sessionStorage.setItem('callrecap.token', JSON.stringify(t));"
        )
        # the page's own transcript polling asks for a token and so drives the renewal
        deadline = time.monotonic() + 10
        while "Bearer token-def" not in set(backend.authorizations()) and time.monotonic() < deadline:
            page.wait_for_timeout(100)
        stored = json.loads(page.evaluate("sessionStorage.getItem('callrecap.token')"))
        assert stored["accessToken"] == "token-def" and stored["refreshToken"] == "refresh-1"
        assert backend.refreshes == 1
        assert sum(1 for _, path, _ in backend.requests if path == "/oauth2/authorize") == sign_ins
        expect(page.get_by_role("heading", name="Transcript")).to_be_visible()
        assert "Bearer token-def" in set(backend.authorizations())


def test_a_summary_written_by_the_fallback_says_so(page: Any, fake: FakeApiServer) -> None:
    backend = fake.backend
    ended_call_with_final(
        backend,
        "COMPLETED",
        sections={"summary": "The caller asked for a refund."},
        provider="extractive",
        fallbackFrom="bedrock",
        fallbackReason="THROTTLED",
    )
    open_call(page, fake)
    note = page.locator("article.summary .fallback-note")
    expect(note).to_have_text(
        "Written by extractive because bedrock could not: The model service was busy (throttled)."
    )


def test_summarize_now_waits_for_the_first_words(page: Any, fake: FakeApiServer) -> None:
    backend = fake.backend
    backend.add_call(CALL)
    open_call(page, fake)
    button = page.get_by_role("button", name="Summarize now")
    expect(button).to_be_disabled()
    expect(page.locator(".speech-hint")).to_contain_text("Nothing to summarize yet")
    backend.put_segment(CALL, "s1", "Hi, I need help with my bill.")
    expect(button).to_be_enabled()
    expect(page.locator(".speech-hint")).to_be_hidden()


@pytest.mark.parametrize("width", [320, 375])
def test_the_call_list_does_not_scroll_sideways_on_a_phone(
    page: Any, fake: FakeApiServer, width: int
) -> None:
    backend = fake.backend
    for n in range(3):
        backend.add_call(f"phone-{n}", fromNumber="+15125550143", toNumber="+18885550110")
    page.set_viewport_size({"width": width, "height": 700})
    page.goto(fake.url + "/")
    expect(page.locator("tbody tr")).to_have_count(3)
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"the page is {overflow} px wider than a {width} px screen"


def test_a_final_waiting_for_a_throttled_model_says_when_it_is_tried_again(
    page: Any, fake: FakeApiServer
) -> None:
    backend = fake.backend
    backend.add_call(CALL, status="ENDED", endedAt="2025-01-01T10:03:00Z")
    backend.put_summary(  # written long ago, yet not overdue: it waits on purpose
        CALL,
        1,
        "final",
        "PENDING",
        error="the model is throttled: trying again at 2025-01-01T10:04:30Z",
        failureReason="THROTTLED",
    )
    open_call(page, fake)
    summary = page.locator("article.summary")
    expect(summary.locator(".waiting-throttled")).to_contain_text("The model is busy (throttled)")
    expect(summary.locator(".waiting-throttled")).to_contain_text("tried again at")
    expect(summary).not_to_contain_text("taking longer than the summarizer is allowed to run")
    expect(summary.get_by_role("button", name="Retry version 1")).to_have_count(0)


def test_a_call_without_an_informative_topic_is_titled_by_its_caller_and_time(
    page: Any, fake: FakeApiServer
) -> None:
    backend = fake.backend
    backend.add_call(CALL, startedAt="2025-01-01T09:30:00Z", fromNumber="+15550222")
    open_call(page, fake)
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_text(re.compile(r"^Call from \+15550222 at \d{1,2}:30"))


def test_the_summary_says_what_was_hidden_from_the_model(page: Any, fake: FakeApiServer) -> None:
    backend = fake.backend
    ended_call_with_final(
        backend,
        "COMPLETED",
        sections={"summary": "The card on file was updated."},
        piiRedactions={"CARD": 1, "PHONE": 2},
    )
    open_call(page, fake)
    note = page.locator("article.summary .pii-note")
    expect(note).to_have_text("Hidden from the model: 1 card number, 2 phone numbers.")


def test_the_follow_up_email_is_shown_as_written_with_a_copy_button(page: Any, fake: FakeApiServer) -> None:
    email = "Subject: Your call about a late delivery\n\nHello,\n\nThank you for calling us today."
    backend = fake.backend
    ended_call_with_final(
        backend,
        "COMPLETED",
        sections={"summary": "A late delivery.", "disposition": "order status", "follow_up_email": email},
    )
    open_call(page, fake)
    summary = page.locator("article.summary")
    expect(summary.locator("pre.email-text")).to_have_text(email)
    expect(summary).to_contain_text("Disposition")
    summary.get_by_role("button", name="Copy email").click()
    expect(page.locator("#summary-status")).to_contain_text("Email")


def test_a_refused_crm_delivery_shows_the_crms_own_message(page: Any, fake: FakeApiServer) -> None:
    """crmTarget webhook: a 4xx refusal is FAILED with the receiver's message (docs/crm.md)."""
    fake.backend.add_call(
        "refused",
        status="ENDED",
        endedAt="2025-01-01T10:01:00Z",
        crmStatus="FAILED",
        crmError="HTTP 422: <b>unknown field</b> disposition_answer",
    )
    page.goto(f"{fake.url}/#/calls/refused")
    crm = page.locator("#crm-status")
    expect(crm).to_contain_text("Failed")
    expect(crm).to_contain_text("HTTP 422: <b>unknown field</b> disposition_answer")  # text, not markup
    expect(crm.locator("b")).to_have_count(0)
