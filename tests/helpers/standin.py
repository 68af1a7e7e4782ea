"""A scripted model or AWS stand-in on loopback, for what clients do over a real socket.

botocore's Stubber answers before the request is sent, so botocore's retry handler never runs
under it; this server answers real HTTP requests in the order scripted, the way a REST-JSON
service (bedrock-runtime, lambda) does: an error is its status code plus `x-amzn-ErrorType`. Or
it answers each request with a function of it (`answering`): a model that is throttled first,
slow, or checks the prompt it is sent. `chat_reply` / `converse_reply` build the bodies of an
OpenAI-compatible and a Bedrock Converse answer.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator, Mapping
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


def chat_reply(content: str, *, prompt_tokens: int = 50, completion_tokens: int = 20) -> Reply:
    """An OpenAI-compatible chat completion answering `content`."""
    choice = {"message": {"role": "assistant", "content": content}, "finish_reason": "stop"}
    usage = {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens}
    return Reply(body={"choices": [choice], "usage": usage})


def chat_error(status: int, message: str) -> Reply:
    """An OpenAI-compatible error (429 rate limit, 500...)."""
    return Reply(status=status, body={"error": {"message": message}})


def converse_reply(text: str, *, input_tokens: int = 500, output_tokens: int = 50) -> Reply:
    """A Bedrock Converse answer with `text`."""
    usage = {
        "inputTokens": input_tokens,
        "outputTokens": output_tokens,
        "totalTokens": input_tokens + output_tokens,
    }
    message = {"role": "assistant", "content": [{"text": text}]}
    return Reply(body={"output": {"message": message}, "stopReason": "end_turn", "usage": usage})


@dataclass(frozen=True)
class Request:
    path: str
    headers: Mapping[str, str]
    body: bytes
    method: str = "POST"

    def json(self) -> Any:
        return json.loads(self.body or b"{}")


class ScriptedServer:
    def __init__(
        self,
        answer: Callable[[Request], Reply] | None = None,
        get_answer: Callable[[Request], Reply | None] | None = None,
    ) -> None:
        """`answer`: each POST's reply (called on the server's threads); None: the scripted
        `replies` in order. `get_answer`: each GET's (None or no reply: 404)."""
        self.replies: list[Reply] = []
        self.requests: list[tuple[str, bytes]] = []
        self.seen: list[Request] = []
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                request = Request(self.path, dict(self.headers), self.rfile.read(length))
                with server._lock:
                    server.requests.append((request.path, request.body))
                    server.seen.append(request)
                    if answer is None:
                        reply = server.replies.pop(0) if server.replies else error("NoScriptedReply", 500)
                if answer is not None:
                    reply = answer(request)
                payload = reply.body if isinstance(reply.body, bytes) else json.dumps(reply.body).encode()
                try:
                    self.send_response(reply.status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    if reply.error_code:
                        self.send_header("x-amzn-ErrorType", reply.error_code)
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(payload)
                except OSError:
                    pass  # the client gave up waiting (a timeout under test)

            def do_GET(self) -> None:
                """Answered by `get_answer` (a model server's /models, /props), else 404; never
                counted in `requests` (those are the POSTs)."""
                request = Request(self.path, dict(self.headers), b"", method="GET")
                with server._lock:
                    server.seen.append(request)
                found = get_answer(request) if get_answer is not None else None
                self._send(found or Reply(404, {"error": "not found"}))

            def _send(self, reply: Reply) -> None:
                payload = reply.body if isinstance(reply.body, bytes) else json.dumps(reply.body).encode()
                try:
                    self.send_response(reply.status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except OSError:
                    pass

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


@contextmanager
def answering(
    answer: Callable[[Request], Reply], get_answer: Callable[[Request], Reply | None] | None = None
) -> Iterator[ScriptedServer]:
    """A server whose every POST is answered by `answer` (and GET by `get_answer`)."""
    server = ScriptedServer(answer, get_answer)
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
