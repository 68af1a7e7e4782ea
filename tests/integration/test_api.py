"""The api handler against moto's DynamoDB, with payload-2.0 events as API Gateway sends them."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from moto import mock_aws

from callrecap.adapters.dynamo.schema import create_table
from callrecap.adapters.dynamo.summaries import DynamoSummaryStore
from callrecap.adapters.dynamo.transcripts import DynamoTranscriptStore
from callrecap.adapters.live_tickets import KmsTicketSigner
from callrecap.contracts import API_ROUTES, SCHEMA_VERSION, BusEvent
from callrecap.domain.live.updates import LiveTickets
from callrecap.domain.models import CallDetails, Segment, Speaker, Summary, SummaryKind, SummaryStatus
from callrecap.handlers import api
from callrecap_local.lambda_events import LambdaContext, http_api_event

TABLE = "api-test"
TODAY = datetime.now(UTC).date().isoformat()


class RecordingPublisher:
    def __init__(self) -> None:
        self.events: list[tuple[BusEvent, dict[str, Any]]] = []

    def publish(self, event: BusEvent, detail: Mapping[str, Any]) -> None:
        self.events.append((event, dict(detail)))


@pytest.fixture
def world() -> Iterator[tuple[DynamoTranscriptStore, DynamoSummaryStore, RecordingPublisher]]:
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        create_table(client, TABLE)
        transcripts = DynamoTranscriptStore(TABLE, client=client)
        summaries = DynamoSummaryStore(TABLE, client=client)
        publisher = RecordingPublisher()
        kms = boto3.client("kms", region_name="us-east-1")
        key = kms.create_key(KeySpec="HMAC_256", KeyUsage="GENERATE_VERIFY_MAC")["KeyMetadata"]["KeyId"]
        live = LiveTickets(KmsTicketSigner(key, client=kms), "wss://live.example/live")
        api.set_dependencies(api.ApiDependencies(transcripts, summaries, publisher, live=live))
        try:
            yield transcripts, summaries, publisher
        finally:
            api.set_dependencies(None)


def call(
    method: str, path: str, query: str = "", body: bytes = b""
) -> tuple[int, dict[str, Any], dict[str, str]]:
    route_key, parameters = _match(method, path)
    event = http_api_event(
        method=method,
        route_key=route_key,
        raw_path=path,
        raw_query=query,
        headers={"Host": "api.example", "Origin": "https://page.example"},
        body=body,
        path_parameters=parameters,
    )
    response = api.handler(event, LambdaContext(function_name="callrecap-api"))
    return response["statusCode"], json.loads(response["body"] or "null"), response["headers"]


def _match(method: str, path: str) -> tuple[str, dict[str, str]]:
    for route_method, template in API_ROUTES:
        pattern = "^" + re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(template)) + "$"
        found = re.match(pattern, path)
        if found and route_method == method:
            return f"{method} {template}", found.groupdict()
    return f"{method} {path}", {}


def start(store: DynamoTranscriptStore, call_id: str, at: str) -> None:
    store.mark_started(CallDetails(call_id=call_id, from_number="+15550100", to_number="+15550199"), at)


def segment(call_id: str, n: int, *, partial: bool = False, text: str = "") -> Segment:
    return Segment(
        call_id=call_id,
        segment_id=f"s{n}",
        speaker=Speaker.AGENT if n % 2 else Speaker.CUSTOMER,
        start_time=float(n),
        end_time=n + 0.5,
        text=text or f"utterance {n}",
        is_partial=partial,
        sentiment="NEUTRAL",
    )


def summary(
    call_id: str, version: int, status: SummaryStatus, kind: SummaryKind = SummaryKind.FINAL
) -> Summary:
    return Summary(
        call_id=call_id,
        version=version,
        kind=kind,
        status=status,
        sections={"topic": "billing"} if status is SummaryStatus.COMPLETED else {},
        created_at="2025-01-01T00:00:00Z",
        error="provider timed out" if status is SummaryStatus.FAILED else "",
        raw_reply="x" * 50,
    )


def test_list_calls_newest_first_paginated(world: Any) -> None:
    transcripts, _, _ = world
    for n in range(5):
        start(transcripts, f"call-{n}", f"{TODAY}T10:0{n}:00.000Z")
    status, body, headers = call("GET", "/calls", f"day={TODAY}&limit=2")
    assert status == 200
    assert headers["Access-Control-Allow-Origin"] == "*"
    assert [c["callId"] for c in body["calls"]] == ["call-4", "call-3"]
    seen = [c["callId"] for c in body["calls"]]
    while body["nextCursor"]:
        status, body, _ = call("GET", "/calls", f"day={TODAY}&limit=2&cursor={body['nextCursor']}")
        seen += [c["callId"] for c in body["calls"]]
    assert seen == [f"call-{n}" for n in (4, 3, 2, 1, 0)]


def test_list_calls_defaults_to_today_and_rejects_bad_input(world: Any) -> None:
    status, body, _ = call("GET", "/calls")
    assert (status, body["day"], body["calls"]) == (200, TODAY, [])
    for query, fragment in (
        ("day=yesterday", "day must be a date"),
        ("day=2025-02-30", "not a calendar date"),
        ("limit=0", "limit must be"),
        ("cursor=%%%", "cursor"),
    ):
        status, body, _ = call("GET", "/calls", query)
        assert status == 400, query
        assert fragment in body["message"]
        assert body["error"] == "BadRequest"


def test_get_call_returns_segments_since_cursor(world: Any) -> None:
    transcripts, _, _ = world
    start(transcripts, "c1", f"{TODAY}T09:00:00.000Z")
    transcripts.put_segments([segment("c1", 1), segment("c1", 2, partial=True)])
    status, body, _ = call("GET", "/calls/c1")
    assert status == 200
    assert body["call"]["callId"] == "c1"
    assert [(s["segmentId"], s["isPartial"]) for s in body["segments"]] == [("s1", False), ("s2", True)]
    assert body["segments"][0] == {
        "segmentId": "s1",
        "speaker": "AGENT",
        "startTime": 1.0,
        "endTime": 1.5,
        "text": "utterance 1",
        "isPartial": False,
        "channel": "",
        "createdAt": body["segments"][0]["createdAt"],
        "sentiment": "NEUTRAL",
    }
    cursor = body["nextCursor"]
    status, body, _ = call("GET", "/calls/c1", f"since={cursor}")
    assert (status, body["segments"], body["nextCursor"]) == (200, [], cursor)
    transcripts.put_segments([segment("c1", 2, text="the final words"), segment("c1", 3)])
    status, body, _ = call("GET", "/calls/c1", f"since={cursor}")
    assert [(s["segmentId"], s["isPartial"], s["text"]) for s in body["segments"]] == [
        ("s2", False, "the final words"),
        ("s3", False, "utterance 3"),
    ]


def test_unknown_call_and_bad_cursor(world: Any) -> None:
    transcripts, _, _ = world
    for method, path in (
        ("GET", "/calls/nope"),
        ("GET", "/calls/nope/summaries"),
        ("POST", "/calls/nope/summaries"),
    ):
        status, body, headers = call(method, path)
        assert (status, body["error"]) == (404, "NotFound")
        assert headers["Access-Control-Allow-Origin"] == "*"
        assert "call nope not found" in body["message"]
    start(transcripts, "c1", f"{TODAY}T09:00:00.000Z")
    status, body, _ = call("GET", "/calls/c1", "since=abc")
    assert status == 400


def test_list_summaries_newest_first_without_raw_reply(world: Any) -> None:
    transcripts, summaries, _ = world
    start(transcripts, "c1", f"{TODAY}T09:00:00.000Z")
    published = "2025-01-01T00:00:02Z"
    completed = summary("c1", 1, SummaryStatus.COMPLETED, SummaryKind.INTERIM)
    summaries.put_summary(replace(completed, published_at=published))
    summaries.put_summary(replace(summary("c1", 2, SummaryStatus.FAILED), retryable=True))
    status, body, _ = call("GET", "/calls/c1/summaries")
    assert status == 200
    assert [(s["version"], s["kind"], s["status"]) for s in body["summaries"]] == [
        (2, "final", "FAILED"),
        (1, "interim", "COMPLETED"),
    ]
    assert body["summaries"][1]["sections"] == {"topic": "billing"}
    assert all("rawReply" not in s for s in body["summaries"])
    # What the page needs to tell a temporary failure (retried by the sweeper) from a final one.
    assert (body["summaries"][0]["retryable"], body["summaries"][0]["error"]) == (True, "provider timed out")
    assert body["summaries"][1]["publishedAt"] == published
    assert "retryable" not in body["summaries"][1]


def test_summarize_now_asks_for_interim_while_live_and_final_after(world: Any) -> None:
    transcripts, _, publisher = world
    start(transcripts, "c1", f"{TODAY}T09:00:00.000Z")
    transcripts.put_segments([segment("c1", 1)])  # something said
    status, body, _ = call("POST", "/calls/c1/summaries", body=b"{}")
    assert status == 202
    event, detail = publisher.events[-1]
    assert event is BusEvent.SUMMARY_REQUESTED
    assert detail["requestedAt"].endswith("Z")
    assert {k: v for k, v in detail.items() if k != "requestedAt"} == {
        "callId": "c1",
        "schemaVersion": SCHEMA_VERSION,
        "kind": "interim",
        "reason": "requested",
    }
    assert body == {"requested": detail}
    transcripts.mark_ended(CallDetails(call_id="c1"), f"{TODAY}T09:05:00.000Z")
    call("POST", "/calls/c1/summaries")
    assert publisher.events[-1][1]["kind"] == "final"


def test_summarize_now_rejects_a_body_that_is_not_json(world: Any) -> None:
    transcripts, _, publisher = world
    start(transcripts, "c1", f"{TODAY}T09:00:00.000Z")
    status, body, _ = call("POST", "/calls/c1/summaries", body=b"{not json")
    assert (status, body["error"]) == (400, "BadRequest")
    assert publisher.events == []


def test_retry_only_a_failed_version(world: Any) -> None:
    transcripts, summaries, publisher = world
    start(transcripts, "c1", f"{TODAY}T09:00:00.000Z")
    summaries.put_summary(summary("c1", 1, SummaryStatus.COMPLETED))
    summaries.put_summary(summary("c1", 2, SummaryStatus.FAILED))

    status, body, _ = call("POST", "/calls/c1/summaries/1/retry")
    assert (status, body["error"]) == (409, "Conflict")
    assert "COMPLETED" in body["message"]
    status, body, _ = call("POST", "/calls/c1/summaries/9/retry")
    assert (status, body["error"]) == (404, "NotFound")
    status, body, _ = call("POST", "/calls/c1/summaries/x/retry")
    assert status == 400
    assert publisher.events == []

    status, body, _ = call("POST", "/calls/c1/summaries/2/retry")
    assert status == 202
    detail = publisher.events[-1][1]
    assert (detail["reason"], detail["version"], detail["kind"], detail["callId"]) == (
        "retry",
        2,
        "final",
        "c1",
    )


def test_every_contract_route_is_served(world: Any) -> None:
    transcripts, summaries, _ = world
    start(transcripts, "c1", f"{TODAY}T09:00:00.000Z")
    transcripts.put_segments([segment("c1", 1)])
    summaries.put_summary(summary("c1", 1, SummaryStatus.FAILED))
    for method, template in API_ROUTES:
        path = template.replace("{callId}", "c1").replace("{version}", "1")
        status, _, _ = call(method, path)
        assert status in (200, 202), (method, template)
    status, body, _ = call("DELETE", "/calls/c1")
    assert (status, body["message"]) == (404, "no route DELETE /calls/c1")


def test_a_forged_list_cursor_is_a_400_not_a_500(world: Any) -> None:
    """A cursor is client data: one that was not issued for this query is refused before DynamoDB
    sees it (real DynamoDB answers a foreign ExclusiveStartKey with a ValidationException)."""
    import base64
    import json as _json

    transcripts, _, _ = world
    for n in range(3):
        start(transcripts, f"c{n}", f"{TODAY}T09:0{n}:00.000Z")
    status, body, _ = call("GET", "/calls", f"day={TODAY}&limit=1")
    issued = _json.loads(base64.urlsafe_b64decode(body["nextCursor"]))

    def forged(key: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(_json.dumps(key).encode()).decode()

    other_day = {**issued, "gsi1pk": {"S": "DAY#1999-01-01"}}
    extra_attribute = {**issued, "status": {"S": "LIVE"}}
    not_a_string = {**issued, "sk": {"N": "1"}}
    only_pk = {"pk": issued["pk"]}
    for cursor in (forged(other_day), forged(extra_attribute), forged(not_a_string), forged(only_pk)):
        status, body, _ = call("GET", "/calls", f"day={TODAY}&limit=1&cursor={cursor}")
        assert (status, body["error"]) == (400, "BadRequest"), cursor
    status, _, _ = call("GET", "/calls", f"day={TODAY}&limit=1&cursor={forged(issued)}")
    assert status == 200  # the issued one still works


def test_a_live_ticket_is_issued_for_a_live_call_only(world: Any) -> None:
    transcripts, _, _ = world
    start(transcripts, "c1", f"{TODAY}T09:00:00.000Z")
    status, body, _ = call("POST", "/calls/c1/live")
    assert status == 200 and body["url"] == "wss://live.example/live" and "." in body["ticket"]
    assert body["expiresInSeconds"] == 60
    status, body, _ = call("POST", "/calls/nope/live")
    assert status == 404


def test_without_live_updates_a_ticket_request_is_501(world: Any) -> None:
    transcripts, summaries, publisher = world
    start(transcripts, "c1", f"{TODAY}T09:00:00.000Z")
    api.set_dependencies(api.ApiDependencies(transcripts, summaries, publisher))
    status, body, _ = call("POST", "/calls/c1/live")
    assert (status, body["error"]) == (501, "NotImplemented")


def test_summarize_now_before_any_words_is_refused_without_a_version(world: Any) -> None:
    transcripts, summaries, publisher = world
    start(transcripts, "quiet", f"{TODAY}T09:00:00.000Z")
    status, body, _ = call("POST", "/calls/quiet/summaries")
    assert (status, body["error"]) == (409, "Conflict") and "nothing to summarize yet" in body["message"]
    assert publisher.events == [] and summaries.list_summaries("quiet") == []
