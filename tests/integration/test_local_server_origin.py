"""While `callrecap serve` runs, no other web page may read the local calls: the server answers
same-origin requests only, never with a CORS header, and refuses a Host that is not loopback
(DNS rebinding)."""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from typing import Any

import pytest

from callrecap_local.http_server import LocalHttpServer


@pytest.fixture
def server() -> Iterator[LocalHttpServer]:
    def api(event: dict[str, Any]) -> dict[str, Any]:
        headers = {"Content-Type": "application/json", "Access-Control-Allow-Origin": "*"}
        return {"statusCode": 200, "headers": headers, "body": json.dumps({"calls": []})}

    running = LocalHttpServer(("127.0.0.1", 0), invoke_api=api, ui_dir=None, config={"local": True})
    running.start()
    try:
        yield running
    finally:
        running.stop()


def request(
    server: LocalHttpServer, method: str, path: str, headers: dict[str, str]
) -> tuple[int, dict[str, str], bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        connection.putrequest(method, path, skip_host=True)
        for name, value in headers.items():
            connection.putheader(name, value)
        connection.endheaders()
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


def test_the_page_itself_is_served_without_any_cors_header(server: LocalHttpServer) -> None:
    origin = f"127.0.0.1:{server.port}"
    for headers in (
        {"Host": origin},
        {"Host": origin, "Origin": f"http://{origin}"},
        {"Host": f"localhost:{server.port}"},
    ):
        status, answer, body = request(server, "GET", "/api/calls", headers)
        assert status == 200 and json.loads(body) == {"calls": []}
        assert not any(name.startswith("access-control-") for name in answer)


@pytest.mark.parametrize("origin", ["http://evil.example", "https://127.0.0.1.evil.example", "null"])
def test_another_origin_is_refused(server: LocalHttpServer, origin: str) -> None:
    headers = {"Host": f"127.0.0.1:{server.port}", "Origin": origin}
    for method in ("GET", "POST", "OPTIONS"):
        status, answer, body = request(server, method, "/api/calls", headers)
        assert status == 403 and b"cross-origin" in body
        assert "access-control-allow-origin" not in answer


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8000", "127.0.0.1:1"])
def test_a_rebound_host_is_refused(server: LocalHttpServer, host: str) -> None:
    status, _, body = request(server, "GET", "/config.json", {"Host": host})
    assert status == 403 and b"unexpected Host" in body


@pytest.mark.parametrize(
    ("length", "status"),
    [("abc", 400), ("-5", 400), ("1.5", 400), (str(10 * 1024 * 1024 + 1), 413)],
)
def test_a_content_length_api_gateway_would_refuse_is_answered_not_dropped(
    server: LocalHttpServer, length: str, status: int
) -> None:
    """Content-Length that is not a length: 400; over API Gateway's 10 MB payload quota: 413
    (docs.aws.amazon.com/apigateway/latest/developerguide/limits.html). The body is never read."""
    headers = {"Host": f"127.0.0.1:{server.port}", "Content-Length": length}
    answered, _, body = request(server, "POST", "/api/calls/c1/summaries", headers)
    assert answered == status and json.loads(body)["message"]
