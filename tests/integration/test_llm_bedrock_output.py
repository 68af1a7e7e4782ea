"""Bedrock's structured-output mechanisms, each request checked by botocore's Stubber against the
service model of the boto3 installed here (a field Converse does not have fails the stub).

Shapes from the Bedrock user guide, "Get validated JSON results from models", and the Converse
API reference (OutputConfig / OutputFormat / JsonSchemaDefinition; ToolConfiguration, ToolChoice,
ToolSpecification.strict; a tool call answered as a `toolUse` content block, stopReason tool_use).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.stub import ANY, Stubber

from callrecap.adapters.aws_clients import client_config
from callrecap.adapters.llm.bedrock import BedrockProvider
from callrecap.adapters.llm.bedrock_output import ChosenModes, modes_for
from callrecap.adapters.prompt_files import load_prompt_set
from callrecap.choices import BedrockOutputMode
from callrecap.domain.models import Turn
from callrecap.domain.summaries.engine import summarize
from callrecap.domain.summaries.reply_schema import SCHEMA_NAME, reply_schema, without_length_bounds
from tests.helpers.sections import complete

GOOD = complete({"summary": "A double charge was refunded.", "topic": "Double charge"})
TURNS = [Turn("AGENT", "How can I help?"), Turn("CUSTOMER", "I was charged twice.")]
USAGE = {"inputTokens": 700, "outputTokens": 90, "totalTokens": 790}


@pytest.fixture
def client() -> Any:
    return boto3.client("bedrock-runtime", region_name="us-east-1", config=client_config("bedrock-runtime"))


@pytest.fixture
def chosen() -> Iterator[ChosenModes]:
    yield ChosenModes()


def text_response(text: str) -> dict[str, Any]:
    return {
        "output": {"message": {"role": "assistant", "content": [{"text": text}]}},
        "stopReason": "end_turn",
        "usage": USAGE,
        "metrics": {"latencyMs": 900},
    }


def tool_response(arguments: dict[str, Any]) -> dict[str, Any]:
    call = {"toolUse": {"toolUseId": "tooluse_1", "name": SCHEMA_NAME, "input": arguments}}
    return {
        "output": {"message": {"role": "assistant", "content": [call]}},
        "stopReason": "tool_use",
        "usage": USAGE,
        "metrics": {"latencyMs": 900},
    }


def portable_schema() -> dict[str, Any]:
    return without_length_bounds(reply_schema(load_prompt_set().sections))


def forced_tool_request(model: str, tool: dict[str, Any]) -> dict[str, Any]:
    """The Converse request of a forced tool (`toolChoice.tool`) whose tool is `tool`."""
    return {
        "modelId": model,
        "system": ANY,
        "messages": ANY,
        "inferenceConfig": ANY,
        "toolConfig": {"tools": [tool], "toolChoice": {"tool": {"name": SCHEMA_NAME}}},
    }


def test_models_with_structured_outputs_get_output_config(client: Any, chosen: ChosenModes) -> None:
    model = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
    expected = {
        "modelId": model,
        "system": ANY,
        "messages": ANY,
        "inferenceConfig": ANY,
        "outputConfig": {
            "textFormat": {
                "type": "json_schema",
                "structure": {
                    "jsonSchema": {
                        "schema": json.dumps(portable_schema()),
                        "name": SCHEMA_NAME,
                        "description": ANY,
                    }
                },
            }
        },
    }
    with Stubber(client) as stub:
        stub.add_response("converse", text_response(json.dumps(GOOD)), expected)
        result = summarize(TURNS, BedrockProvider(model, client=client, chosen=chosen), load_prompt_set())
        stub.assert_no_pending_responses()
    assert result.ok and result.sections == GOOD and result.output_format == "output-config"
    assert "maxLength" not in json.dumps(portable_schema())  # Anthropic's subset takes no length keywords


def test_claude_3_is_forced_to_call_the_summary_tool(client: Any, chosen: ChosenModes) -> None:
    model = "anthropic.claude-3-haiku-20240307-v1:0"
    tool = {"toolSpec": {"name": SCHEMA_NAME, "description": ANY, "inputSchema": {"json": portable_schema()}}}
    with Stubber(client) as stub:
        stub.add_response("converse", tool_response(GOOD), forced_tool_request(model, tool))
        result = summarize(TURNS, BedrockProvider(model, client=client, chosen=chosen), load_prompt_set())
        stub.assert_no_pending_responses()
    assert result.ok and result.sections == GOOD and result.output_format == "tool"
    assert json.loads(result.raw_reply) == GOOD


def test_a_pinned_tool_on_a_structured_output_model_is_strict(client: Any, chosen: ChosenModes) -> None:
    model = "anthropic.claude-haiku-4-5-20251001-v1:0"
    pinned = BedrockProvider(model, client=client, chosen=chosen, output_mode=BedrockOutputMode.TOOL)
    tool = {"toolSpec": {"name": SCHEMA_NAME, "description": ANY, "inputSchema": ANY, "strict": True}}
    with Stubber(client) as stub:
        stub.add_response("converse", tool_response(GOOD), forced_tool_request(model, tool))
        assert summarize(TURNS, pinned, load_prompt_set()).ok
        stub.assert_no_pending_responses()


def test_other_models_get_the_prompt_alone_and_the_repair(client: Any, chosen: ChosenModes) -> None:
    model = "amazon.titan-text-premier-v1:0"
    plain = {"modelId": model, "system": ANY, "messages": ANY, "inferenceConfig": ANY}
    with Stubber(client) as stub:
        stub.add_response("converse", text_response("Here is a summary of the call."), plain)
        stub.add_response("converse", text_response(json.dumps(GOOD)), plain)
        result = summarize(TURNS, BedrockProvider(model, client=client, chosen=chosen), load_prompt_set())
        stub.assert_no_pending_responses()
    assert result.ok and result.repaired and result.output_format == "prompt"


def test_a_refused_mode_moves_down_once_and_is_remembered(client: Any, chosen: ChosenModes) -> None:
    model = "qwen.qwen3-32b-v1:0"
    message = "The model does not support outputConfig.textFormat."
    with Stubber(client) as stub:
        stub.add_client_error("converse", "ValidationException", message, 400)
        stub.add_response("converse", tool_response(GOOD))
        stub.add_response("converse", tool_response(GOOD))
        first = summarize(TURNS, BedrockProvider(model, client=client, chosen=chosen), load_prompt_set())
        second = summarize(TURNS, BedrockProvider(model, client=client, chosen=chosen), load_prompt_set())
        stub.assert_no_pending_responses()
    assert first.ok and second.ok and second.output_format == "tool"
    assert chosen.get(model) is BedrockOutputMode.TOOL


def test_a_model_answering_text_to_a_forced_tool_still_gets_the_repair(
    client: Any, chosen: ChosenModes
) -> None:
    model = "amazon.nova-lite-v1:0"
    with Stubber(client) as stub:
        stub.add_response("converse", text_response("I cannot call tools."))
        stub.add_response("converse", tool_response(GOOD))
        result = summarize(TURNS, BedrockProvider(model, client=client, chosen=chosen), load_prompt_set())
        stub.assert_no_pending_responses()
    assert result.ok and result.repaired


def test_a_boto3_without_output_config_skips_it(client: Any, chosen: ChosenModes) -> None:
    """The Lambda runtime's boto3 may predate outputConfig: botocore would refuse the parameter."""
    members = client.meta.service_model.operation_model("Converse").input_shape.members
    members.pop("outputConfig")
    model = "anthropic.claude-opus-4-5-20251101-v1:0"
    with Stubber(client) as stub:
        stub.add_response("converse", tool_response(GOOD))
        result = summarize(TURNS, BedrockProvider(model, client=client, chosen=chosen), load_prompt_set())
        stub.assert_no_pending_responses()
    assert result.ok and result.output_format == "tool"


@pytest.mark.parametrize(
    ("model", "pinned", "modes"),
    [
        (
            "anthropic.claude-sonnet-4-5-20250929-v1:0",
            BedrockOutputMode.AUTO,
            ("output-config", "tool", "none"),
        ),
        ("eu.anthropic.claude-3-5-sonnet-20240620-v1:0", BedrockOutputMode.AUTO, ("tool", "none")),
        ("amazon.nova-pro-v1:0", BedrockOutputMode.AUTO, ("tool", "none")),
        ("meta.llama3-1-70b-instruct-v1:0", BedrockOutputMode.AUTO, ("none",)),
        ("meta.llama3-1-70b-instruct-v1:0", BedrockOutputMode.TOOL, ("tool", "none")),
        ("anthropic.claude-sonnet-4-5-20250929-v1:0", BedrockOutputMode.NONE, ("none",)),
    ],
)
def test_the_mode_is_chosen_by_model_id_or_pinned(
    model: str, pinned: BedrockOutputMode, modes: tuple[str, ...]
) -> None:
    assert tuple(str(mode) for mode in modes_for(model, pinned)) == modes
