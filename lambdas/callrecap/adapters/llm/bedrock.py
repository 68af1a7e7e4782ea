"""Provider `bedrock`: Amazon Bedrock's Converse API, one model-agnostic request shape.

Converse gives every Bedrock text model the same request (system + messages + inferenceConfig)
and the same response (`output.message.content[].text`, `usage.inputTokens/outputTokens`), so
switching models is a config change. Throttling, model-not-ready and 5xx are retried by botocore
(the client's policy in adapters.aws_clients: standard mode, jittered backoff). The summary's
shape is asked with the model's own mechanism (adapters/llm/bedrock_output.py). What still fails
raises `ProviderError`, marked retryable when it may pass (throttling, 5xx, a model timeout), so
the summary is stored FAILED and the sweeper asks again rather than losing it. A model timeout
(408) is not retried inline: the same request would likely time out again inside this run.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from callrecap.adapters.aws_clients import budgeted_client, describe, error_code, is_transient
from callrecap.adapters.llm.bedrock_output import (
    CHOSEN,
    ChosenModes,
    client_knows,
    modes_for,
    refuses_mode,
    shape_request,
    tool_input_text,
)
from callrecap.choices import BedrockOutputMode
from callrecap.contracts import FailureReason
from callrecap.domain.ports import LlmReply, ProviderError
from callrecap.domain.summaries.chunking import context_window_for

TRANSIENT_CODES = frozenset(
    {
        "ThrottlingException",
        "TooManyRequestsException",
        "ServiceUnavailableException",
        "ModelNotReadyException",
        "InternalServerException",
        "ModelTimeoutException",
    }
)
"""Errors after which a later run of the same summary may succeed (the FAILED summary is retryable)."""


class BedrockProvider:
    """`LlmProvider` over bedrock-runtime Converse; the client is created on first use."""

    name = "bedrock"

    def __init__(
        self,
        model_id: str,
        *,
        region: str = "",
        client: Any = None,
        temperature: float = 0.0,
        profile: str = "",
        output_mode: BedrockOutputMode = BedrockOutputMode.AUTO,
        chosen: ChosenModes | None = None,
    ) -> None:
        if not model_id:
            raise ValueError("bedrock needs a model id")
        self.model = model_id
        self._region = region
        self._profile = profile
        self._client = client
        self._temperature = temperature
        self._output_mode = output_mode
        self._chosen = chosen or CHOSEN
        self._fold_system = False
        """Set once the model rejected a system prompt (some Titan/Mistral models do)."""

    @property
    def client(self) -> Any:
        """The injected client, else one whose timeout and retries fit the run's time left."""
        if self._client is not None:
            return self._client
        return budgeted_client("bedrock-runtime", region=self._region, profile=self._profile)

    def context_window(self) -> int:
        """The model's known window (chunking.MODEL_LIMITS): Bedrock has no API that says."""
        return context_window_for(self.model)

    def complete(
        self,
        system: str,
        user: str,
        *,
        max_output_tokens: int = 1024,
        schema: Mapping[str, Any] | None = None,
    ) -> LlmReply:
        if schema is None:
            return self._complete(system, user, max_output_tokens, BedrockOutputMode.NONE, {})
        modes = self._modes()
        mode = self._chosen.get(self.model)
        if mode not in modes:
            mode = modes[0]
        while True:
            try:
                reply = self._complete(system, user, max_output_tokens, mode, schema)
            except _ModeRefused as refused:
                following = modes[modes.index(mode) + 1 :]
                if not following:
                    raise ProviderError(str(refused)) from refused
                mode = following[0]
                continue
            self._chosen.remember(self.model, mode)
            return reply

    def _modes(self) -> tuple[BedrockOutputMode, ...]:
        modes = modes_for(self.model, self._output_mode)
        if not client_knows(self.client, "outputConfig"):
            modes = tuple(mode for mode in modes if mode is not BedrockOutputMode.OUTPUT_CONFIG)
        return modes or (BedrockOutputMode.NONE,)

    def _complete(
        self,
        system: str,
        user: str,
        max_output_tokens: int,
        mode: BedrockOutputMode,
        schema: Mapping[str, Any],
    ) -> LlmReply:
        try:
            try:
                response = self._converse(system, user, max_output_tokens, mode, schema)
            except Exception as error:
                if self._fold_system or not rejects_system_prompt(error):
                    raise
                # The model does not take a system prompt: send it at the top of the user turn,
                # and keep doing so for this container's later calls.
                self._fold_system = True
                response = self._converse(system, user, max_output_tokens, mode, schema)
        except Exception as error:
            if refuses_mode(error_code(error), str(error), mode):
                raise _ModeRefused(f"{self.model} refused output mode {mode}: {describe(error)}") from error
            raise ProviderError(
                describe(error), retryable=is_retryable(error), reason=failure_reason(error)
            ) from error
        reply = parse_converse_response(response, self.model)
        if mode is BedrockOutputMode.NONE:
            return replace(reply, output_format="prompt" if schema else "")
        if mode is BedrockOutputMode.TOOL:
            text = tool_input_text(response)
            if text is None:  # the model answered in text after all: the repair step applies
                return replace(reply, output_format=str(mode))
            reply = replace(reply, text=text)
        return replace(reply, constrained=True, output_format=str(mode))

    def _converse(
        self,
        system: str,
        user: str,
        max_output_tokens: int,
        mode: BedrockOutputMode,
        schema: Mapping[str, Any],
    ) -> dict[str, Any]:
        request: dict[str, Any] = {
            "modelId": self.model,
            "messages": [{"role": "user", "content": [{"text": user}]}],
            "inferenceConfig": {"maxTokens": max_output_tokens, "temperature": self._temperature},
        }
        if self._fold_system:
            request["messages"][0]["content"][0]["text"] = f"{system}\n\n{user}"
        else:
            request["system"] = [{"text": system}]
        if mode is not BedrockOutputMode.NONE:
            request = shape_request(request, mode, schema, self.model)
        result: dict[str, Any] = self.client.converse(**request)
        return result


class _ModeRefused(Exception):
    pass


BLOCKED_STOP_REASONS = frozenset({"guardrail_intervened", "content_filtered"})
"""Converse stopReasons after which the text is a refusal, not an answer worth a repair call."""


def parse_converse_response(response: dict[str, Any], model: str) -> LlmReply:
    """Text blocks of the assistant message joined, with the usage Bedrock reports (a forced
    tool's input is read by the provider: bedrock_output.tool_input_text).

    A reply blocked by a guardrail or content filter raises a non-retryable ProviderError (the
    same transcript would be blocked again); one cut at `maxTokens` is returned marked
    `truncated`, so an unusable JSON reply can say why.
    """
    stop_reason = str(response.get("stopReason", ""))
    if stop_reason in BLOCKED_STOP_REASONS:
        raise ProviderError(
            f"the model's reply was blocked (stopReason {stop_reason})", reason=FailureReason.CONTENT_FILTERED
        )
    content = response.get("output", {}).get("message", {}).get("content", [])
    text = "".join(block.get("text", "") for block in content if isinstance(block, dict))
    usage = response.get("usage", {})
    return LlmReply(
        text=text,
        input_tokens=int(usage.get("inputTokens", 0)),
        output_tokens=int(usage.get("outputTokens", 0)),
        model=model,
        truncated=stop_reason == "max_tokens",
    )


def failure_reason(error: Exception) -> FailureReason:
    """The typed cause of a failed Converse call."""
    code = error_code(error)
    if code in ("ThrottlingException", "ServiceQuotaExceededException", "TooManyRequestsException"):
        return FailureReason.THROTTLED
    if code == "ModelTimeoutException" or "timeout" in type(error).__name__.lower():
        return FailureReason.TIMEOUT
    return FailureReason.PROVIDER_ERROR


def is_retryable(error: Exception) -> bool:
    return is_transient(error, TRANSIENT_CODES)


def rejects_system_prompt(error: Exception) -> bool:
    """A ValidationException about system messages (models without system prompt support)."""
    return error_code(error) == "ValidationException" and "system" in str(error).lower()
