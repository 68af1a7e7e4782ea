"""A summary run: the service that decides and stores it, its typed outcome, and the
final-summary queue's policy for what follows."""

from callrecap.domain.summaries.requests import (
    InvalidRunRequest,
    ReasonCode,
    SummaryRunRequest,
    request_from_event,
    stale_request_detail,
)
from callrecap.domain.summaries.runs.outcomes import Action, SkipReason, SummaryOutcome
from callrecap.domain.summaries.runs.queue_policy import (
    QueuePolicy,
    Step,
    StepKind,
    deferrals_of,
    requeued_message,
    throttle_backoff_seconds,
)
from callrecap.domain.summaries.runs.service import (
    SummaryService,
    int_or_zero,
    is_deferred,
    turns_from_segments,
)

__all__ = [
    "Action",
    "InvalidRunRequest",
    "QueuePolicy",
    "ReasonCode",
    "SkipReason",
    "Step",
    "StepKind",
    "SummaryOutcome",
    "SummaryRunRequest",
    "SummaryService",
    "deferrals_of",
    "int_or_zero",
    "is_deferred",
    "request_from_event",
    "requeued_message",
    "stale_request_detail",
    "throttle_backoff_seconds",
    "turns_from_segments",
]
