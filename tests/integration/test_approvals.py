"""Wrap-up: an agent approves a corrected summary. The approvals handler over moto's DynamoDB with
the API's payload-2.0 events: access, validation (400 naming the field), the 409 naming the
current version, one approved version under concurrent approvals, and what it publishes."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest

from callrecap.adapters.prompt_files import load_prompt_set
from callrecap.contracts import BusEvent
from callrecap.domain.models import CallDetails, Summary, SummaryKind, SummaryStatus
from callrecap.domain.summaries.approving import Approvals
from callrecap.handlers import approvals
from callrecap_local.lambda_events import LambdaContext, http_api_event, local_claims
from callrecap_local.moto_patches import transact_items_snapshot
from tests.helpers.sections import complete
from tests.integration.test_api import TABLE, TODAY, segment, start, world  # noqa: F401

DRAFT = complete(
    {
        "summary": "The customer was charged twice for May. The agent refunded one charge.",
        "topic": "Double charge",
        "action_items": ["Agent emails the refund confirmation."],
        "resolved": "yes",
        "customer_sentiment": "neutral",
        "disposition": "billing",
        "follow_up_email": "Subject: Your refund\n\nThank you for calling.",
    }
)


def approve(claims: dict[str, str], call_id: str, version: int | str, sections: Any) -> tuple[int, Any]:
    path = f"/calls/{call_id}/summaries/{version}/approve"
    event = http_api_event(
        method="POST",
        route_key="POST /calls/{callId}/summaries/{version}/approve",
        raw_path=path,
        raw_query="",
        headers={"Host": "api.example", "Content-Type": "application/json"},
        body=json.dumps({"sections": sections}).encode(),
        path_parameters={"callId": call_id, "version": str(version)},
        claims=claims,
    )
    response = approvals.handler(event, LambdaContext(function_name="callrecap-approvals"))
    return response["statusCode"], json.loads(response["body"] or "null")


def final(call_id: str, version: int, sections: dict[str, Any] = DRAFT) -> Summary:
    return Summary(
        call_id=call_id,
        version=version,
        kind=SummaryKind.FINAL,
        status=SummaryStatus.COMPLETED,
        sections=dict(sections),
        provider="bedrock",
        model="amazon.nova-lite-v1:0",
        prompt_hash="sha256:abc",
        transcript_revision=2,
        created_at=f"{TODAY}T09:05:00.000Z",
    )


@pytest.fixture
def ended(world: Any) -> Iterator[Any]:  # noqa: F811 (the fixture imported above)
    transcripts, summaries, publisher = world
    for call_id, agent in (("a1", "alice"), ("b1", "bob")):
        start(transcripts, call_id, f"{TODAY}T09:00:00.000Z")
        transcripts.update_details(CallDetails(call_id=call_id, agent_id=agent), f"{TODAY}T09:00:01.000Z")
        transcripts.put_segments([segment(call_id, 1), segment(call_id, 2)])
        transcripts.mark_ended(CallDetails(call_id=call_id), f"{TODAY}T09:04:00.000Z")
        summaries.put_summary(final(call_id, 1))
    sections = load_prompt_set().sections
    clock = lambda: datetime.fromisoformat(f"{TODAY}T09:06:30+00:00")  # noqa: E731
    approvals.set_dependencies(
        approvals.ApprovalDependencies(
            transcripts=transcripts,
            summaries=summaries,
            publisher=publisher,
            approvals=lambda: Approvals(summaries, publisher, sections, clock=clock),
        )
    )
    # moto's writes made atomic, as the local stack runs it (DynamoDB serializes a transaction
    # against every other write of its items; moto evaluates conditions unlocked otherwise).
    with transact_items_snapshot():
        yield world
    approvals.set_dependencies(None)


def edited(**changes: Any) -> dict[str, Any]:
    return {**DRAFT, **changes}


def test_the_agent_approves_an_edit_as_a_new_version_with_its_corrections(ended: Any) -> None:
    _, summaries, publisher = ended
    items = ["Agent emails the refund confirmation.", "Customer checks the June bill."]
    status, body = approve(
        local_claims("agent:alice"),
        "a1",
        1,
        edited(disposition="complaint", action_items=items, summary="The customer was charged twice."),
    )
    assert status == 200, body
    approved = body["approved"]
    assert (approved["version"], approved["kind"], approved["basedOn"]) == (2, "approved", 1)
    assert approved["approvedBy"] == "alice" and approved["sections"]["disposition"] == "complaint"
    assert (approved["provider"], approved["model"], approved["promptHash"]) == (
        "bedrock",
        "amazon.nova-lite-v1:0",
        "sha256:abc",
    )  # counted against the model and prompt that wrote the draft
    corrections = approved["corrections"]
    assert corrections["changedSections"] == ["summary", "action_items", "disposition"]
    assert corrections["disposition"] == {"from": "billing", "to": "complaint"}
    assert corrections["actionItems"] == {"added": 1, "removed": 0}
    assert corrections["sections"]["topic"] == {"changed": False, "editDistance": 0.0, "rougeL": 1.0}
    assert 0 < corrections["sections"]["summary"]["editDistance"] < 1
    assert approved["wrapUpSeconds"] == 150  # ended 09:04:00, approved 09:06:30
    stored = summaries.get_summary("a1", 2)
    assert stored.kind is SummaryKind.APPROVED and stored.published_at
    (detail,) = [d for e, d in publisher.events if e is BusEvent.CALL_SUMMARIZED]
    assert (detail["kind"], detail["version"], detail["basedOn"], detail["approvedBy"]) == (
        "approved",
        2,
        1,
        "alice",
    )


def test_approving_a_version_that_is_no_longer_current_is_a_409_naming_the_current_one(ended: Any) -> None:
    _, summaries, _ = ended
    assert approve(local_claims("agent:alice"), "a1", 1, DRAFT)[0] == 200  # the first tab
    status, body = approve(local_claims("agent:alice"), "a1", 1, edited(topic="Other"))  # the second
    assert status == 409 and body["currentVersion"] == 2 and "version 2" in body["message"]
    summaries.put_summary(final("a1", 3))  # a newer final (late segments) after the approval
    status, body = approve(local_claims("agent:alice"), "a1", 2, DRAFT)
    assert (status, body["currentVersion"]) == (409, 3)
    assert approve(local_claims("agent:alice"), "a1", 3, DRAFT)[0] == 200  # the new one can be


def test_concurrent_approvals_of_one_draft_store_one_version(ended: Any) -> None:
    _, summaries, publisher = ended
    results: list[int] = []
    barrier = threading.Barrier(6)

    def one() -> None:
        barrier.wait()
        results.append(approve(local_claims("agent:alice"), "a1", 1, DRAFT)[0])

    threads = [threading.Thread(target=one) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [200, 409, 409, 409, 409, 409]
    kinds = [s.kind for s in summaries.list_summaries("a1")]
    assert kinds.count(SummaryKind.APPROVED) == 1
    assert [e for e, d in publisher.events if e is BusEvent.CALL_SUMMARIZED and d["kind"] == "approved"] == [
        BusEvent.CALL_SUMMARIZED
    ]


@pytest.mark.parametrize(
    ("sections", "field", "words"),
    [
        (edited(disposition="refund please"), "disposition", "must be one of"),
        (edited(resolved=True), "resolved", "must be a string"),
        (edited(action_items="call back"), "action_items", "must be a list of strings"),
        (edited(action_items=["x"] * 9), "action_items", "at most 8"),
        (edited(topic="t" * 81), "topic", "at most 80"),
        ({**DRAFT, "mood": "fine"}, "mood", "unknown section"),
        ({k: v for k, v in DRAFT.items() if k != "summary"}, "summary", "is required"),
        ("not an object", "sections", "must be an object"),
    ],
)
def test_an_invalid_edit_is_a_400_naming_the_field(ended: Any, sections: Any, field: str, words: str) -> None:
    status, body = approve(local_claims("agent:alice"), "a1", 1, sections)
    assert (status, body["field"]) == (400, field) and words in body["message"]
    assert [s.version for s in ended[1].list_summaries("a1")] == [1]  # nothing stored


def test_access_is_the_apis_a_supervisor_may_approve_another_agent_may_not_see(ended: Any) -> None:
    assert approve(local_claims("agent:bob"), "a1", 1, DRAFT)[0] == 404  # as if it did not exist
    status, body = approve(local_claims("supervisor"), "a1", 1, DRAFT)
    assert status == 200 and body["approved"]["approvedBy"] == "local-supervisor"


def test_text_is_stored_as_text(ended: Any) -> None:
    script = "<script>alert('x')</script> the customer asked for a refund"
    status, body = approve(local_claims("agent:alice"), "a1", 1, edited(summary=script))
    assert status == 200 and body["approved"]["sections"]["summary"] == script


def test_a_live_call_an_unknown_version_and_a_bad_version(ended: Any) -> None:
    transcripts, summaries, _ = ended
    start(transcripts, "live1", f"{TODAY}T09:10:00.000Z")
    transcripts.update_details(CallDetails(call_id="live1", agent_id="alice"), f"{TODAY}T09:10:01.000Z")
    summaries.put_summary(final("live1", 1))
    assert approve(local_claims("agent:alice"), "live1", 1, DRAFT)[0] == 409
    assert approve(local_claims("agent:alice"), "a1", 7, DRAFT)[0] == 404
    assert approve(local_claims("agent:alice"), "a1", "x", DRAFT)[0] == 400


def test_an_approval_left_unpublished_by_a_crash_is_published_by_the_next_request(ended: Any) -> None:
    _, summaries, publisher = ended
    left = Summary(
        call_id="a1",
        version=2,
        kind=SummaryKind.APPROVED,
        status=SummaryStatus.COMPLETED,
        sections=dict(DRAFT),
        based_on=1,
        approved_by="alice",
        created_at=f"{TODAY}T09:05:30.000Z",  # a minute before the clock: its request is over
    )
    summaries.store_approval(left)
    status, body = approve(local_claims("agent:alice"), "a1", 1, DRAFT)  # the page tries again
    assert (status, body["currentVersion"]) == (409, 2)
    published = [d for e, d in publisher.events if e is BusEvent.CALL_SUMMARIZED]
    assert [(d["kind"], d["version"]) for d in published] == [("approved", 2)]
    assert summaries.get_summary("a1", 2).published_at
