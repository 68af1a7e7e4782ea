"""Agents see their own calls: every route of the API for every role, from the JWT authorizer's
claims only. Another agent's call answers exactly like a call that does not exist (404)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from callrecap.domain.calls.access import AccessPolicy, UnassignedCalls
from callrecap.domain.models import CallDetails, SummaryStatus
from callrecap.handlers import api
from callrecap_local.lambda_events import LambdaContext, http_api_event, local_claims
from tests.integration.test_api import TODAY, _match, segment, start, summary, world  # noqa: F401

ALICE = local_claims("agent:alice")
BOB = local_claims("agent:bob")
SUPERVISOR = local_claims("supervisor")
ADMIN = local_claims("admin")
NO_GROUP = {"sub": "u-9", "username": "mallory"}
"""A valid sign-in that belongs to no group: sees nothing."""
FORGED_BODY = json.dumps({"viewer": "admin", "agentId": "alice", "cognito:groups": "[admins]"}).encode()
"""What a page might send to claim another identity: never read."""


def call(
    claims: dict[str, str], method: str, path: str, query: str = "", body: bytes = b""
) -> tuple[int, Any]:
    route_key, parameters = _match(method, path)
    event = http_api_event(
        method=method,
        route_key=route_key,
        raw_path=path,
        raw_query=query,
        headers={"Host": "api.example", "X-Callrecap-Viewer": "admin"},  # a header is no claim either
        body=body,
        path_parameters=parameters,
        claims=claims,
    )
    response = api.handler(event, LambdaContext(function_name="callrecap-api"))
    return response["statusCode"], json.loads(response["body"] or "null")


@pytest.fixture
def calls(world: Any) -> Iterator[Any]:  # noqa: F811 (the fixture imported above)
    transcripts, summaries, _ = world
    for call_id, agent in (("a1", "alice"), ("b1", "bob"), ("u1", None)):
        start(transcripts, call_id, f"{TODAY}T09:00:00.000Z")
        if agent:
            transcripts.update_details(CallDetails(call_id=call_id, agent_id=agent), f"{TODAY}T09:00:01.000Z")
        transcripts.put_segments([segment(call_id, 1)])
        summaries.put_summary(summary(call_id, 1, SummaryStatus.FAILED))
    yield world


def visible_calls(claims: dict[str, str]) -> set[str]:
    status, body = call(claims, "GET", "/calls", f"day={TODAY}")
    assert status == 200
    return {c["callId"] for c in body["calls"]}


def test_the_call_list_is_filtered_server_side_by_role(calls: Any) -> None:
    assert visible_calls(ALICE) == {"a1"}
    assert visible_calls(BOB) == {"b1"}
    assert visible_calls(SUPERVISOR) == visible_calls(ADMIN) == {"a1", "b1", "u1"}
    assert visible_calls(NO_GROUP) == set()


ROUTES = [
    ("GET", "/calls/{id}", ""),
    ("GET", "/calls/{id}/summaries", ""),
    ("POST", "/calls/{id}/summaries", ""),
    ("POST", "/calls/{id}/summaries/1/retry", ""),
]


@pytest.mark.parametrize(("method", "template", "query"), ROUTES)
@pytest.mark.parametrize(
    ("who", "claims", "allowed"),
    [
        ("own agent", ALICE, {"a1"}),
        ("other agent", BOB, {"b1"}),
        ("supervisor", SUPERVISOR, {"a1", "b1", "u1"}),
        ("admin", ADMIN, {"a1", "b1", "u1"}),
        ("no group", NO_GROUP, set()),
    ],
)
def test_every_call_route_for_every_role(
    calls: Any, method: str, template: str, query: str, who: str, claims: dict[str, str], allowed: set[str]
) -> None:
    _, _, publisher = calls
    for call_id in ("a1", "b1", "u1"):
        published = len(publisher.events)
        status, body = call(
            claims, method, template.replace("{id}", call_id), query, FORGED_BODY if method == "POST" else b""
        )
        if call_id in allowed:
            assert status in (200, 202), (who, call_id, body)
        else:
            assert (status, body["error"]) == (404, "NotFound"), (who, call_id)
            assert body["message"] == f"call {call_id} not found"  # the same answer as a missing call
            assert len(publisher.events) == published  # nothing requested on a call not visible


def test_unassigned_calls_can_be_opened_to_agents(calls: Any) -> None:
    transcripts, summaries, publisher = calls
    api.set_dependencies(
        api.ApiDependencies(transcripts, summaries, publisher, policy=AccessPolicy(UnassignedCalls.AGENTS))
    )
    assert visible_calls(ALICE) == {"a1", "u1"}


def test_the_identity_claim_is_configurable(calls: Any) -> None:
    transcripts, summaries, publisher = calls
    api.set_dependencies(
        api.ApiDependencies(transcripts, summaries, publisher, identity_claim="custom:agent_id")
    )
    claims = {**local_claims("agent:someone"), "custom:agent_id": "bob"}
    assert visible_calls(claims) == {"b1"}


def test_a_forged_cursor_is_a_400_for_an_agent_too(calls: Any) -> None:
    status, body = call(ALICE, "GET", "/calls", f"day={TODAY}&cursor=eyJwayI6IHsiUyI6ICJ4In19")
    assert (status, body["error"]) == (400, "BadRequest")


def test_a_supervisor_can_be_limited_to_queues(calls: Any) -> None:
    transcripts, summaries, publisher = calls
    transcripts.update_details(CallDetails(call_id="a1", queue="billing"), f"{TODAY}T09:00:02.000Z")
    transcripts.update_details(CallDetails(call_id="b1", queue="support"), f"{TODAY}T09:00:02.000Z")
    api.set_dependencies(api.ApiDependencies(transcripts, summaries, publisher, queues_claim="custom:queues"))
    limited = {**SUPERVISOR, "custom:queues": "billing returns"}
    assert visible_calls(limited) == {"a1"}
    assert call(limited, "GET", "/calls/b1")[0] == 404
    assert visible_calls(SUPERVISOR) == {"a1", "b1", "u1"}  # no such claim: every call
    assert visible_calls({**ALICE, "custom:queues": "support"}) == {"a1"}  # agents: by agent, not queue
