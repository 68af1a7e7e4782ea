"""Provider `openai`: any OpenAI-compatible chat-completions endpoint (vLLM, Ollama, LiteLLM, ...).

Plain `urllib` keeps the Lambda package free of an HTTP client dependency. The API key comes from
Secrets Manager (`Settings.openai_api_key_secret_arn`; the secret string is the key itself or a
JSON object with `apiKey`/`api_key`), fetched once per container, or from the environment
(`Settings.openai_api_key`); a self-hosted server may need none. 429, 5xx and connection errors
are retried with jittered backoff, then raised as a retryable `ProviderError`.
"""

from __future__ import annotations

import json
import urllib.error
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from callrecap.adapters.llm.retry import RetryPolicy, call_with_retries
from callrecap.contracts import FailureReason
from callrecap.domain.ports import LlmReply, ProviderError
from callrecap.domain.summaries import run_budget

KeySource = Callable[[], str]


class _HttpStatusError(Exception):
    def __init__(self, status: int, body: str) -> None:
        super().__init__(f"HTTP {status}: {body[:300]}")
        self.status = status


def _reason(error: Exception) -> FailureReason:
    if isinstance(error, _HttpStatusError) and error.status == 429:
        return FailureReason.THROTTLED
    if isinstance(error, TimeoutError) or "timed out" in str(error).lower():
        return FailureReason.TIMEOUT
    return FailureReason.PROVIDER_ERROR


def _is_retryable(error: Exception) -> bool:
    if isinstance(error, _HttpStatusError):
        return error.status == 429 or error.status >= 500
    return isinstance(error, urllib.error.URLError | TimeoutError | ConnectionError)


class OpenAiCompatibleProvider:
    """`LlmProvider` posting to `<base_url>/chat/completions`."""

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
    ) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"openai base URL must be http(s)://host[:port][/path], got {base_url!r}")
        if not model:
            raise ValueError("openai needs a model name")
        self.model = model
        self.url = base_url.rstrip("/") + "/chat/completions"
        self._api_key = api_key
        self._resolved_key: str | None = None
        self._timeout = timeout_seconds
        self._retry = retry or RetryPolicy()
        self._temperature = temperature

    def _key(self) -> str:
        if self._resolved_key is None:
            self._resolved_key = self._api_key() if callable(self._api_key) else self._api_key
        return self._resolved_key

    def complete(self, system: str, user: str, *, max_output_tokens: int = 1024) -> LlmReply:
        body = json.dumps(
            {
                "model": self.model,
                "messages": [{"role": "system", "content": system}, {"role": "user", "content": user}],
                "max_tokens": max_output_tokens,
                "temperature": self._temperature,
            }
        ).encode("utf-8")
        try:
            headers = {"Content-Type": "application/json", "Accept": "application/json"}
            key = self._key()
            if key:
                headers["Authorization"] = f"Bearer {key}"
            response = call_with_retries(lambda: self._post(body, headers), _is_retryable, self._retry)
        except ProviderError:
            raise
        except Exception as error:
            raise ProviderError(
                f"{self.url}: {error}", retryable=_is_retryable(error), reason=_reason(error)
            ) from error
        return parse_chat_completion(response, self.model)

    def _post(self, body: bytes, headers: dict[str, str]) -> dict[str, Any]:
        import urllib.request  # ~25 ms: only for the containers that use this provider

        request = urllib.request.Request(self.url, data=body, headers=headers, method="POST")  # noqa: S310 (scheme checked in __init__)
        timeout = run_budget.capped(self._timeout)  # never past the run's time left
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
            raise ProviderError(f"{self.url} returned invalid JSON: {text[:200]!r}") from error
        if not isinstance(parsed, dict):
            raise ProviderError(f"{self.url} returned a JSON {type(parsed).__name__}, not an object")
        return parsed


def parse_chat_completion(response: dict[str, Any], model: str) -> LlmReply:
    """First choice's message content (string or list of text parts) and the reported usage."""
    choices = response.get("choices") or []
    if not choices or not isinstance(choices[0], dict):
        raise ProviderError(f"chat completion has no choices: {json.dumps(response)[:200]}")
    content = (choices[0].get("message") or {}).get("content") or ""
    if isinstance(content, list):
        content = "".join(part.get("text", "") for part in content if isinstance(part, dict))
    usage = response.get("usage") or {}
    return LlmReply(
        text=str(content),
        input_tokens=int(usage.get("prompt_tokens", 0) or 0),
        output_tokens=int(usage.get("completion_tokens", 0) or 0),
        model=str(response.get("model") or model),
        truncated=choices[0].get("finish_reason") == "length",
    )


def secret_api_key(secret_arn: str, client: Any = None) -> KeySource:
    """A key source reading the secret on first use (so a cold start without a call costs nothing)."""

    def read() -> str:
        sm = client
        if sm is None:
            from callrecap.adapters.aws_clients import new_client

            sm = new_client("secretsmanager")
        value = str(sm.get_secret_value(SecretId=secret_arn).get("SecretString") or "").strip()
        if value.startswith("{"):
            try:
                document = json.loads(value)
            except json.JSONDecodeError:
                return value
            for field_name in ("apiKey", "api_key", "OPENAI_API_KEY", "key"):
                if isinstance(document.get(field_name), str):
                    return str(document[field_name])
            raise ProviderError(f"secret {secret_arn} is JSON without an apiKey/api_key field")
        return value

    return read
