"""Provider `bedrock`: Amazon Bedrock's Converse API, one model-agnostic request shape.

Converse gives every Bedrock text model the same request (system + messages + inferenceConfig)
and the same response (`output.message.content[].text`, `usage.inputTokens/outputTokens`), so
switching models is a config change. Throttling, model-not-ready and 5xx are retried by botocore
(the client's policy in adapters.aws_clients: standard mode, jittered backoff); what still fails
raises `ProviderError`, marked retryable when it may pass (throttling, 5xx, a model timeout), so
the summary is stored FAILED and the sweeper asks again rather than losing it. A model timeout
(408) is not retried inline: the same request would likely time out again inside this run.
"""

from __future__ import annotations

from typing import Any

from callrecap.adapters.aws_clients import budgeted_client, describe, error_code, is_transient
from callrecap.contracts import FailureReason
from callrecap.domain.ports import LlmReply, ProviderError

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
    ) -> None:
        if not model_id:
            raise ValueError("bedrock needs a model id")
        self.model = model_id
        self._region = region
        self._profile = profile
        self._client = client
        self._temperature = temperature
        self._fold_system = False
        """Set once the model rejected a system prompt (some Titan/Mistral models do)."""

    @property
    def client(self) -> Any:
        """The injected client, else one whose timeout and retries fit the run's time left."""
        if self._client is not None:
            return self._client
        return budgeted_client("bedrock-runtime", region=self._region, profile=self._profile)

    def complete(self, system: str, user: str, *, max_output_tokens: int = 1024) -> LlmReply:
        try:
            try:
                response = self._converse(system, user, max_output_tokens)
            except Exception as error:
                if self._fold_system or not rejects_system_prompt(error):
                    raise
                # The model does not take a system prompt: send it at the top of the user turn,
                # and keep doing so for this container's later calls.
                self._fold_system = True
                response = self._converse(system, user, max_output_tokens)
        except Exception as error:
            raise ProviderError(
                describe(error), retryable=is_retryable(error), reason=failure_reason(error)
            ) from error
        return parse_converse_response(response, self.model)

    def _converse(self, system: str, user: str, max_output_tokens: int) -> dict[str, Any]:
        request: dict[str, Any] = {
            "modelId": self.model,
            "messages": [{"role": "user", "content": [{"text": user}]}],
            "inferenceConfig": {"maxTokens": max_output_tokens, "temperature": self._temperature},
        }
        if self._fold_system:
            request["messages"][0]["content"][0]["text"] = f"{system}\n\n{user}"
        else:
            request["system"] = [{"text": system}]
        result: dict[str, Any] = self.client.converse(**request)
        return result


BLOCKED_STOP_REASONS = frozenset({"guardrail_intervened", "content_filtered"})
"""Converse stopReasons after which the text is a refusal, not an answer worth a repair call."""


def parse_converse_response(response: dict[str, Any], model: str) -> LlmReply:
    """Text blocks of the assistant message joined, with the usage Bedrock reports.

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
