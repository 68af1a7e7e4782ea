"""A scripted AWS stand-in on loopback, for what botocore does over a real socket (its retries).

botocore's Stubber answers before the request is sent, so botocore's retry handler never runs
under it; this server answers real HTTP requests in the order scripted, the way a REST-JSON
service (bedrock-runtime, lambda) does: an error is its status code plus `x-amzn-ErrorType`.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Reply:
    status: int = 200
    body: Any = field(default_factory=dict)
    error_code: str = ""
    headers: dict[str, str] = field(default_factory=dict)


def error(code: str, status: int, message: str = "scripted") -> Reply:
    return Reply(status=status, body={"message": message}, error_code=code)


class ScriptedServer:
    def __init__(self) -> None:
        self.replies: list[Reply] = []
        self.requests: list[tuple[str, bytes]] = []
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                with server._lock:
                    server.requests.append((self.path, body))
                    reply = server.replies.pop(0) if server.replies else error("NoScriptedReply", 500)
                payload = reply.body if isinstance(reply.body, bytes) else json.dumps(reply.body).encode()
                self.send_response(reply.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                if reply.error_code:
                    self.send_header("x-amzn-ErrorType", reply.error_code)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *_: Any) -> None:
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    @contextmanager
    def running(self) -> Iterator[ScriptedServer]:
        thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self._httpd.shutdown()
            self._httpd.server_close()


@contextmanager
def scripted(*replies: Reply) -> Iterator[ScriptedServer]:
    server = ScriptedServer()
    server.replies.extend(replies)
    with server.running():
        yield server


def no_backoff(monkeypatch: Any) -> list[int]:
    """Make botocore's standard-mode backoff instant; returns the attempt numbers it was asked for."""
    from botocore.retries import standard

    asked: list[int] = []

    def delay_amount(self: Any, context: Any) -> float:
        asked.append(context.attempt_number)
        return 0.0

    monkeypatch.setattr(standard.ExponentialBackoff, "delay_amount", delay_amount)
    return asked
