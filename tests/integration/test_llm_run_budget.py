"""Model calls inside a summary run never outlive it: the OpenAI-compatible provider's timeout and
Bedrock's botocore attempts are fitted to the run's time left (domain.run_budget), over real sockets."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from callrecap.adapters.http_retry import RetryPolicy
from callrecap.adapters.llm.bedrock import BedrockProvider
from callrecap.adapters.llm.openai import OpenAiCompatibleProvider
from callrecap.contracts import FailureReason
from callrecap.domain.ports import ProviderError
from callrecap.domain.summaries import run_budget
from tests.helpers.standin import error, no_backoff, scripted


@contextmanager
def slow_chat_server(seconds: float) -> Iterator[tuple[str, list[float]]]:
    """A chat-completions server that answers after `seconds`; yields its URL and the arrival times."""
    arrivals: list[float] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            arrivals.append(time.monotonic())
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            time.sleep(seconds)
            body = json.dumps({"choices": [{"message": {"content": "late"}}], "usage": {}}).encode()
            try:
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except OSError:
                pass  # the client gave up, as it should

        def log_message(self, *_: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/v1", arrivals
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_openai_call_gives_up_at_the_runs_time_left() -> None:
    """The server answers after 4 s; the run has 1.5 s: TIMEOUT, and no second attempt."""
    with slow_chat_server(4.0) as (url, arrivals):
        provider = OpenAiCompatibleProvider(
            url, "m", timeout_seconds=120.0, retry=RetryPolicy(attempts=3, base_seconds=0.1)
        )
        with run_budget.within(1.5), pytest.raises(ProviderError) as caught:
            provider.complete("SYSTEM", "USER")
    assert caught.value.reason == FailureReason.TIMEOUT
    assert len(arrivals) == 1


def test_openai_call_outside_a_run_waits_for_the_answer() -> None:
    with slow_chat_server(0.5) as (url, _):
        reply = OpenAiCompatibleProvider(url, "m", timeout_seconds=120.0).complete("S", "U")
    assert reply.text == "late"


def test_openai_call_is_not_started_without_time_left() -> None:
    with slow_chat_server(0.0) as (url, arrivals):
        provider = OpenAiCompatibleProvider(url, "m", retry=RetryPolicy(attempts=1))
        with run_budget.within(0.2), pytest.raises(ProviderError) as caught:
            provider.complete("SYSTEM", "USER")
    assert caught.value.reason == FailureReason.TIMEOUT and arrivals == []


def test_bedrock_attempts_fit_the_runs_time_left(monkeypatch: Any) -> None:
    """Throttled every time: outside a run botocore makes its 4 attempts; with 100 s left one
    attempt of a 120 s read timeout does not fit twice, so the run's client makes one."""
    no_backoff(monkeypatch)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with scripted(*[error("ThrottlingException", 429)] * 8) as server:
        monkeypatch.setenv("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", server.url)
        provider = BedrockProvider("amazon.nova-lite-v1:0", region="us-east-1")
        with pytest.raises(ProviderError):
            provider.complete("SYSTEM", "USER")
        outside = len(server.requests)
        with run_budget.within(100.0), pytest.raises(ProviderError) as caught:
            provider.complete("SYSTEM", "USER")
        inside = len(server.requests) - outside
    assert (outside, inside) == (4, 1)
    assert caught.value.reason == FailureReason.THROTTLED
