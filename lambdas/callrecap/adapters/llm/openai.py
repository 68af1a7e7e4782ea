"""Provider `openai`: any OpenAI-compatible chat-completions endpoint (vLLM, Ollama, LiteLLM, ...).

Plain `urllib` keeps the Lambda package free of an HTTP client dependency. The API key comes from
Secrets Manager (`Settings.openai_api_key_secret_arn`; the secret string is the key itself or a
JSON object with `apiKey`/`api_key`), fetched once per container, or from the environment
(`Settings.openai_api_key`); a self-hosted server may need none. 429, 5xx and connection errors
are retried with jittered backoff, then raised as a retryable `ProviderError`; a refusal of the
response format moves down the ladder instead (openai_formats), and a refusal for the context
window raises ContextExceeded for the engine to re-plan (openai_context). Neither is retried.
"""

from __future__ import annotations

import json
import urllib.error
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any
from urllib.parse import urlsplit

from callrecap.adapters.http_retry import RetryPolicy, call_with_retries
from callrecap.adapters.llm.openai_context import context_refusal, discover_context
from callrecap.adapters.llm.openai_formats import (
    CONSTRAINED_STEPS,
    LADDERS,
    NEGOTIATED,
    Negotiated,
    Step,
    next_step,
    rejects_format,
    response_format,
)
from callrecap.choices import OpenAiResponseFormat
from callrecap.contracts import FailureReason
from callrecap.domain.ports import ContextExceeded, LlmReply, ProviderError
from callrecap.domain.summaries import run_budget
from callrecap.settings.env_vars import EnvVar

KeySource = Callable[[], str]


class _HttpStatusError(Exception):
    def __init__(self, status: int, body: str) -> None:
        super().__init__(f"HTTP {status}: {body[:300]}")
        self.status = status
        self.body = body


DISCOVERY_TIMEOUT_SECONDS = 5.0
"""Asking a server for its context window must not eat a summary's time."""


def _reason(error: Exception) -> FailureReason:
    if isinstance(error, _HttpStatusError) and error.status == 429:
        return FailureReason.THROTTLED
    if isinstance(error, TimeoutError) or "timed out" in str(error).lower():
        return FailureReason.TIMEOUT
    return FailureReason.PROVIDER_ERROR


def _is_retryable(error: Exception) -> bool:
    if isinstance(error, _HttpStatusError):
        if context_refusal(error.status, error.body) or rejects_format(error.status, error.body):
            return False  # the same request would be refused again: answered by a re-plan or a step down
        return error.status == 429 or error.status >= 500
    return isinstance(error, urllib.error.URLError | TimeoutError | ConnectionError)


class OpenAiCompatibleProvider:
    """`LlmProvider` posting to `<base_url>/chat/completions`, the summary's shape asked for with
    the negotiated `response_format` (adapters/llm/openai_formats.py)."""

    name = "openai"

    def __init__(
        self,
        base_url: str,
        model: str,
        *,
        api_key: str | KeySource = "",
        timeout_seconds: float = 120.0,
        retry: RetryPolicy | None = None,
        temperature: float = 0.0,
        response_format: OpenAiResponseFormat = OpenAiResponseFormat.AUTO,
        context_tokens: int = 0,
        negotiated: Negotiated | None = None,
    ) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"openai base URL must be http(s)://host[:port][/path], got {base_url!r}")
        if not model:
            raise ValueError("openai needs a model name")
        self.model = model
        self.base_url = base_url.rstrip("/")
        self.url = self.base_url + "/chat/completions"
        self._api_key = api_key
        self._resolved_key: str | None = None
        self._timeout = timeout_seconds
        self._retry = retry or RetryPolicy()
        self._temperature = temperature
        self._ladder = LADDERS[response_format]
        self._negotiated = negotiated or NEGOTIATED
        self._context_tokens = context_tokens
        self._context_known = context_tokens > 0

    def _key(self) -> str:
        if self._resolved_key is None:
            self._resolved_key = self._api_key() if callable(self._api_key) else self._api_key
        return self._resolved_key

    def _headers(self) -> dict[str, str]:
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        key = self._key()
        if key:
            headers["Authorization"] = f"Bearer {key}"
        return headers

    def context_window(self) -> int:
        """openaiContextTokens, else what the server reports (asked once per provider), else 0."""
        if not self._context_known:
            self._context_known = True
            self._context_tokens = discover_context(self.base_url, self.model, self._get_json)
        return self._context_tokens

    def complete(
        self,
        system: str,
        user: str,
        *,
        max_output_tokens: int = 1024,
        schema: Mapping[str, Any] | None = None,
    ) -> LlmReply:
        request: dict[str, Any] = {
            "model": self.model,
            "messages": [{"role": "system", "content": system}, {"role": "user", "content": user}],
            "max_tokens": max_output_tokens,
            "temperature": self._temperature,
        }
        if schema is None:
            return self._send(request, max_output_tokens, Step.NONE, plain=True)
        step: Step | None = self._negotiated.get(self.base_url, self.model)
        if step not in self._ladder:
            step = self._ladder[0]
        while True:
            shaped = dict(request)
            field_value = response_format(step, schema)
            if field_value is not None:
                shaped["response_format"] = field_value
            try:
                reply = self._send(shaped, max_output_tokens, step)
            except _FormatRejected as rejected:
                following = next_step(self._ladder, step, rejected.body)
                if following is None:
                    raise ProviderError(
                        f"{self.url} refused every response format allowed by "
                        f"{EnvVar.OPENAI_RESPONSE_FORMAT.value} ({', '.join(self._ladder)}): {rejected}",
                        reason=FailureReason.PROVIDER_ERROR,
                    ) from rejected
                step = following
                continue
            self._negotiated.remember(self.base_url, self.model, step)
            return reply

    def _send(
        self, request: dict[str, Any], max_output_tokens: int, step: Step, *, plain: bool = False
    ) -> LlmReply:
        body = json.dumps(request).encode("utf-8")
        try:
            headers = self._headers()
            response = call_with_retries(lambda: self._post(body, headers), _is_retryable, self._retry)
        except (ProviderError, ContextExceeded):
            raise
        except _HttpStatusError as error:
            refusal = context_refusal(error.status, error.body)
            if refusal is not None:
                raise refusal from error
            if not plain and "response_format" in request and rejects_format(error.status, error.body):
                raise _FormatRejected(str(error), error.body) from error
            raise ProviderError(
                f"{self.url}: {error}", retryable=_is_retryable(error), reason=_reason(error)
            ) from error
        except Exception as error:
            raise ProviderError(
                f"{self.url}: {error}", retryable=_is_retryable(error), reason=_reason(error)
            ) from error
        reply = parse_chat_completion(response, self.model, max_output_tokens=max_output_tokens)
        if plain:
            return reply
        return replace(reply, constrained=step in CONSTRAINED_STEPS, output_format=str(step))

    def _post(self, body: bytes, headers: dict[str, str]) -> dict[str, Any]:
        import urllib.request  # ~25 ms: only for the containers that use this provider

        request = urllib.request.Request(self.url, data=body, headers=headers, method="POST")  # noqa: S310 (scheme checked in __init__)
        return self._open(request, self._timeout)

    def _get_json(self, url: str) -> Any:
        import urllib.request

        request = urllib.request.Request(url, headers=self._headers(), method="GET")  # noqa: S310 (scheme checked in __init__)
        return self._open(request, DISCOVERY_TIMEOUT_SECONDS)

    def _open(self, request: Any, wanted_timeout: float) -> dict[str, Any]:
        import urllib.request

        timeout = run_budget.capped(wanted_timeout)  # never past the run's time left
        if timeout < run_budget.MIN_ATTEMPT_SECONDS:
            raise TimeoutError(f"no time left in this run for a model call ({timeout:.1f} s)")
        try:
            with urllib.request.urlopen(request, timeout=timeout) as reply:  # noqa: S310 (scheme checked)
                text = reply.read().decode("utf-8", errors="replace")
        except urllib.error.HTTPError as error:
            raise _HttpStatusError(error.code, error.read().decode("utf-8", errors="replace")) from error
        try:
            parsed = json.loads(text)
        except json.JSONDecodeError as error:
            raise ProviderError(f"{request.full_url} returned invalid JSON: {text[:200]!r}") from error
        if not isinstance(parsed, dict):
            raise ProviderError(f"{request.full_url} returned a JSON {type(parsed).__name__}, not an object")
        return parsed


class _FormatRejected(Exception):
    def __init__(self, message: str, body: str) -> None:
        super().__init__(message)
        self.body = body


def parse_chat_completion(response: dict[str, Any], model: str, *, max_output_tokens: int = 0) -> LlmReply:
    """First choice's message content (string or list of text parts) and the reported usage; a
    reply stopped (`length`) before `max_output_tokens` was cut by the context window instead."""
    choices = response.get("choices") or []
    if not choices or not isinstance(choices[0], dict):
        raise ProviderError(f"chat completion has no choices: {json.dumps(response)[:200]}")
    content = (choices[0].get("message") or {}).get("content") or ""
    if isinstance(content, list):
        content = "".join(part.get("text", "") for part in content if isinstance(part, dict))
    usage = response.get("usage") or {}
    output_tokens = int(usage.get("completion_tokens", 0) or 0)
    truncated = choices[0].get("finish_reason") == "length"
    return LlmReply(
        text=str(content),
        input_tokens=int(usage.get("prompt_tokens", 0) or 0),
        output_tokens=output_tokens,
        model=str(response.get("model") or model),
        truncated=truncated,
        cut_at_context=truncated and 0 < output_tokens < max_output_tokens,
    )


def secret_api_key(secret_arn: str, client: Any = None) -> KeySource:
    """A key source reading the secret on first use (so a cold start without a call costs nothing):
    the secret string, or its `apiKey`/`api_key` field when it is JSON (adapters/secrets.py)."""
    from callrecap.adapters.secrets import secret_reader

    return secret_reader(secret_arn, fields=API_KEY_FIELDS, client=client)


API_KEY_FIELDS = ("apiKey", "api_key", "OPENAI_API_KEY", "key")
