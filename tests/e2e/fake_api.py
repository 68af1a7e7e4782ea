"""A scriptable stand-in for the HTTP API plus the static ui/ files, on one loopback port.

UI tests drive the page against it so that every state (empty, error, partials, failed summary,
sign-in) can be produced on purpose, without the local stack's timing. It answers in the shapes
of handlers/api.py: camelCase records, `since`/`nextCursor` transcript paging.
"""

from __future__ import annotations

import base64
import hashlib
import json
import mimetypes
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

UI_DIR = Path(__file__).resolve().parents[2] / "ui"
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
"""As strict as the CloudFront policy of the deployed page, so a violation fails the UI tests."""


@dataclass
class FakeBackend:
    """In-memory calls, segments and summaries that a test edits while the page polls."""

    calls: dict[str, dict[str, Any]] = field(default_factory=dict)
    segments: dict[str, list[tuple[int, dict[str, Any]]]] = field(default_factory=dict)
    summaries: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    requests: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)
    fail_status: int | None = None  # answer every API request with this status
    api_delay_s: float = 0.0  # a slow API: every API answer waits this long (the page must not pile up)
    config: dict[str, Any] = field(
        default_factory=lambda: {
            "apiBase": "/api",
            "auth": None,
            "pollIntervalMs": 150,
            "listPollIntervalMs": 300,
        }
    )
    required_token: str | None = None  # when set, the API demands "Authorization: Bearer <token>"
    refresh_token: str = "refresh-1"
    renewed_token: str | None = None  # what a refresh_token grant hands out (None: refuse it)
    refreshes: int = 0
    issued_codes: dict[str, str] = field(default_factory=dict)  # code -> PKCE challenge
    lock: threading.Lock = field(default_factory=threading.Lock)
    _seq: int = 0

    def add_call(self, call_id: str, **attrs: Any) -> dict[str, Any]:
        with self.lock:
            record = {"callId": call_id, "status": "LIVE", "startedAt": "2025-01-01T10:00:00Z", **attrs}
            self.calls[call_id] = record
            self.segments.setdefault(call_id, [])
            self.summaries.setdefault(call_id, [])
            return record

    def update_call(self, call_id: str, **attrs: Any) -> None:
        with self.lock:
            self.calls[call_id].update(attrs)

    def put_segment(self, call_id: str, segment_id: str, text: str, **attrs: Any) -> None:
        segment = {
            "segmentId": segment_id,
            "speaker": "AGENT",
            "startTime": 0.0,
            "endTime": 1.0,
            "text": text,
            "isPartial": False,
            **attrs,
        }
        with self.lock:
            self._seq += 1
            self.segments[call_id].append((self._seq, segment))

    def put_summary(self, call_id: str, version: int, kind: str, status: str, **attrs: Any) -> None:
        summary = {
            "callId": call_id,
            "version": version,
            "kind": kind,
            "status": status,
            "sections": {},
            "provider": "extractive",
            "model": "lead-3",
            "createdAt": "2025-01-01T10:05:00Z",
            **attrs,
        }
        with self.lock:
            versions = [s for s in self.summaries[call_id] if s["version"] != version]
            self.summaries[call_id] = [*versions, summary]
            self.calls[call_id]["latestSummaryVersion"] = max(s["version"] for s in self.summaries[call_id])
            self.calls[call_id]["latestSummaryStatus"] = status

    def posts(self, path_suffix: str) -> list[str]:
        with self.lock:
            posted = [path for method, path, _ in self.requests if method == "POST"]
        return [path for path in posted if path.endswith(path_suffix)]

    def authorizations(self) -> list[str]:
        with self.lock:
            api_requests = [headers for _, path, headers in self.requests if path.startswith("/api")]
        return [headers.get("Authorization", "") for headers in api_requests]


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # keep pytest output quiet
        return

    # ------------------------------------------------------------------ plumbing
    def _json(self, status: int, body: Any) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(data)

    def _static(self, path: str) -> None:
        relative = "index.html" if path in ("", "/") else path.lstrip("/")
        target = (UI_DIR / relative).resolve()
        if not target.is_file() or UI_DIR not in target.parents:
            self._json(404, {"message": "not found"})
            return
        data = target.read_bytes()
        self.send_response(200)
        self.send_header("Content-Type", mimetypes.guess_type(target.name)[0] or "application/octet-stream")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def _dispatch(self, method: str) -> None:
        backend = self.server.backend
        url = urlparse(self.path)
        query = {key: values[0] for key, values in parse_qs(url.query).items()}
        with backend.lock:
            backend.requests.append((method, url.path, dict(self.headers.items())))
        if url.path == "/config.json":
            self._json(200, backend.config)
        elif url.path == "/oauth2/authorize":
            self._authorize(query)
        elif url.path == "/oauth2/token":
            self._token()
        elif url.path.startswith("/api/"):
            self._api(method, url.path[len("/api") :], query)
        else:
            self._static(url.path)

    # ------------------------------------------------------------------ fake Cognito
    def _authorize(self, query: dict[str, str]) -> None:
        backend = self.server.backend
        code = f"code-{len(backend.issued_codes) + 1}"
        assert query["code_challenge_method"] == "S256"
        backend.issued_codes[code] = query["code_challenge"]
        location = f"{query['redirect_uri']}?{urlencode({'code': code, 'state': query['state']})}"
        self.send_response(302)
        self.send_header("Location", location)
        self.end_headers()

    def _token(self) -> None:
        backend = self.server.backend
        length = int(self.headers.get("Content-Length", "0"))
        form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
        if form.get("grant_type") == "refresh_token":
            if form.get("refresh_token") != backend.refresh_token or not backend.renewed_token:
                self._json(400, {"error": "invalid_grant"})
                return
            backend.required_token = backend.renewed_token
            backend.refreshes += 1
            self._json(
                200, {"access_token": backend.required_token, "expires_in": 3600, "token_type": "Bearer"}
            )
            return
        challenge = backend.issued_codes.pop(form.get("code", ""), None)
        digest = hashlib.sha256(form.get("code_verifier", "").encode()).digest()
        expected = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
        if form.get("grant_type") != "authorization_code" or challenge != expected:
            self._json(400, {"error": "invalid_grant"})
            return
        claims = base64.urlsafe_b64encode(json.dumps({"email": "agent@example.com"}).encode()).rstrip(b"=")
        id_token = f"e30.{claims.decode()}.sig"
        self._json(
            200,
            {
                "access_token": backend.required_token,
                "id_token": id_token,
                "refresh_token": backend.refresh_token,
                "expires_in": 3600,
                "token_type": "Bearer",
            },
        )

    # ------------------------------------------------------------------ API
    def _api(self, method: str, path: str, query: dict[str, str]) -> None:
        backend = self.server.backend
        if backend.api_delay_s:
            time.sleep(backend.api_delay_s)
        if backend.required_token and self.headers.get("Authorization") != f"Bearer {backend.required_token}":
            self._json(401, {"message": "Unauthorized"})
            return
        if backend.fail_status:
            self._json(backend.fail_status, {"message": "Internal server error"})
            return
        parts = [p for p in path.split("/") if p]
        with backend.lock:
            if method == "GET" and parts == ["calls"]:
                self._json(200, {"calls": list(backend.calls.values()), "nextCursor": None})
                return
            if len(parts) < 2 or parts[0] != "calls" or parts[1] not in backend.calls:
                self._json(404, {"message": "call not found"})
                return
            call_id = parts[1]
            if method == "GET" and len(parts) == 2:
                since = int(query.get("since") or 0)
                changed = [seg for seq, seg in backend.segments[call_id] if seq > since]
                newest = max([since, *(seq for seq, _ in backend.segments[call_id])])
                body = {"call": backend.calls[call_id], "segments": changed, "nextCursor": str(newest)}
                self._json(200, body)
            elif method == "GET" and parts[2:] == ["summaries"]:
                ordered = sorted(backend.summaries[call_id], key=lambda s: -s["version"])
                self._json(200, {"summaries": ordered})
            elif method == "POST" and parts[2:] == ["summaries"]:
                self._json(202, {"callId": call_id, "kind": "interim", "requested": True})
            elif method == "POST" and len(parts) == 5 and parts[2] == "summaries" and parts[4] == "retry":
                self._json(202, {"callId": call_id, "version": int(parts[3]), "requested": True})
            else:
                self._json(404, {"message": "no such route"})


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, backend: FakeBackend) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.backend = backend


class FakeApiServer:
    """Runs the fake on a free loopback port in a background thread."""

    def __init__(self, backend: FakeBackend | None = None) -> None:
        self.backend = backend or FakeBackend()
        self._server = _Server(self.backend)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> FakeApiServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
