"""Bedrock Converse provider against botocore's Stubber (bedrock-runtime is not emulated by moto)."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.stub import Stubber

from callrecap.adapters.llm.bedrock import BedrockProvider
from callrecap.adapters.llm.retry import RetryPolicy
from callrecap.domain.chunking import Budget
from callrecap.domain.models import Turn
from callrecap.domain.ports import ProviderError
from callrecap.domain.prompting import load_prompt_set
from callrecap.domain.summarizing import summarize

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


@pytest.fixture
def client() -> Any:
    return boto3.client(
        "bedrock-runtime", region_name="us-east-1", config=Config(retries={"max_attempts": 1})
    )


def provider(client: Any, sleeps: list[float]) -> BedrockProvider:
    retry = RetryPolicy(attempts=4, base_seconds=1.0, sleep=sleeps.append, rand=lambda: 0.5)
    return BedrockProvider(MODEL, client=client, retry=retry)


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
        ("ModelTimeoutException", 408),
    ],
)
def test_retries_with_backoff_then_succeeds(client: Any, code: str, status: int) -> None:
    sleeps: list[float] = []
    with Stubber(client) as stub:
        stub.add_client_error("converse", code, "slow down", status, expected_params=expected_request())
        stub.add_client_error("converse", code, "slow down", status, expected_params=expected_request())
        stub.add_response("converse", converse_response("ok"), expected_request())
        reply = provider(client, sleeps).complete("SYSTEM", "USER")
        stub.assert_no_pending_responses()
    assert reply.text == "ok"
    assert sleeps == [0.5, 1.0]  # jitter 0.5 x (1 s, 2 s): exponential


def test_gives_up_after_the_attempts_with_a_retryable_error(client: Any) -> None:
    sleeps: list[float] = []
    with Stubber(client) as stub:
        for _ in range(4):
            stub.add_client_error("converse", "ThrottlingException", "Too many requests", 429)
        with pytest.raises(ProviderError, match="ThrottlingException") as caught:
            provider(client, sleeps).complete("SYSTEM", "USER")
    assert caught.value.retryable and len(sleeps) == 3


def test_validation_error_is_not_retried(client: Any) -> None:
    sleeps: list[float] = []
    with Stubber(client) as stub:
        stub.add_client_error("converse", "ValidationException", "bad model id", 400)
        with pytest.raises(ProviderError, match="ValidationException") as caught:
            provider(client, sleeps).complete("SYSTEM", "USER")
    assert not caught.value.retryable and sleeps == []


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
    sections = {
        "summary": "The customer reported a late order; a replacement ships today.",
        "topic": "Late order",
        "action_items": ["Agent ships a replacement today."],
        "resolved": "yes",
        "customer_sentiment": "neutral",
    }
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
