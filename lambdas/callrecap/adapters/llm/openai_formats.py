"""How an OpenAI-compatible server is asked for the summary's shape, negotiated once per endpoint.

Servers that speak the chat-completions API differ in what `response_format` they take (the
table in docs/summarization.md, "Structured output"). The steps, best first:

1. `json_schema`: `{"type": "json_schema", "json_schema": {"name", "schema", "strict": true}}`
   (OpenAI, vLLM, Ollama, LM Studio, llama.cpp's own server);
2. the same schema without length keywords, for a server whose strict subset refuses them;
3. `json_object` with the schema beside it: `{"type": "json_object", "schema": {...}}`
   (llama-cpp-python's server, which answers `json_schema` with an HTTP 500);
4. `json_object`: JSON guaranteed, the schema not;
5. none: the prompt alone, as before; the engine's repair step applies.

A server that rejects a step (whatever the status code: llama-cpp-python's pydantic error is a
500) is asked the next one at once, never retried as a server error, and the step it accepted is
remembered for the container's life. `openaiResponseFormat` pins a family of steps.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from callrecap.choices import OpenAiResponseFormat
from callrecap.domain.summaries.reply_schema import SCHEMA_NAME, without_length_bounds


class Step(StrEnum):
    JSON_SCHEMA = "json_schema"
    JSON_SCHEMA_UNBOUNDED = "json_schema (no length bounds)"
    JSON_OBJECT_SCHEMA = "json_object+schema"
    JSON_OBJECT = "json_object"
    NONE = "none"


LADDERS: dict[OpenAiResponseFormat, tuple[Step, ...]] = {
    OpenAiResponseFormat.AUTO: tuple(Step),
    OpenAiResponseFormat.JSON_SCHEMA: (Step.JSON_SCHEMA, Step.JSON_SCHEMA_UNBOUNDED),
    OpenAiResponseFormat.JSON_OBJECT: (Step.JSON_OBJECT_SCHEMA, Step.JSON_OBJECT),
    OpenAiResponseFormat.NONE: (Step.NONE,),
}

CONSTRAINED_STEPS = frozenset({Step.JSON_SCHEMA, Step.JSON_SCHEMA_UNBOUNDED, Step.JSON_OBJECT_SCHEMA})
"""Steps whose reply the server decoded under the schema."""

_FAMILY = {
    Step.JSON_SCHEMA: "json_schema",
    Step.JSON_SCHEMA_UNBOUNDED: "json_schema",
    Step.JSON_OBJECT_SCHEMA: "json_object+schema",
    Step.JSON_OBJECT: "json_object",
    Step.NONE: "none",
}
_LENGTH_WORDS = ("maxlength", "maxitems", "max_length", "max_items")
_FORMAT_WORDS = ("response_format", "json_schema", "json_object", "schema", "structured output", "grammar")


def response_format(step: Step, schema: Mapping[str, Any]) -> dict[str, Any] | None:
    """The request's `response_format` for `step` (None: the field is left out)."""
    if step in (Step.JSON_SCHEMA, Step.JSON_SCHEMA_UNBOUNDED):
        sent = dict(schema) if step is Step.JSON_SCHEMA else without_length_bounds(dict(schema))
        return {"type": "json_schema", "json_schema": {"name": SCHEMA_NAME, "schema": sent, "strict": True}}
    if step is Step.JSON_OBJECT_SCHEMA:
        return {"type": "json_object", "schema": dict(schema)}
    if step is Step.JSON_OBJECT:
        return {"type": "json_object"}
    return None


def rejects_format(status: int, body: str) -> bool:
    """An answer that refuses the request's response_format rather than failing it: a 4xx or 5xx
    (not 401/403/404/408/429) whose message is about the response format or the schema."""
    if status in (401, 403, 404, 408, 429) or status < 400:
        return False
    text = body.lower()
    return any(word in text for word in _FORMAT_WORDS)


def next_step(ladder: tuple[Step, ...], rejected: Step, body: str) -> Step | None:
    """The step to ask after `rejected`: the unbounded json_schema when only the length keywords
    were refused, else the next step outside json_schema (a refused type refuses both variants)."""
    position = ladder.index(rejected)
    rest = ladder[position + 1 :]
    length_refused = any(word in body.lower() for word in _LENGTH_WORDS)
    if rejected is Step.JSON_SCHEMA and Step.JSON_SCHEMA_UNBOUNDED in rest and length_refused:
        return Step.JSON_SCHEMA_UNBOUNDED
    family = _FAMILY[rejected]
    return next((step for step in rest if _FAMILY[step] != family), None)


class Negotiated:
    """The step each (endpoint, model) accepted, for this container's life (thread-safe: the
    summarizer's time box runs providers on a worker thread)."""

    def __init__(self) -> None:
        self._steps: dict[tuple[str, str], Step] = {}
        self._lock = threading.Lock()

    def get(self, url: str, model: str) -> Step | None:
        with self._lock:
            return self._steps.get((url, model))

    def remember(self, url: str, model: str, step: Step) -> None:
        with self._lock:
            self._steps[(url, model)] = step

    def forget(self) -> None:
        with self._lock:
            self._steps.clear()


NEGOTIATED = Negotiated()
"""Process-wide: a warm container asks a server that refused json_schema only once."""
