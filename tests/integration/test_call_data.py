"""One call's data on request: admins export it whole or delete it; nobody else can. Against
moto's DynamoDB, through the call_data handler with the API's payload-2.0 events."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from callrecap.adapters.dynamo.call_data import DynamoCallData
from callrecap.adapters.dynamo.deliveries import DynamoDeliveryStore
from callrecap.domain.models import CallDetails, SummaryStatus
from callrecap.handlers import call_data
from callrecap_local.lambda_events import LambdaContext, http_api_event, local_claims
from tests.integration.test_api import TABLE, TODAY, segment, start, summary, world  # noqa: F401


def request(claims: dict[str, str], method: str, call_id: str) -> tuple[int, Any]:
    path = f"/calls/{call_id}/export" if method == "GET" else f"/calls/{call_id}"
    template = "/calls/{callId}/export" if method == "GET" else "/calls/{callId}"
    event = http_api_event(
        method=method,
        route_key=f"{method} {template}",
        raw_path=path,
        raw_query="",
        headers={"Host": "api.example"},
        body=b"",
        path_parameters={"callId": call_id},
        claims=claims,
    )
    response = call_data.handler(event, LambdaContext(function_name="callrecap-call-data"))
    return response["statusCode"], json.loads(response["body"] or "null")


@pytest.fixture
def stored(world: Any) -> Iterator[Any]:  # noqa: F811 (the fixture imported above)
    transcripts, summaries, _ = world
    client = transcripts.client
    for call_id, agent in (("a1", "alice"), ("b1", "bob")):
        start(transcripts, call_id, f"{TODAY}T09:00:00.000Z")
        transcripts.update_details(CallDetails(call_id=call_id, agent_id=agent), f"{TODAY}T09:00:01.000Z")
        transcripts.put_segments([segment(call_id, 2), segment(call_id, 1)])
        summaries.put_summary(summary(call_id, 1, SummaryStatus.COMPLETED))
    DynamoDeliveryStore(TABLE, client=client).complete_delivery("a1", 1, {"deliveredAt": "t"})
    call_data.set_dependencies(call_data.CallDataDependencies(store=DynamoCallData(TABLE, client=client)))
    yield world
    call_data.set_dependencies(None)


def test_an_admin_exports_every_item_of_one_call(stored: Any) -> None:
    status, body = request(local_claims("admin"), "GET", "a1")
    assert status == 200
    assert body["callId"] == "a1" and body["call"]["agentId"] == "alice"
    assert [s["segmentId"] for s in body["segments"]] == ["s1", "s2"]  # spoken order
    assert [s["version"] for s in body["summaries"]] == [1]
    assert [d["version"] for d in body["crmDeliveries"]] == [1]
    assert "pk" not in body["call"] and "gsi1pk" not in body["call"]  # no table internals


@pytest.mark.parametrize(
    ("claims", "expected"),
    [
        (local_claims("supervisor"), 403),  # may see it, may not export or delete it
        (local_claims("agent:alice"), 403),  # their own call: still not theirs to delete
        (local_claims("agent:bob"), 404),  # another agent's call: as if it did not exist
        ({"sub": "x", "username": "mallory"}, 404),  # no group
    ],
)
def test_nobody_but_an_admin_may(stored: Any, claims: dict[str, str], expected: int) -> None:
    for method in ("GET", "DELETE"):
        status, _ = request(claims, method, "a1")
        assert status == expected
    status, body = request(local_claims("admin"), "GET", "a1")
    assert status == 200 and len(body["segments"]) == 2  # nothing was deleted


def test_an_admin_deletes_one_call_and_nothing_else(stored: Any) -> None:
    transcripts, summaries, _ = stored
    status, body = request(local_claims("admin"), "DELETE", "a1")
    assert (status, body) == (
        200,
        {"callId": "a1", "deletedItems": 5},
    )  # record, 2 segments, summary, delivery
    assert transcripts.get_call("a1") is None and transcripts.list_segments("a1") == []
    assert summaries.list_summaries("a1") == []
    assert request(local_claims("admin"), "DELETE", "a1")[0] == 404  # already gone
    assert transcripts.get_call("b1") is not None and len(transcripts.list_segments("b1")) == 2
    calls = transcripts.list_calls(TODAY).items
    assert [c["callId"] for c in calls] == ["b1"]  # gone from the day's list too
