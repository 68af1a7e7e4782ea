"""The response-format ladder and the context refusals, as pure functions (the HTTP side is in
tests/integration/test_llm_openai_formats.py)."""

from __future__ import annotations

import json

import pytest

from callrecap.adapters.llm.openai_context import context_refusal
from callrecap.adapters.llm.openai_formats import LADDERS, Step, next_step, rejects_format
from callrecap.choices import OpenAiResponseFormat

AUTO = LADDERS[OpenAiResponseFormat.AUTO]


@pytest.mark.parametrize(
    ("rejected", "body", "following"),
    [
        (Step.JSON_SCHEMA, "Input should be 'text' or 'json_object'", Step.JSON_OBJECT_SCHEMA),
        (Step.JSON_SCHEMA, "Invalid schema: 'maxLength' is not permitted", Step.JSON_SCHEMA_UNBOUNDED),
        (Step.JSON_SCHEMA_UNBOUNDED, "response_format json_schema unsupported", Step.JSON_OBJECT_SCHEMA),
        (Step.JSON_OBJECT_SCHEMA, "unknown field response_format.schema", Step.JSON_OBJECT),
        (Step.JSON_OBJECT, "response_format is not supported", Step.NONE),
    ],
)
def test_each_refusal_moves_to_the_right_step(rejected: Step, body: str, following: Step) -> None:
    assert next_step(AUTO, rejected, body) is following


def test_a_pinned_ladder_ends_instead_of_leaving_its_family() -> None:
    ladder = LADDERS[OpenAiResponseFormat.JSON_OBJECT]
    assert next_step(ladder, Step.JSON_OBJECT_SCHEMA, "schema not supported") is Step.JSON_OBJECT
    assert next_step(ladder, Step.JSON_OBJECT, "response_format not supported") is None
    assert LADDERS[OpenAiResponseFormat.NONE] == (Step.NONE,)


@pytest.mark.parametrize(
    ("status", "body", "refused"),
    [
        (500, "Input should be 'text' or 'json_object' at response_format.type", True),
        (400, '{"error": {"param": "response_format"}}', True),
        (422, "json_schema is not supported", True),
        (429, "response_format rate limit", False),  # a throttle is a throttle
        (401, "invalid key for response_format", False),
        (500, "CUDA out of memory", False),
        (200, "response_format", False),
    ],
)
def test_what_counts_as_a_refusal_of_the_format(status: int, body: str, refused: bool) -> None:
    assert rejects_format(status, body) is refused


def test_openai_shaped_context_refusal_gives_the_window_and_the_prompt_size() -> None:
    body = json.dumps(
        {
            "error": {
                "message": "This model's maximum context length is 4096 tokens. However, you requested 6395 "
                "tokens (5371 in the messages, 1024 in the completion).",
                "type": "invalid_request_error",
                "code": "context_length_exceeded",
            }
        }
    )
    refusal = context_refusal(400, body)
    assert refusal is not None and (refusal.limit, refusal.prompt_tokens) == (4096, 5371)


def test_llama_server_context_refusal_gives_n_ctx() -> None:
    body = json.dumps(
        {
            "error": {
                "code": 400,
                "message": "the request exceeds the available context size, try increasing it",
                "type": "exceed_context_size_error",
                "n_prompt_tokens": 5000,
                "n_ctx": 4096,
            }
        }
    )
    refusal = context_refusal(400, body)
    assert refusal is not None and (refusal.limit, refusal.prompt_tokens) == (4096, 5000)


def test_other_errors_are_not_context_refusals() -> None:
    assert context_refusal(400, '{"error": {"message": "invalid model"}}') is None
    assert context_refusal(429, "maximum context length is 4096 tokens") is None
