"""An engine attempt as the summary version it stores: COMPLETED with its sections, or FAILED with
the reason, the error and the raw reply (never an empty COMPLETED)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from callrecap.contracts import SUMMARY_SECTIONS_MAX_BYTES, FailureReason
from callrecap.domain.models import Summary, SummaryStatus
from callrecap.domain.summaries.cost import PriceTable
from callrecap.domain.summaries.runs.attempts import Attempt

RETRYABLE_REASONS = frozenset({FailureReason.THROTTLED, FailureReason.TIMEOUT})


def sections_size(sections: Mapping[str, Any]) -> int:
    """Bytes of the sections as CallSummarized carries them (compact JSON, UTF-8)."""
    return len(json.dumps(sections, default=str, separators=(",", ":"), ensure_ascii=False).encode())


def stored_version(
    pending: Summary, attempt: Attempt, latency_ms: int, prices: PriceTable, *, retry_invalid: bool = False
) -> Summary:
    """`pending` finished by `attempt`; `retry_invalid`: an unusable reply (INVALID_OUTPUT) is
    stored retryable, for one fresh attempt by the sweeper (versions.fresh_attempt_left)."""
    result, error, reason = attempt.result, attempt.error, attempt.reason
    if result is None:
        reason = reason or FailureReason.PROVIDER_ERROR
        return replace(
            pending,
            status=SummaryStatus.FAILED,
            error=error,
            latency_ms=latency_ms,
            failure_reason=reason,
            retryable=reason in RETRYABLE_REASONS,
        )
    usage = result.usage
    provider = result.provider or pending.provider
    model = result.model or pending.model
    sections = dict(result.sections)
    retryable = False
    if not error and result.error:
        error = str(result.error)
        reason = result.failure_reason or FailureReason.PROVIDER_ERROR
        retryable = bool(result.retryable) or reason in RETRYABLE_REASONS
    if not error and not sections:
        error, reason = "the reply had no sections", FailureReason.INVALID_OUTPUT
    if error and reason == FailureReason.INVALID_OUTPUT and retry_invalid:
        retryable = True
    if not error and (size := sections_size(sections)) > SUMMARY_SECTIONS_MAX_BYTES:
        error = (
            f"the summary is {size:,} bytes of JSON, over the {SUMMARY_SECTIONS_MAX_BYTES:,} "
            "a CallSummarized event can carry (the 256 KB bus-event budget); not truncated"
        )
        reason = FailureReason.TOO_LONG
    return replace(
        pending,
        status=SummaryStatus.FAILED if error else SummaryStatus.COMPLETED,
        sections={} if error else sections,
        provider=provider,
        model=model,
        prompt_hash=result.prompt_hash,
        llm_calls=usage.llm_calls,
        input_tokens=usage.input_tokens,
        output_tokens=usage.output_tokens,
        estimated_cost_usd=prices.estimate_usd(provider, model, usage.input_tokens, usage.output_tokens),
        latency_ms=latency_ms,
        error=error,
        raw_reply=result.raw_reply if error else "",
        retryable=retryable,
        failure_reason=reason if error else "",
        pii_redactions=dict(result.pii_redactions or {}),
    )
