"""One HTTP server for the local stack: the static page from ui/ and the API under /api/.

Requests under /api/ are matched against `contracts.API_ROUTES` like API Gateway matches its
routes (unknown route: 404 `{"message": "Not Found"}`, as an HTTP API answers), converted into
payload-format-2.0 events and handed to the real api handler. `/config.json` is generated: it
tells the page where the API is and that no sign-in is needed locally.
"""

from __future__ import annotations

import json
import logging
import mimetypes
import re
import threading
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from callrecap.contracts import API_ROUTES, APPROVAL_ROUTES, CALL_DATA_ROUTES, HTTP_API_PAYLOAD_LIMIT_BYTES
from callrecap_local.lambda_events import http_api_event, http_api_response

log = logging.getLogger("callrecap_local")

API_PREFIX = "/api"
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")
CORS_RESPONSE_HEADERS = frozenset(
    {
        "access-control-allow-origin",
        "access-control-allow-methods",
        "access-control-allow-headers",
        "access-control-allow-credentials",
        "access-control-expose-headers",
        "access-control-max-age",
    }
)
"""Dropped from every local answer: the page is served by this server itself (same origin), and
a CORS header would let any web page the user visits read the local calls."""


def _compile(template: str) -> re.Pattern[str]:
    pattern = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(template))
    return re.compile(f"^{pattern}$")


ROUTES: tuple[tuple[str, str, re.Pattern[str]], ...] = tuple(
    (method, template, _compile(template))
    for method, template in (*API_ROUTES, *CALL_DATA_ROUTES, *APPROVAL_ROUTES)
)
CALL_DATA_ROUTE_KEYS = frozenset(f"{method} {template}" for method, template in CALL_DATA_ROUTES)
"""Served by the call_data function, as the deployed API integrates them."""
APPROVAL_ROUTE_KEYS = frozenset(f"{method} {template}" for method, template in APPROVAL_ROUTES)
"""Served by the approvals function."""


def match_route(method: str, path: str) -> tuple[str, dict[str, str]] | None:
    """(routeKey, pathParameters) for an API path, or None when no route matches."""
    for route_method, template, pattern in ROUTES:
        found = pattern.match(path)
        if found and route_method == method:
            return f"{route_method} {template}", {k: unquote(v) for k, v in found.groupdict().items()}
    return None


def bearer_claims(authorization: str, user_pool_id: str) -> dict[str, str] | None:
    """The claims of a bearer access token issued by the local user pool, in the shape API
    Gateway's JWT authorizer passes them (array claims as "[a b]"); None without one. The issuer
    and token use are checked, not moto's signature: the local stack has no secrets to protect."""
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not user_pool_id or token.count(".") != 2:
        return None
    import base64

    payload = token.split(".")[1]
    try:
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except ValueError:
        return None
    if not isinstance(claims, dict) or not str(claims.get("iss", "")).endswith(f"/{user_pool_id}"):
        return None
    if claims.get("token_use") != "access":
        return None
    return {k: f"[{' '.join(map(str, v))}]" if isinstance(v, list) else str(v) for k, v in claims.items()}


class LocalHttpServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(
        self,
        address: tuple[str, int],
        *,
        invoke_api: Callable[[dict[str, Any]], Any],
        ui_dir: Path | None,
        config: dict[str, Any],
        claims: dict[str, str] | None = None,
        invoke_call_data: Callable[[dict[str, Any]], Any] | None = None,
        invoke_approvals: Callable[[dict[str, Any]], Any] | None = None,
        user_pool_id: str = "",
    ):
        """`claims`: the signed-in user the local API sees (default the local admin);
        `invoke_call_data`, `invoke_approvals`: the functions behind CALL_DATA_ROUTES and
        APPROVAL_ROUTES (default: the api function);
        `user_pool_id`: the local (moto) user pool whose bearer tokens name the user instead."""
        super().__init__(address, _RequestHandler)
        self.claims = claims
        self.user_pool_id = user_pool_id
        self.invoke_call_data = invoke_call_data or invoke_api
        self.invoke_approvals = invoke_approvals or invoke_api
        self.invoke_api = invoke_api
        self.ui_dir = ui_dir.resolve() if ui_dir else None
        self.config = config
        self.thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    def start(self) -> None:
        self.thread = threading.Thread(target=self.serve_forever, name="http", daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.shutdown()
        self.server_close()
        if self.thread is not None:
            self.thread.join(timeout=5)


class _RequestHandler(BaseHTTPRequestHandler):
    server: LocalHttpServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("http %s", format % args)

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_HEAD(self) -> None:
        self._dispatch("HEAD")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_PUT(self) -> None:
        self._dispatch("PUT")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def do_OPTIONS(self) -> None:
        self._dispatch("OPTIONS")

    def _allowed_hosts(self) -> set[str]:
        host, port = self.server.server_address[:2]
        names = {str(host), *LOOPBACK_NAMES}
        return {f"{name}:{port}" for name in names}

    def _refusal(self) -> str | None:
        """Why this request may not be served: a Host this server is not (DNS rebinding), or an
        Origin other than its own (another web page calling the local API)."""
        host = (self.headers.get("host") or "").strip().lower()
        if host not in self._allowed_hosts():
            return f"unexpected Host {host[:80]!r}: the local stack answers only on loopback"
        origin = (self.headers.get("origin") or "").strip().lower()
        if origin and origin not in {f"http://{allowed}" for allowed in self._allowed_hosts()}:
            return f"cross-origin request from {origin[:80]!r} refused: the local API is same-origin only"
        return None

    def _dispatch(self, method: str) -> None:
        url = urlsplit(self.path)
        refusal = self._refusal()
        if refusal is not None:
            self._send(HTTPStatus.FORBIDDEN, {"content-type": "text/plain"}, refusal.encode())
            return
        try:
            if url.path == API_PREFIX or url.path.startswith(API_PREFIX + "/"):
                self._api(method, url.path[len(API_PREFIX) :] or "/", url.query)
            elif method in ("GET", "HEAD"):
                self._static(url.path, head=method == "HEAD")
            else:
                self._send(
                    HTTPStatus.METHOD_NOT_ALLOWED, {"content-type": "text/plain"}, b"method not allowed"
                )
        except (BrokenPipeError, ConnectionResetError):
            pass

    # ------------------------------------------------------------------ API

    def _request_length(self) -> int | None:
        """The body's length from Content-Length, or None after answering what API Gateway would:
        400 for a value that is not a length, 413 over its 10 MB payload quota. The body is then
        not read, so the connection is closed."""
        raw = (self.headers.get("content-length") or "0").strip()
        if not raw.isdigit():
            self.close_connection = True
            self._json(HTTPStatus.BAD_REQUEST, {"message": f"invalid Content-Length {raw[:20]!r}"})
            return None
        if int(raw) > HTTP_API_PAYLOAD_LIMIT_BYTES:
            self.close_connection = True
            self._json(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, {"message": "Request Entity Too Large"})
            return None
        return int(raw)

    def _api(self, method: str, path: str, query: str) -> None:
        length = self._request_length()
        if length is None:
            return
        body = self.rfile.read(length) if length else b""
        if method == "OPTIONS":  # same-origin only: no preflight is ever needed, none is granted
            self._send(HTTPStatus.NO_CONTENT, {}, b"")
            return
        matched = match_route(method, path)
        if matched is None:
            self._json(HTTPStatus.NOT_FOUND, {"message": "Not Found"})
            return
        route_key, parameters = matched
        event = http_api_event(
            method=method,
            route_key=route_key,
            raw_path=path,
            raw_query=query,
            headers=dict(self.headers.items()),
            body=body,
            path_parameters=parameters,
            source_ip=self.client_address[0],
            claims=bearer_claims(self.headers.get("Authorization", ""), self.server.user_pool_id)
            or self.server.claims,
        )
        try:
            if route_key in CALL_DATA_ROUTE_KEYS:
                invoke = self.server.invoke_call_data
            elif route_key in APPROVAL_ROUTE_KEYS:
                invoke = self.server.invoke_approvals
            else:
                invoke = self.server.invoke_api
            result = invoke(event)
        except Exception:
            log.exception("api handler raised on %s", route_key)
            # What API Gateway answers when the integration fails.
            self._json(HTTPStatus.INTERNAL_SERVER_ERROR, {"message": "Internal Server Error"})
            return
        status, headers, payload = http_api_response(result)
        headers = {k: v for k, v in headers.items() if k.lower() not in CORS_RESPONSE_HEADERS}
        self._send(status, headers, payload)

    # ------------------------------------------------------------------ static files

    def _static(self, path: str, *, head: bool) -> None:
        if path == "/config.json":
            self._json(HTTPStatus.OK, self.server.config, head=head)
            return
        root = self.server.ui_dir
        if root is None:
            self._send(HTTPStatus.NOT_FOUND, {"content-type": "text/plain"}, b"no ui/ directory", head=head)
            return
        relative = unquote(path).lstrip("/") or "index.html"
        target = (root / relative).resolve()
        if target.is_dir():
            target = target / "index.html"
        if not target.is_relative_to(root) or not target.is_file():
            self._send(HTTPStatus.NOT_FOUND, {"content-type": "text/plain"}, b"not found", head=head)
            return
        content_type = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        if content_type.startswith("text/") or content_type.endswith(("javascript", "json")):
            content_type += "; charset=utf-8"
        headers = {"content-type": content_type, "cache-control": "no-cache"}
        self._send(HTTPStatus.OK, headers, target.read_bytes(), head=head)

    # ------------------------------------------------------------------ responses

    def _json(self, status: int, payload: Any, *, head: bool = False) -> None:
        headers = {"content-type": "application/json", "cache-control": "no-store"}
        self._send(status, headers, json.dumps(payload).encode(), head=head)

    def _send(self, status: int, headers: dict[str, str], body: bytes, *, head: bool = False) -> None:
        self.send_response(status)
        for name, value in headers.items():
            if name.lower() != "content-length":
                self.send_header(name, value)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        if not head and body:
            self.wfile.write(body)
