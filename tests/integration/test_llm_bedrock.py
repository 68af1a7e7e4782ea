"""Bedrock Converse provider against botocore's Stubber (bedrock-runtime is not emulated by moto),
and its retries against a scripted stand-in on loopback (botocore retries only real requests)."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from callrecap.adapters.aws_clients import RETRY_POLICIES, client_config
from callrecap.adapters.llm.bedrock import BedrockProvider
from callrecap.adapters.prompt_files import load_prompt_set
from callrecap.domain.models import Turn
from callrecap.domain.ports import ProviderError
from callrecap.domain.summaries.chunking import Budget
from callrecap.domain.summaries.engine import summarize
from tests.helpers.sections import complete
from tests.helpers.standin import Reply, error, no_backoff, scripted

MODEL = "anthropic.claude-3-haiku-20240307-v1:0"


def converse_response(
    text: str, input_tokens: int = 812, output_tokens: int = 95, stop_reason: str = "end_turn"
) -> dict[str, Any]:
    """The documented Converse response shape."""
    return {
        "output": {"message": {"role": "assistant", "content": [{"text": text}]}},
        "stopReason": stop_reason,
        "usage": {
            "inputTokens": input_tokens,
            "outputTokens": output_tokens,
            "totalTokens": input_tokens + output_tokens,
        },
        "metrics": {"latencyMs": 1234},
    }


def bedrock_client(endpoint_url: str | None = None) -> Any:
    """A client with the provider's own retry policy (adapters.aws_clients)."""
    return boto3.client(
        "bedrock-runtime",
        region_name="us-east-1",
        endpoint_url=endpoint_url,
        config=client_config("bedrock-runtime"),
    )


@pytest.fixture
def client() -> Any:
    return bedrock_client()


def provider(client: Any, sleeps: list[float]) -> BedrockProvider:
    return BedrockProvider(MODEL, client=client)


ATTEMPTS = RETRY_POLICIES["bedrock-runtime"].total_max_attempts


def expected_request(max_tokens: int = 1024) -> dict[str, Any]:
    return {
        "modelId": MODEL,
        "system": [{"text": "SYSTEM"}],
        "messages": [{"role": "user", "content": [{"text": "USER"}]}],
        "inferenceConfig": {"maxTokens": max_tokens, "temperature": 0.0},
    }


def test_converse_request_and_usage(client: Any) -> None:
    with Stubber(client) as stub:
        stub.add_response("converse", converse_response("hello"), expected_request(300))
        reply = provider(client, []).complete("SYSTEM", "USER", max_output_tokens=300)
        stub.assert_no_pending_responses()
    assert (reply.text, reply.input_tokens, reply.output_tokens, reply.model) == ("hello", 812, 95, MODEL)


@pytest.mark.parametrize(
    ("code", "status"),
    [
        ("ThrottlingException", 429),
        ("ServiceUnavailableException", 503),
        ("ModelNotReadyException", 429),
        ("InternalServerException", 500),
    ],
)
def test_botocore_retries_with_backoff_then_succeeds(monkeypatch: Any, code: str, status: int) -> None:
    backoffs = no_backoff(monkeypatch)
    replies = [error(code, status), error(code, status), Reply(body=converse_response("ok"))]
    with scripted(*replies) as server:
        reply = BedrockProvider(MODEL, client=bedrock_client(server.url)).complete("SYSTEM", "USER")
    assert reply.text == "ok"
    assert len(server.requests) == 3 and backoffs == [1, 2]  # two jittered backoffs, then success
    assert all(path.startswith("/model/") and path.endswith("/converse") for path, _ in server.requests)


def test_gives_up_after_the_attempts_with_a_retryable_error(monkeypatch: Any) -> None:
    no_backoff(monkeypatch)
    with (
        scripted(*[error("ThrottlingException", 429, "Too many requests")] * ATTEMPTS) as server,
        pytest.raises(ProviderError, match="ThrottlingException") as caught,
    ):
        BedrockProvider(MODEL, client=bedrock_client(server.url)).complete("SYSTEM", "USER")
    assert caught.value.retryable and len(server.requests) == ATTEMPTS


def test_model_timeout_is_not_retried_inline_but_marks_the_failure_retryable(monkeypatch: Any) -> None:
    backoffs = no_backoff(monkeypatch)
    with (
        scripted(error("ModelTimeoutException", 408)) as server,
        pytest.raises(ProviderError, match="ModelTimeoutException") as caught,
    ):
        BedrockProvider(MODEL, client=bedrock_client(server.url)).complete("SYSTEM", "USER")
    assert caught.value.retryable and len(server.requests) == 1 and backoffs == []


def test_validation_error_is_not_retried(monkeypatch: Any) -> None:
    backoffs = no_backoff(monkeypatch)
    with (
        scripted(error("ValidationException", 400, "bad model id")) as server,
        pytest.raises(ProviderError, match="ValidationException") as caught,
    ):
        BedrockProvider(MODEL, client=bedrock_client(server.url)).complete("SYSTEM", "USER")
    assert not caught.value.retryable and len(server.requests) == 1 and backoffs == []


def test_model_without_system_prompt_support_gets_it_in_the_user_turn(client: Any) -> None:
    folded = {
        "modelId": MODEL,
        "messages": [{"role": "user", "content": [{"text": "SYSTEM\n\nUSER"}]}],
        "inferenceConfig": {"maxTokens": 1024, "temperature": 0.0},
    }
    bedrock = provider(client, [])
    with Stubber(client) as stub:
        message = "This model doesn't support system messages."
        stub.add_client_error(
            "converse", "ValidationException", message, 400, expected_params=expected_request()
        )
        stub.add_response("converse", converse_response("first"), folded)
        stub.add_response("converse", converse_response("second"), folded)  # remembered
        assert bedrock.complete("SYSTEM", "USER").text == "first"
        assert bedrock.complete("SYSTEM", "USER").text == "second"
        stub.assert_no_pending_responses()


def test_engine_over_stubbed_bedrock_records_tokens(client: Any) -> None:
    sections = complete(
        {
            "summary": "The customer reported a late order; a replacement ships today.",
            "topic": "Late order",
            "action_items": ["Agent ships a replacement today."],
            "resolved": "yes",
            "customer_sentiment": "neutral",
        }
    )
    turns = [Turn("AGENT", "How can I help?"), Turn("CUSTOMER", "My order is late.")]
    with Stubber(client) as stub:
        stub.add_response("converse", converse_response("```json\n" + json.dumps(sections) + "\n```"))
        result = summarize(turns, provider(client, []), load_prompt_set(), Budget.for_model(MODEL))
        stub.assert_no_pending_responses()
    assert result.ok and result.sections == sections
    assert (result.provider, result.model) == ("bedrock", MODEL)
    assert (result.usage.llm_calls, result.usage.input_tokens, result.usage.output_tokens) == (1, 812, 95)


@pytest.mark.parametrize("stop_reason", ["guardrail_intervened", "content_filtered"])
def test_blocked_reply_is_a_non_retryable_error(client: Any, stop_reason: str) -> None:
    with Stubber(client) as stub:
        stub.add_response("converse", converse_response("Sorry.", stop_reason=stop_reason))
        with pytest.raises(ProviderError, match=stop_reason) as caught:
            provider(client, []).complete("SYSTEM", "USER")
    assert not caught.value.retryable


def test_reply_cut_at_max_tokens_says_so_when_it_stays_unusable(client: Any) -> None:
    turns = [Turn("AGENT", "How can I help?"), Turn("CUSTOMER", "My order is late.")]
    with Stubber(client) as stub:
        for _ in range(2):  # the reply and the repair attempt, both cut off
            stub.add_response(
                "converse", converse_response('{"summary": "The cust', stop_reason="max_tokens")
            )
        result = summarize(turns, provider(client, []), load_prompt_set(), Budget.for_model(MODEL))
        stub.assert_no_pending_responses()
    assert not result.ok and "cut at the output token limit" in result.error
    assert result.raw_reply == '{"summary": "The cust'


def test_client_is_created_lazily() -> None:
    lazy = BedrockProvider(MODEL, region="eu-west-1")
    assert lazy._client is None
    assert lazy.client.meta.region_name == "eu-west-1"
