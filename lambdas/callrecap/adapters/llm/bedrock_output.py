"""How Bedrock's Converse is asked for the summary's shape: the model's own mechanism, by model id.

Bedrock user guide, "Get validated JSON results from models", and the Converse API reference:
- `output-config`: `outputConfig.textFormat = {"type": "json_schema", "structure": {"jsonSchema":
  {"schema": "<JSON text>", "name": ...}}}`, for the models with structured outputs (Claude
  Haiku/Sonnet/Opus 4.5 and Opus 4.6; open-weight Qwen, DeepSeek, Gemma, Nemotron, MiniMax, Kimi);
- `tool`: one tool whose input schema is the reply schema, forced with `toolChoice.tool` (the
  API reference: "Only supported by Anthropic Claude 3 and Amazon Nova models"), `strict: true`
  on the models with structured outputs; the reply is the tool call's `input`;
- `none`: the prompt alone (Titan, Llama, Mistral, Cohere...), with the engine's repair step.

Anthropic's schema subset takes no length keywords, so the schema goes without them (the prompt
states the bounds). `bedrockOutputMode` pins a mode. A model that refuses a mode with a
ValidationException about it gets the next one, remembered for the container's life; a boto3
too old to know `outputConfig` (the Lambda runtime's is older than the one here) skips it.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from typing import Any

from callrecap.choices import BedrockOutputMode
from callrecap.domain.summaries.reply_schema import SCHEMA_DESCRIPTION, SCHEMA_NAME, without_length_bounds

STRUCTURED_OUTPUT_MODELS = (
    "anthropic.claude-haiku-4-5",
    "anthropic.claude-sonnet-4-5",
    "anthropic.claude-opus-4-5",
    "anthropic.claude-opus-4-6",
    "qwen.",
    "deepseek.",
    "google.gemma",
    "nvidia.nemotron",
    "minimax.",
    "moonshot",
)
"""Model id substrings with Bedrock structured outputs (outputConfig and strict tools)."""

FORCED_TOOL_MODELS = ("anthropic.claude", "amazon.nova")
"""Model id substrings that take a forced `toolChoice.tool`."""

LADDER = (BedrockOutputMode.OUTPUT_CONFIG, BedrockOutputMode.TOOL, BedrockOutputMode.NONE)

_REFUSAL_WORDS = ("outputconfig", "textformat", "structured output", "json_schema", "toolchoice", "tool")


def modes_for(model_id: str, pinned: BedrockOutputMode) -> tuple[BedrockOutputMode, ...]:
    """The modes to try for `model_id`, best first (a pinned mode alone, then the prompt)."""
    if pinned is not BedrockOutputMode.AUTO:
        return (pinned,) if pinned is BedrockOutputMode.NONE else (pinned, BedrockOutputMode.NONE)
    model = model_id.lower()
    if any(key in model for key in STRUCTURED_OUTPUT_MODELS):
        return LADDER
    if any(key in model for key in FORCED_TOOL_MODELS):
        return (BedrockOutputMode.TOOL, BedrockOutputMode.NONE)
    return (BedrockOutputMode.NONE,)


def has_structured_outputs(model_id: str) -> bool:
    return any(key in model_id.lower() for key in STRUCTURED_OUTPUT_MODELS)


def client_knows(client: Any, member: str) -> bool:
    """Whether this boto3's Converse request shape has `member` (an older botocore drops nothing
    silently: it refuses an unknown parameter before sending)."""
    try:
        shape = client.meta.service_model.operation_model("Converse").input_shape
        return member in shape.members
    except Exception:  # noqa: BLE001 (a stub without a service model: assume it does)
        return True


def shape_request(
    request: dict[str, Any], mode: BedrockOutputMode, schema: Mapping[str, Any], model_id: str
) -> dict[str, Any]:
    """`request` with the fields of `mode` added (a copy)."""
    shaped = dict(request)
    portable = without_length_bounds(dict(schema))
    if mode is BedrockOutputMode.OUTPUT_CONFIG:
        shaped["outputConfig"] = {
            "textFormat": {
                "type": "json_schema",
                "structure": {
                    "jsonSchema": {
                        "schema": json.dumps(portable),
                        "name": SCHEMA_NAME,
                        "description": SCHEMA_DESCRIPTION,
                    }
                },
            }
        }
    elif mode is BedrockOutputMode.TOOL:
        spec: dict[str, Any] = {
            "name": SCHEMA_NAME,
            "description": SCHEMA_DESCRIPTION,
            "inputSchema": {"json": portable},
        }
        if has_structured_outputs(model_id):
            spec["strict"] = True
        shaped["toolConfig"] = {"tools": [{"toolSpec": spec}], "toolChoice": {"tool": {"name": SCHEMA_NAME}}}
    return shaped


def tool_input_text(response: Mapping[str, Any]) -> str | None:
    """The forced tool call's input as JSON text (None when the reply has no such call)."""
    content = response.get("output", {}).get("message", {}).get("content", [])
    for block in content:
        if isinstance(block, dict) and isinstance(block.get("toolUse"), dict):
            tool_use = block["toolUse"]
            if tool_use.get("name") == SCHEMA_NAME:
                return json.dumps(tool_use.get("input", {}))
    return None


def refuses_mode(code: str, message: str, mode: BedrockOutputMode) -> bool:
    """A ValidationException about the structured-output fields (not about the prompt)."""
    if mode is BedrockOutputMode.NONE or code != "ValidationException":
        return False
    text = message.lower()
    return any(word in text for word in _REFUSAL_WORDS)


class ChosenModes:
    """The mode each model accepted, for this container's life."""

    def __init__(self) -> None:
        self._modes: dict[str, BedrockOutputMode] = {}
        self._lock = threading.Lock()

    def get(self, model_id: str) -> BedrockOutputMode | None:
        with self._lock:
            return self._modes.get(model_id)

    def remember(self, model_id: str, mode: BedrockOutputMode) -> None:
        with self._lock:
            self._modes[model_id] = mode

    def forget(self) -> None:
        with self._lock:
            self._modes.clear()


CHOSEN = ChosenModes()
