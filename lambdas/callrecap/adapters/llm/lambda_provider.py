"""Provider `lambda`: a summarizer Lambda function of the operator's own, invoked synchronously.

Request payload (JSON), documented in docs/summarization.md:
    {"schemaVersion": "1", "callId": "...", "transcript": "AGENT: ...\\nCUSTOMER: ...",
     "prompt": {"system": "...", "user": "..."},
     "sections": [{"name": "...", "type": "text|list|enum", "instruction": "...", "allowed": [...],
                   "required": true, "maxChars": 900, "maxItems": 12}],
     "schema": {<the reply's JSON schema, domain/summaries/reply_schema.py>}}
Accepted replies:
    {"sections": {"<name>": value, ...}, "usage": {"llmCalls": 1, "inputTokens": 0,
     "outputTokens": 0}, "model": "..."}                      (ours; usage and model optional)
    {"summary": "..."}                                          (LCA's summarizer Lambdas)
A function error, an unparseable or unrecognized reply raise `ProviderError`.
"""

from __future__ import annotations

import json
from typing import Any

from callrecap.adapters.aws_clients import budgeted_client, describe, error_code, is_transient
from callrecap.contracts import SCHEMA_VERSION, FailureReason
from callrecap.domain.ports import DelegatedReply, DelegatedSummaryRequest, ProviderError
from callrecap.domain.summaries.approval import section_spec_view
from callrecap.domain.summaries.reply_schema import reply_schema

TRANSIENT_CODES = frozenset(
    {
        "TooManyRequestsException",
        "ServiceException",
        "ResourceNotReadyException",
        "EC2ThrottledException",
        "EFSMountTimeoutException",
    }
)


class LambdaSummarizer:
    """`CallSummarizer` that invokes a function ARN (RequestResponse); client created lazily."""

    name = "lambda"

    def __init__(self, function_arn: str, *, client: Any = None) -> None:
        if not function_arn:
            raise ValueError("the lambda provider needs a function ARN")
        self.function_arn = function_arn
        self.model = function_arn.rsplit(":", 1)[-1] if ":" in function_arn else function_arn
        self._client = client

    @property
    def client(self) -> Any:
        """The injected client, else one whose timeout and retries fit the run's time left."""
        if self._client is not None:
            return self._client
        return budgeted_client("lambda")

    def summarize_call(self, request: DelegatedSummaryRequest) -> DelegatedReply:
        payload = json.dumps(build_payload(request)).encode("utf-8")

        try:  # throttling and 5xx are retried by botocore (adapters.aws_clients)
            response = self.client.invoke(
                FunctionName=self.function_arn, InvocationType="RequestResponse", Payload=payload
            )
        except Exception as error:
            throttled = error_code(error) in ("TooManyRequestsException", "EC2ThrottledException")
            raise ProviderError(
                describe(error),
                retryable=is_transient(error, TRANSIENT_CODES),
                reason=FailureReason.THROTTLED if throttled else FailureReason.PROVIDER_ERROR,
            ) from error
        raw = response["Payload"].read().decode("utf-8", errors="replace")
        if response.get("FunctionError"):
            raise ProviderError(f"summarizer function failed ({response['FunctionError']}): {raw[:500]}")
        return parse_reply(raw, default_model=self.model)


def build_payload(request: DelegatedSummaryRequest) -> dict[str, Any]:
    return {
        "schemaVersion": SCHEMA_VERSION,
        "callId": request.call_id,
        "transcript": request.transcript,
        "prompt": {"system": request.system, "user": request.user},
        "sections": [
            {**section_spec_view(spec), "instruction": spec.instruction} for spec in request.sections
        ],
        "schema": reply_schema(request.sections),
    }


def parse_reply(raw: str, *, default_model: str = "") -> DelegatedReply:
    """Our `{"sections": ...}` or LCA's `{"summary": ...}`; anything else is a ProviderError."""
    try:
        body = json.loads(raw)
    except json.JSONDecodeError as error:
        raise ProviderError(f"summarizer function returned invalid JSON: {raw[:200]!r}") from error
    if isinstance(body, str):  # a function that returns json.dumps(...) of its reply
        try:
            body = json.loads(body)
        except json.JSONDecodeError:
            body = {"summary": body}
    if not isinstance(body, dict):
        raise ProviderError("summarizer function reply must be a JSON object")
    usage_raw = body.get("usage")
    usage: dict[str, Any] = usage_raw if isinstance(usage_raw, dict) else {}
    common: dict[str, Any] = {
        "raw": raw,
        "llm_calls": _int(usage.get("llmCalls"), 1),
        "input_tokens": _int(usage.get("inputTokens"), 0),
        "output_tokens": _int(usage.get("outputTokens"), 0),
        "model": str(body.get("model") or default_model),
    }
    if isinstance(body.get("sections"), dict):
        return DelegatedReply(sections=body["sections"], **common)
    summary = body.get("summary")
    if isinstance(summary, dict):
        return DelegatedReply(sections=None, text=json.dumps(summary), **common)
    if isinstance(summary, str) and summary.strip():
        return DelegatedReply(sections=None, text=summary, **common)
    raise ProviderError('summarizer function reply has neither "sections" (object) nor "summary" (text)')


def _int(value: Any, default: int) -> int:
    try:
        return max(0, int(value))
    except (TypeError, ValueError):
        return default
