"""The OpenAI-compatible provider's response-format ladder and context window, over real sockets.

Each stand-in answers the way a named server is documented (or was measured) to:
- llama-cpp-python 0.3.36's server: `json_schema` refused with HTTP 500 and its pydantic message,
  `{"type": "json_object", "schema": ...}` accepted (measured here: ../shared/DESIGN.md §6);
- OpenAI's API reference, "Error codes" / error object: a 400 `invalid_request_error` whose
  `param` is `response_format`, for a model without structured outputs; the context refusal
  `code: context_length_exceeded`, "This model's maximum context length is N tokens. However,
  you requested M tokens (P in the messages, C in the completion)";
- vLLM's OpenAI-compatible server: `GET /v1/models` lists `max_model_len` per model;
- llama.cpp's llama-server README: `GET /props` -> `default_generation_settings.n_ctx`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from callrecap.adapters.http_retry import RetryPolicy
from callrecap.adapters.llm.openai import OpenAiCompatibleProvider
from callrecap.adapters.llm.openai_formats import Negotiated, Step
from callrecap.adapters.prompt_files import load_prompt_set
from callrecap.choices import OpenAiResponseFormat
from callrecap.contracts import FailureReason
from callrecap.domain.models import Turn
from callrecap.domain.ports import ProviderError
from callrecap.domain.summaries.chunking import Budget
from callrecap.domain.summaries.engine import Strategy, summarize
from callrecap.domain.summaries.reply_schema import reply_schema
from tests.helpers.sections import complete
from tests.helpers.standin import Reply, Request, answering, chat_reply

GOOD = complete({"summary": "Refund given for a double charge.", "topic": "Double charge"})
TURNS = [Turn("AGENT", "How can I help?"), Turn("CUSTOMER", "I was charged twice for May.")]
LLAMA_CPP_PYTHON_500 = {
    "error": {
        "message": (
            "1 validation error:\n  {'type': 'literal_error', 'loc': ('body', 'response_format', 'type'), "
            "'msg': \"Input should be 'text' or 'json_object'\", 'input': 'json_schema'}"
        ),
        "type": "internal_server_error",
        "param": None,
        "code": None,
    }
}
OPENAI_NO_JSON_SCHEMA = {
    "error": {
        "message": (
            "Invalid parameter: 'response_format' of type 'json_schema' is not supported with this model."
        ),
        "type": "invalid_request_error",
        "param": "response_format",
        "code": None,
    }
}


@pytest.fixture
def negotiated() -> Iterator[Negotiated]:
    yield Negotiated()


def provider(url: str, negotiated: Negotiated, **options: Any) -> OpenAiCompatibleProvider:
    return OpenAiCompatibleProvider(
        url + "/v1",
        "m",
        retry=RetryPolicy(attempts=5, sleep=lambda _: None),
        timeout_seconds=10,
        negotiated=negotiated,
        **options,
    )


def format_of(request: Request) -> dict[str, Any] | None:
    value: dict[str, Any] | None = request.json().get("response_format")
    return value


def llama_cpp_python(request: Request) -> Reply:
    shape = format_of(request)
    if shape and shape["type"] not in ("text", "json_object"):
        return Reply(500, LLAMA_CPP_PYTHON_500)
    return chat_reply(json.dumps(GOOD))


def test_llama_cpp_python_refuses_json_schema_once_then_gets_json_object_with_the_schema(
    negotiated: Negotiated,
) -> None:
    prompts = load_prompt_set()
    with answering(llama_cpp_python) as server:
        result = summarize(TURNS, provider(server.url, negotiated), prompts)
        assert result.ok and result.sections == GOOD
        assert result.output_format == Step.JSON_OBJECT_SCHEMA and not result.repaired
        sent = [format_of(request) for request in server.seen if request.method == "POST"]
        assert [shape["type"] if shape else None for shape in sent] == ["json_schema", "json_object"]
        assert sent[1] == {"type": "json_object", "schema": reply_schema(prompts.sections)}
        # The 500 was a refusal of the format, not a server error: never retried (2 POSTs, not 6).
        assert len(server.requests) == 2

        # Remembered for the container: the next summary (a new provider too) asks it directly.
        again = summarize(TURNS, provider(server.url, negotiated), prompts)
        assert again.ok and len(server.requests) == 3
        assert format_of(server.seen[-1])["type"] == "json_object"  # type: ignore[index]


def test_openai_without_structured_outputs_falls_back_to_json_object_with_the_schema(
    negotiated: Negotiated,
) -> None:
    def openai(request: Request) -> Reply:
        shape = format_of(request)
        if shape and shape["type"] == "json_schema":
            return Reply(400, OPENAI_NO_JSON_SCHEMA)
        return chat_reply(json.dumps(GOOD))

    with answering(openai) as server:
        result = summarize(TURNS, provider(server.url, negotiated), load_prompt_set())
    assert result.ok and result.output_format == Step.JSON_OBJECT_SCHEMA


def test_a_refused_length_keyword_drops_the_bounds_but_keeps_the_schema(negotiated: Negotiated) -> None:
    """A server whose schema subset lacks a keyword names it in its 400 (any vendor's wording)."""

    def strict_subset(request: Request) -> Reply:
        if "maxLength" in request.body.decode():
            return Reply(400, {"error": {"message": "Invalid schema: 'maxLength' is not permitted."}})
        return chat_reply(json.dumps(GOOD))

    with answering(strict_subset) as server:
        result = summarize(TURNS, provider(server.url, negotiated), load_prompt_set())
        assert result.ok and result.output_format == Step.JSON_SCHEMA_UNBOUNDED
        last = format_of(server.seen[-1])
    assert last is not None and last["type"] == "json_schema" and last["json_schema"]["strict"] is True


def test_a_constrained_reply_that_is_still_invalid_is_not_repaired(negotiated: Negotiated) -> None:
    with answering(lambda request: chat_reply(json.dumps({"summary": "x"}))) as server:
        result = summarize(TURNS, provider(server.url, negotiated), load_prompt_set())
        assert len(server.requests) == 1
    assert not result.ok and result.failure is FailureReason.INVALID_OUTPUT
    assert "under the reply schema" in result.error and not result.repaired


def test_pinned_none_sends_no_response_format_and_repairs_as_before(negotiated: Negotiated) -> None:
    replies = iter([chat_reply("Sure! Here is the summary."), chat_reply(json.dumps(GOOD))])
    with answering(lambda request: next(replies)) as server:
        pinned = provider(server.url, negotiated, response_format=OpenAiResponseFormat.NONE)
        result = summarize(TURNS, pinned, load_prompt_set())
        assert all(format_of(request) is None for request in server.seen if request.method == "POST")
    assert result.ok and result.repaired and result.output_format == Step.NONE


def test_pinned_json_object_never_asks_json_schema(negotiated: Negotiated) -> None:
    with answering(llama_cpp_python) as server:
        pinned = provider(server.url, negotiated, response_format=OpenAiResponseFormat.JSON_OBJECT)
        assert summarize(TURNS, pinned, load_prompt_set()).ok
        assert len(server.requests) == 1 and format_of(server.seen[-1])["type"] == "json_object"  # type: ignore[index]


def test_a_server_refusing_every_format_the_pin_allows_fails_naming_the_setting(
    negotiated: Negotiated,
) -> None:
    with answering(lambda request: Reply(400, OPENAI_NO_JSON_SCHEMA)) as server:
        pinned = provider(server.url, negotiated, response_format=OpenAiResponseFormat.JSON_SCHEMA)
        with pytest.raises(ProviderError, match="CALLRECAP_OPENAI_RESPONSE_FORMAT") as caught:
            pinned.complete("s", "u", schema=reply_schema(load_prompt_set().sections))
        # The refusal names the type, not a keyword: the unbounded json_schema is not asked either.
        assert not caught.value.retryable and len(server.requests) == 1


def test_a_plain_call_carries_no_response_format(negotiated: Negotiated) -> None:
    with answering(lambda request: chat_reply("notes")) as server:
        assert provider(server.url, negotiated).complete("s", "u").text == "notes"
        assert format_of(server.seen[-1]) is None


# --------------------------------------------------------------------------- context window


def test_vllm_reports_max_model_len_in_its_model_list(negotiated: Negotiated) -> None:
    listing = {
        "object": "list",
        "data": [{"id": "other", "max_model_len": 1}, {"id": "m", "max_model_len": 8192}],
    }
    with answering(
        llama_cpp_python, lambda request: Reply(200, listing) if request.path == "/v1/models" else None
    ) as server:
        assert provider(server.url, negotiated).context_window() == 8192


def test_llama_server_reports_n_ctx_in_its_props(negotiated: Negotiated) -> None:
    props = {"default_generation_settings": {"n_ctx": 4096, "params": {}}, "total_slots": 1}

    def get(request: Request) -> Reply | None:
        if request.path == "/v1/models":
            return Reply(200, {"object": "list", "data": [{"id": "m", "object": "model"}]})
        return Reply(200, props) if request.path == "/props" else None

    with answering(llama_cpp_python, get) as server:
        chosen = provider(server.url, negotiated)
        assert chosen.context_window() == 4096
        assert chosen.context_window() == 4096
        assert len([request for request in server.seen if request.method == "GET"]) == 2  # asked once


def test_a_configured_window_is_not_asked_and_a_silent_server_gives_zero(negotiated: Negotiated) -> None:
    with answering(llama_cpp_python) as server:
        assert provider(server.url, negotiated, context_tokens=2048).context_window() == 2048
        assert not [request for request in server.seen if request.method == "GET"]
        assert provider(server.url, negotiated).context_window() == 0


def test_a_known_window_fits_the_budget() -> None:
    fitted = Budget.for_model("m").fitted(4096)
    assert fitted.max_output_tokens == 1024 and fitted.context_tokens == 4096
    assert fitted.max_input_tokens == int((4096 - 1024) * 0.8)
    pinned = Budget.for_model("m", 500).fitted(100_000)
    assert pinned.max_input_tokens == 500  # the operator's budget is never raised


def context_refusing(window: int) -> Any:
    """A server with a `window`-token context that counts 1 token per 3 characters (more than our
    chars/4 estimate) and refuses, in OpenAI's words, what does not fit."""

    def answer(request: Request) -> Reply:
        body = request.json()
        prompt = sum(len(message["content"]) for message in body["messages"]) // 3
        wanted = prompt + body["max_tokens"]
        if wanted > window:
            message = (
                f"This model's maximum context length is {window} tokens. However, you requested {wanted} "
                f"tokens ({prompt} in the messages, {body['max_tokens']} in the completion). "
                "Please reduce the length of the messages or completion."
            )
            error = {"message": message, "type": "invalid_request_error", "param": "messages"}
            return Reply(400, {"error": {**error, "code": "context_length_exceeded"}})
        if "Reply with plain-text notes" in body["messages"][1]["content"]:
            return chat_reply("The customer was charged twice; the agent refunded it.")
        return chat_reply(json.dumps(GOOD))

    return answer


def long_call(turns: int) -> list[Turn]:
    return [
        Turn("CUSTOMER" if index % 2 else "AGENT", f"Sentence number {index} about the double charge in May.")
        for index in range(turns)
    ]


def test_a_context_refusal_is_re_planned_once_as_map_reduce_within_the_reported_window(
    negotiated: Negotiated,
) -> None:
    with answering(context_refusing(4096)) as server:
        result = summarize(long_call(300), provider(server.url, negotiated), load_prompt_set())
        assert result.ok, result.error
        assert result.strategy is Strategy.MAP_REDUCE and result.chunks > 1
        posts = [request.json() for request in server.seen if request.method == "POST"]
        first, later = posts[0], posts[1:]
        assert first["max_tokens"] == 1024  # planned for an unknown window the first time
        assert all(
            sum(len(m["content"]) for m in body["messages"]) // 3 + body["max_tokens"] <= 4096
            for body in later
        )
        assert later[-1]["response_format"]["type"] == "json_schema"  # the combine call, constrained
        assert "response_format" not in later[0]  # chunk notes are plain text


def test_a_second_context_refusal_fails_the_summary_as_too_long(negotiated: Negotiated) -> None:
    with answering(context_refusing(300)) as server:
        result = summarize(long_call(400), provider(server.url, negotiated), load_prompt_set())
        assert server.requests
    assert not result.ok and result.failure is FailureReason.TOO_LONG


def test_a_reply_cut_at_the_context_edge_says_so(negotiated: Negotiated) -> None:
    def cut(request: Request) -> Reply:
        reply = chat_reply('{"summary": "The customer', completion_tokens=12)
        reply.body["choices"][0]["finish_reason"] = "length"
        return reply

    with answering(cut) as server:
        pinned = provider(server.url, negotiated, response_format=OpenAiResponseFormat.NONE)
        result = summarize(TURNS, pinned, load_prompt_set())
        assert len(server.requests) == 2
    assert "cut at the model's context limit" in result.error

    def capped(request: Request) -> Reply:
        max_tokens = request.json()["max_tokens"]
        reply = chat_reply('{"summary": "The customer', completion_tokens=max_tokens)
        reply.body["choices"][0]["finish_reason"] = "length"
        return reply

    with answering(capped) as server:
        pinned = provider(server.url, negotiated, response_format=OpenAiResponseFormat.NONE)
        result = summarize(TURNS, pinned, load_prompt_set())
    assert "cut at the output token limit" in result.error
