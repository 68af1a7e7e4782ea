"""The final-summary queue's rule: after a run, put the request back (and when), run it again
settled, or be done. Decided here from the outcome, the event's age and its deferral count, so
the handler only carries out the step (handlers/summarizer.py)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import Enum
from typing import Any

from callrecap.contracts import (
    DEFERRALS_FIELD,
    SETTLE_POLL_SECONDS,
    SQS_MAX_DELAY_SECONDS,
    THROTTLE_BACKOFF_SECONDS,
)
from callrecap.domain.summaries.runs.outcomes import Action, SkipReason, SummaryOutcome
from callrecap.domain.summaries.runs.publishing import int_or_zero


def throttle_backoff_seconds(
    deferrals: int, base: int = THROTTLE_BACKOFF_SECONDS, jitter: float = 1.0
) -> int:
    """The wait before the next try of a final throttled `deferrals` times already; `jitter` in
    [0, 1] picks a point in the upper half of the window, so throttled calls spread out."""
    window = min(SQS_MAX_DELAY_SECONDS, base * 2 ** max(0, deferrals))
    return max(1, min(SQS_MAX_DELAY_SECONDS, round(window * (0.5 + 0.5 * jitter))))


class StepKind(Enum):
    DONE = "done"
    REQUEUE = "requeue"  # put the message back after `delay_seconds`, counting `deferrals`
    RUN_SETTLED = "run-settled"  # the settle time is up: run again now, settled


@dataclass(frozen=True)
class Step:
    kind: StepKind
    delay_seconds: int = 0
    deferrals: int = 0
    """The deferral count the requeued message carries."""


DONE = Step(StepKind.DONE)


def deferrals_of(body: Any) -> int:
    """How often a queued message was put back for a throttled model (DEFERRALS_FIELD)."""
    return int_or_zero(body.get(DEFERRALS_FIELD)) if isinstance(body, dict) else 0


def requeued_message(raw: str, body: Any, step: Step) -> str:
    """The message a REQUEUE step puts back: the same text unless its deferral count changed."""
    if step.deferrals == deferrals_of(body) or not isinstance(body, dict):
        return raw
    return json.dumps({**body, DEFERRALS_FIELD: step.deferrals})


@dataclass(frozen=True)
class QueuedAttempt:
    """One delivery of a queued request: how old it is and how often the model throttled it."""

    age_seconds: float
    deferrals: int
    backoff_seconds: int
    may_defer: bool

    @property
    def defer_seconds(self) -> float:
        """What the run may wait for a throttled model (0: a throttled run is stored FAILED)."""
        return float(self.backoff_seconds) if self.may_defer else 0.0


@dataclass(frozen=True)
class QueuePolicy:
    """`settle_seconds`: the longest a call may settle (finalSummaryDelaySeconds);
    `throttle_max_age_seconds`: how long after its event a throttled final is still put back;
    `can_requeue`: the function has the queue's URL (else nothing is ever put back)."""

    settle_seconds: float
    throttle_max_age_seconds: float
    throttle_backoff_seconds: int = THROTTLE_BACKOFF_SECONDS
    can_requeue: bool = True

    def attempt(self, age_seconds: float, deferrals: int, jitter: float) -> QueuedAttempt:
        backoff = throttle_backoff_seconds(deferrals, self.throttle_backoff_seconds, jitter)
        may_defer = self.can_requeue and age_seconds + backoff <= self.throttle_max_age_seconds
        return QueuedAttempt(age_seconds, deferrals, backoff, may_defer)

    def next_step(self, outcome: SummaryOutcome, attempt: QueuedAttempt, *, settled: bool) -> Step:
        """What follows a run of a queued request.

        Still settling: look again in SETTLE_POLL_SECONDS until the settle time is up, then run it
        settled. Throttled (deferred): back after the jittered, doubling back-off. Back from a
        throttled wait while its lease is still held (another run, or clock skew): look again
        shortly rather than leaving the deferred version to the sweeper.
        """
        if outcome.reason == SkipReason.SETTLING and not settled:
            if self.can_requeue and attempt.age_seconds < self.settle_seconds:
                return Step(StepKind.REQUEUE, SETTLE_POLL_SECONDS, attempt.deferrals)
            return Step(StepKind.RUN_SETTLED)
        if outcome.action == Action.DEFERRED:
            return Step(StepKind.REQUEUE, attempt.backoff_seconds, attempt.deferrals + 1)
        if outcome.reason == SkipReason.IN_PROGRESS and attempt.deferrals and attempt.may_defer:
            return Step(StepKind.REQUEUE, SETTLE_POLL_SECONDS, attempt.deferrals)
        return DONE
