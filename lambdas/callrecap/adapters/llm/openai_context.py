"""An OpenAI-compatible server's context window: where it says, and what its refusals say.

The chat-completions API has no field for it, so each server says it its own way (or not):
- vLLM: `GET /v1/models`, each model's `max_model_len`;
- llama.cpp's own server (llama-server): `GET /props`, `default_generation_settings.n_ctx`;
- OpenRouter-style listings: `GET /v1/models`, `context_length`;
- llama-cpp-python's server, Ollama's OpenAI endpoint, OpenAI itself: nothing, so set
  `openaiContextTokens`, or let the first refusal tell (below).

A request over the window is refused in OpenAI's error shape, `code: context_length_exceeded`,
"This model's maximum context length is 4096 tokens. However, you requested 6395 tokens (5371 in
the messages, 1024 in the completion)" (OpenAI, vLLM, llama-cpp-python), or by llama-server as
`type: exceed_context_size_error` with `n_ctx` and `n_prompt_tokens`. `context_refusal` reads
both into a ContextExceeded the engine re-plans within.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from callrecap.domain.ports import ContextExceeded

_MAXIMUM = re.compile(r"maximum context length is (\d+)", re.IGNORECASE)
_IN_MESSAGES = re.compile(r"\((\d+) in the messages", re.IGNORECASE)
_CONTEXT_WORDS = (
    "context_length_exceeded",
    "exceed_context_size",
    "maximum context length",
    "context window",
)
_MODEL_FIELDS = ("max_model_len", "context_length", "context_window", "max_context_length")

GetJson = Callable[[str], Any]
"""GET a URL and return its parsed JSON body (raising on any failure)."""


def context_refusal(status: int, body: str) -> ContextExceeded | None:
    """The refusal of a request over the window, with the limit and prompt size it reported."""
    if status not in (400, 413, 422, 500) or not any(word in body.lower() for word in _CONTEXT_WORDS):
        return None
    error = _error_object(body)
    limit = _first_int(error, ("n_ctx",)) or _match(_MAXIMUM, body)
    prompt = _first_int(error, ("n_prompt_tokens",)) or _match(_IN_MESSAGES, body)
    message = str(error.get("message") or body)[:300]
    return ContextExceeded(message, limit=limit, prompt_tokens=prompt)


def discover_context(base_url: str, model: str, get_json: GetJson) -> int:
    """The window the server reports for `model` (0 when it reports none or cannot be asked)."""
    return _asked(lambda: _from_listing(get_json(base_url.rstrip("/") + "/models"), model)) or _asked(
        lambda: _from_props(get_json(_server_root(base_url) + "/props"))
    )


def _asked(question: Callable[[], int]) -> int:
    try:
        return question()
    except Exception:  # noqa: BLE001 (discovery is best effort: a server without the route is normal)
        return 0


def _from_props(props: Any) -> int:
    settings = props.get("default_generation_settings", {}) if isinstance(props, dict) else {}
    return _first_int(settings, ("n_ctx",)) if isinstance(settings, dict) else 0


def _from_listing(listing: Any, model: str) -> int:
    entries = listing.get("data", []) if isinstance(listing, dict) else []
    models = [entry for entry in entries if isinstance(entry, dict)]
    chosen = [entry for entry in models if entry.get("id") == model] or (models if len(models) == 1 else [])
    for entry in chosen:
        found = _first_int(entry, _MODEL_FIELDS)
        if found:
            return found
    return 0


def _server_root(base_url: str) -> str:
    """`http://host:8080/v1` -> `http://host:8080` (llama-server's /props is beside /v1)."""
    parts = urlsplit(base_url.rstrip("/"))
    path = parts.path[: -len("/v1")] if parts.path.endswith("/v1") else parts.path
    return urlunsplit((parts.scheme, parts.netloc, path, "", "")).rstrip("/")


def _error_object(body: str) -> Mapping[str, Any]:
    try:
        document = json.loads(body)
    except json.JSONDecodeError:
        return {}
    if isinstance(document, dict) and isinstance(document.get("error"), dict):
        return dict(document["error"])
    return document if isinstance(document, dict) else {}


def _first_int(document: Mapping[str, Any], fields: tuple[str, ...]) -> int:
    for name in fields:
        value = document.get(name)
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            return value
    return 0


def _match(pattern: re.Pattern[str], text: str) -> int:
    found = pattern.search(text)
    return int(found.group(1)) if found else 0
