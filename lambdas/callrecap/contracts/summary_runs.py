"""A summary run's shared names and timings: why a version FAILED, how long an ended call settles,
and how a throttled final backs off on its queue."""

from __future__ import annotations

from enum import StrEnum
from typing import Final


class FailureReason(StrEnum):
    """Why a summary version FAILED (`failureReason` on the summary and on SummaryFailed)."""

    THROTTLED = "THROTTLED"  # the provider refused for rate or quota: retryable
    TIMEOUT = "TIMEOUT"  # no answer before the function's deadline (or the provider's timeout): retryable
    INVALID_OUTPUT = "INVALID_OUTPUT"  # the reply was not the sections, even after one repair
    CONTENT_FILTERED = "CONTENT_FILTERED"  # a guardrail or content filter blocked the reply
    TRANSCRIPT_EMPTY = "TRANSCRIPT_EMPTY"  # nothing was said yet
    PROVIDER_ERROR = "PROVIDER_ERROR"  # any other provider failure (5xx after retries, bad config)
    TOO_LONG = "TOO_LONG"  # the call or the summary is over a bound (model calls, event size)


FINAL_SUMMARY_FIRST_LOOK_SECONDS: Final = 2
"""The final-summary queue's DelaySeconds: the summarizer first looks at an ended call this soon
(at most `finalSummaryDelaySeconds`, the longest a call may settle)."""

SETTLE_QUIET_SECONDS: Final = 1.5
"""An ended call is settled when nothing was stored for it this long (past the ingest function's
1 s batching window) and no partial result is left open; until then its CallEnded is put back."""

SETTLE_POLL_SECONDS: Final = 1
"""How long a CallEnded that found its call still settling waits before the next look."""


THROTTLE_BACKOFF_SECONDS: Final = 15
"""The first wait of a final put back because the model was throttled; each next wait doubles
(jittered, at most SQS's 900 s DelaySeconds), until `llmThrottleMaxAgeSeconds` after the event."""

THROTTLE_MAX_AGE_SECONDS: Final = 1800
"""Default `llmThrottleMaxAgeSeconds`: past this age a throttled final is stored FAILED (THROTTLED,
retryable) and left to the sweeper's bounded automatic retries."""

SQS_MAX_DELAY_SECONDS: Final = 900

FINAL_SUMMARY_MAX_RECEIVES: Final = 5
"""Receives of a final-summary queue record (throttled put-backs count too) before it is parked in
the queue's DLQ (infra/final_summary_queue.py and the local stack)."""

DEFERRALS_FIELD: Final = "callrecapDeferrals"
"""Top-level field of a final-summary queue message counting its throttled put-backs."""


def first_look_seconds(max_settle_seconds: int) -> int:
    return min(FINAL_SUMMARY_FIRST_LOOK_SECONDS, max_settle_seconds)


__all__ = [
    "DEFERRALS_FIELD",
    "FINAL_SUMMARY_FIRST_LOOK_SECONDS",
    "FINAL_SUMMARY_MAX_RECEIVES",
    "SETTLE_POLL_SECONDS",
    "SETTLE_QUIET_SECONDS",
    "SQS_MAX_DELAY_SECONDS",
    "THROTTLE_BACKOFF_SECONDS",
    "THROTTLE_MAX_AGE_SECONDS",
    "FailureReason",
    "first_look_seconds",
]
