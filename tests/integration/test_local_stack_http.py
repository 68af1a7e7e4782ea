"""The local HTTP front: API Gateway-like route matching and payload-2.0 request/response shapes."""

from __future__ import annotations

import json

from callrecap.contracts import API_ROUTES
from callrecap_local.http_server import match_route
from callrecap_local.lambda_events import http_api_event, http_api_response


def test_every_contract_route_matches_with_its_parameters() -> None:
    for method, template in API_ROUTES:
        path = template.replace("{callId}", "call%2F1").replace("{version}", "3")
        route_key, parameters = match_route(method, path) or ("", {})
        assert route_key == f"{method} {template}"
        if "{callId}" in template:
            assert parameters["callId"] == "call/1"
        if "{version}" in template:
            assert parameters["version"] == "3"


def test_unknown_paths_and_methods_do_not_match() -> None:
    assert match_route("GET", "/calls/a/b") is None
    assert match_route("DELETE", "/calls") is None
    assert match_route("GET", "/calls/") is None


def test_request_event_has_the_payload_2_shape() -> None:
    event = http_api_event(
        method="GET",
        route_key="GET /calls",
        raw_path="/calls",
        raw_query="day=2025-01-01&tag=a&tag=b",
        headers={"Host": "127.0.0.1:8000", "User-Agent": "test"},
        body=b"",
        path_parameters={},
    )
    assert event["version"] == "2.0"
    assert event["routeKey"] == event["requestContext"]["routeKey"] == "GET /calls"
    assert event["queryStringParameters"] == {"day": "2025-01-01", "tag": "a,b"}
    assert event["headers"]["host"] == "127.0.0.1:8000"
    assert event["requestContext"]["http"] == {
        "method": "GET",
        "path": "/calls",
        "protocol": "HTTP/1.1",
        "sourceIp": "127.0.0.1",
        "userAgent": "test",
    }
    claims = event["requestContext"]["authorizer"]["jwt"]["claims"]
    assert (claims["sub"], claims["cognito:groups"]) == ("local-local-admin", "[admins]")  # the local admin
    assert "pathParameters" not in event and "body" not in event


def test_response_interpretation() -> None:
    assert http_api_response({"statusCode": 201, "headers": {"X-A": "1"}, "body": "{}"}) == (
        201,
        {"x-a": "1"},
        b"{}",
    )
    status, headers, body = http_api_response({"ok": True})  # a payload-2.0 "simple" response
    assert (status, headers["content-type"], json.loads(body)) == (200, "application/json", {"ok": True})
