"""Custom summarizer Lambda provider against botocore's Stubber: payload and both reply formats."""

from __future__ import annotations

import io
import json
from typing import Any

import boto3
import pytest
from botocore.response import StreamingBody
from botocore.stub import ANY, Stubber

from callrecap.adapters.aws_clients import client_config
from callrecap.adapters.llm.lambda_provider import LambdaSummarizer
from callrecap.adapters.prompt_files import load_prompt_set
from callrecap.domain.models import Turn
from callrecap.domain.ports import DelegatedSummaryRequest, ProviderError
from callrecap.domain.summaries.engine import Strategy, summarize
from callrecap.domain.summaries.reply_schema import reply_schema
from tests.helpers.sections import complete
from tests.helpers.standin import Reply, error, no_backoff, scripted

ARN = "arn:aws:lambda:us-east-1:123456789012:function:my-summarizer"
TURNS = [Turn("AGENT", "How can I help?"), Turn("CUSTOMER", "My order is late."), Turn("customer", "Again.")]
SECTIONS = complete(
    {
        "summary": "Late order.",
        "topic": "Orders",
        "action_items": [],
        "resolved": "unclear",
        "customer_sentiment": "negative",
    }
)


def payload(body: Any) -> StreamingBody:
    raw = json.dumps(body).encode()
    return StreamingBody(io.BytesIO(raw), len(raw))


@pytest.fixture
def client() -> Any:
    return boto3.client("lambda", region_name="us-east-1")


def summarizer(client: Any) -> LambdaSummarizer:
    return LambdaSummarizer(ARN, client=client)


def test_payload_and_our_reply_format(client: Any) -> None:
    reply = {
        "sections": SECTIONS,
        "usage": {"llmCalls": 2, "inputTokens": 900, "outputTokens": 80},
        "model": "m1",
    }
    expected = {"FunctionName": ARN, "InvocationType": "RequestResponse", "Payload": ANY}
    with Stubber(client) as stub:
        stub.add_response("invoke", {"StatusCode": 200, "Payload": payload(reply)}, expected)
        captured: dict[str, Any] = {}
        original = client.invoke

        def spy(**kwargs: Any) -> Any:
            captured.update(json.loads(kwargs["Payload"]))
            return original(**kwargs)

        client.invoke = spy
        result = summarize(TURNS, summarizer(client), load_prompt_set(), call_id="call-7")
    assert result.ok and result.sections == SECTIONS and result.strategy is Strategy.DELEGATED
    assert (result.usage.llm_calls, result.usage.input_tokens, result.usage.output_tokens) == (2, 900, 80)
    assert (result.provider, result.model) == ("lambda", "m1")
    assert captured["callId"] == "call-7" and captured["schemaVersion"] == "1"
    assert captured["transcript"] == "AGENT: How can I help?\nCUSTOMER: My order is late. Again."
    assert set(captured["prompt"]) == {"system", "user"} and "<transcript>" in captured["prompt"]["user"]
    assert [s["name"] for s in captured["sections"]][:2] == ["summary", "topic"]
    assert captured["sections"][3] == {
        "name": "resolved",
        "type": "enum",
        "instruction": "Whether the customer's issue was resolved by the end of the call.",
        "allowed": ["yes", "no", "unclear"],
        "required": True,
        "maxChars": 0,
        "maxItems": 0,
    }
    assert captured["sections"][2]["maxItems"] == 8 and captured["sections"][0]["maxChars"] == 900
    assert captured["schema"] == reply_schema(load_prompt_set().sections)


def test_lca_summary_reply(client: Any) -> None:
    with Stubber(client) as stub:
        stub.add_response(
            "invoke", {"StatusCode": 200, "Payload": payload({"summary": "The order was late."})}
        )
        result = summarize(TURNS, summarizer(client), load_prompt_set())
    assert result.ok and result.sections == {"summary": "The order was late."}
    assert result.model == "my-summarizer"


def test_function_error_fails_with_its_message(client: Any) -> None:
    error = {"errorMessage": "boom", "errorType": "RuntimeError"}
    with Stubber(client) as stub:
        stub.add_response(
            "invoke", {"StatusCode": 200, "FunctionError": "Unhandled", "Payload": payload(error)}
        )
        result = summarize(TURNS, summarizer(client), load_prompt_set())
    assert not result.ok and "Unhandled" in result.error and "boom" in result.error


def test_throttled_invoke_is_retried(monkeypatch: Any) -> None:
    """By botocore, over a real socket to a scripted stand-in (the Stubber would skip the retry)."""
    backoffs = no_backoff(monkeypatch)
    with scripted(
        error("TooManyRequestsException", 429, "rate"), Reply(body={"sections": SECTIONS})
    ) as server:
        client = boto3.client(
            "lambda", region_name="us-east-1", endpoint_url=server.url, config=client_config("lambda")
        )
        result = summarize(TURNS, summarizer(client), load_prompt_set())
    assert result.ok and len(server.requests) == 2 and backoffs == [1]
    assert server.requests[0][0].startswith("/2015-03-31/functions/")


@pytest.mark.parametrize("body", [["a list"], {"other": 1}, {"summary": ""}])
def test_unrecognized_reply_is_an_error(client: Any, body: Any) -> None:
    with Stubber(client) as stub:
        stub.add_response("invoke", {"StatusCode": 200, "Payload": payload(body)})
        with pytest.raises(ProviderError):
            summarizer(client).summarize_call(DelegatedSummaryRequest("c", "t", "s", "u", ()))
