"""OpenAI-compatible provider against a chat-completions server started on 127.0.0.1 by the test."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import boto3
import pytest
from moto import mock_aws

from callrecap.adapters.http_retry import RetryPolicy
from callrecap.adapters.llm.openai import OpenAiCompatibleProvider, parse_chat_completion, secret_api_key
from callrecap.adapters.prompt_files import load_prompt_set
from callrecap.domain.models import Turn
from callrecap.domain.ports import ProviderError
from callrecap.domain.summaries.engine import summarize
from tests.helpers.sections import complete

SECTIONS = complete(
    {
        "summary": "Late order, replacement sent.",
        "topic": "Late order",
        "action_items": ["Agent sends a replacement."],
        "resolved": "yes",
        "customer_sentiment": "positive",
    }
)


@dataclass
class Script:
    """Responses the fake server gives, in order: (status, body); requests it received."""

    responses: list[tuple[int, Any]] = field(default_factory=list)
    requests: list[tuple[str, dict[str, str], dict[str, Any]]] = field(default_factory=list)


@pytest.fixture
def server() -> Iterator[tuple[str, Script]]:
    script = Script()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = json.loads(self.rfile.read(length))
            script.requests.append((self.path, dict(self.headers), body))
            status, reply = script.responses.pop(0)
            raw = (reply if isinstance(reply, str) else json.dumps(reply)).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def log_message(self, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/v1", script
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()


def completion(text: str) -> dict[str, Any]:
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "model": "llama-3.1-8b-instruct",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 321, "completion_tokens": 45, "total_tokens": 366},
    }


def provider(base_url: str, key: Any = "sk-test") -> OpenAiCompatibleProvider:
    retry = RetryPolicy(attempts=3, sleep=lambda _: None)
    return OpenAiCompatibleProvider(
        base_url, "llama-3.1-8b-instruct", api_key=key, retry=retry, timeout_seconds=10
    )


def test_chat_completion_request_and_engine_result(server: tuple[str, Script]) -> None:
    base_url, script = server
    script.responses.append((200, completion("Here you go:\n" + json.dumps(SECTIONS))))
    turns = [Turn("AGENT", "How can I help?"), Turn("CUSTOMER", "My order is late.")]
    result = summarize(turns, provider(base_url), load_prompt_set())
    assert result.ok and result.sections == SECTIONS
    assert (result.usage.input_tokens, result.usage.output_tokens) == (321, 45)
    assert (result.provider, result.model) == ("openai", "llama-3.1-8b-instruct")
    path, headers, body = script.requests[0]
    assert path == "/v1/chat/completions"
    assert headers["Authorization"] == "Bearer sk-test"
    assert body["model"] == "llama-3.1-8b-instruct" and body["temperature"] == 0.0
    assert [m["role"] for m in body["messages"]] == ["system", "user"]
    assert "CUSTOMER: My order is late." in body["messages"][1]["content"]


def test_retries_429_and_5xx(server: tuple[str, Script]) -> None:
    base_url, script = server
    script.responses += [(429, {"error": "rate"}), (503, "unavailable"), (200, completion("ok"))]
    assert provider(base_url).complete("s", "u").text == "ok"
    assert len(script.requests) == 3


def test_client_error_is_not_retried(server: tuple[str, Script]) -> None:
    base_url, script = server
    script.responses.append((401, {"error": {"message": "bad key"}}))
    with pytest.raises(ProviderError, match="HTTP 401") as caught:
        provider(base_url).complete("s", "u")
    assert not caught.value.retryable and len(script.requests) == 1


def test_invalid_json_reply(server: tuple[str, Script]) -> None:
    base_url, script = server
    script.responses.append((200, "<html>proxy error</html>"))
    with pytest.raises(ProviderError, match="invalid JSON"):
        provider(base_url).complete("s", "u")


def test_no_key_means_no_authorization_header(server: tuple[str, Script]) -> None:
    base_url, script = server
    script.responses.append((200, completion("ok")))
    provider(base_url, key="").complete("s", "u")
    assert "Authorization" not in script.requests[0][1]


def test_unreachable_server_is_a_retryable_error() -> None:
    with pytest.raises(ProviderError) as caught:
        provider("http://127.0.0.1:9/v1").complete("s", "u")
    assert caught.value.retryable


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://x/v1", "localhost:8000"])
def test_only_http_base_urls(url: str) -> None:
    with pytest.raises(ValueError, match="http"):
        provider(url)


@mock_aws
@pytest.mark.parametrize("secret", ["sk-from-secret", '{"apiKey": "sk-from-secret"}'])
def test_api_key_from_secrets_manager(server: tuple[str, Script], secret: str) -> None:
    base_url, script = server
    arn = boto3.client("secretsmanager").create_secret(Name="openai-key", SecretString=secret)["ARN"]
    script.responses.append((200, completion("ok")))
    provider(base_url, key=secret_api_key(arn)).complete("s", "u")
    assert script.requests[0][1]["Authorization"] == "Bearer sk-from-secret"


def test_finish_reason_length_marks_the_reply_truncated() -> None:
    cut = {"choices": [{"message": {"content": '{"summ'}, "finish_reason": "length"}]}
    done = {"choices": [{"message": {"content": "{}"}, "finish_reason": "stop"}]}
    assert parse_chat_completion(cut, "m").truncated
    assert not parse_chat_completion(done, "m").truncated
