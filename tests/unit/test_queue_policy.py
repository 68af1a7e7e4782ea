"""The final-summary queue's policy: what follows a queued run (domain.summaries.runs.queue_policy)."""

from __future__ import annotations

import pytest

from callrecap.contracts import SETTLE_POLL_SECONDS, SQS_MAX_DELAY_SECONDS
from callrecap.domain.models import SummaryKind
from callrecap.domain.summaries.runs import (
    Action,
    QueuePolicy,
    ReasonCode,
    SkipReason,
    StepKind,
    SummaryOutcome,
    throttle_backoff_seconds,
)

POLICY = QueuePolicy(settle_seconds=10, throttle_max_age_seconds=600, throttle_backoff_seconds=15)


def outcome(action: Action, reason: ReasonCode | SkipReason) -> SummaryOutcome:
    return SummaryOutcome("c1", action, reason, None, SummaryKind.FINAL)


def test_a_settling_call_is_looked_at_again_until_its_settle_time_then_run_settled() -> None:
    settling = outcome(Action.SKIPPED, SkipReason.SETTLING)
    young = POLICY.attempt(3.0, 0, 1.0)
    step = POLICY.next_step(settling, young, settled=False)
    assert (step.kind, step.delay_seconds, step.deferrals) == (StepKind.REQUEUE, SETTLE_POLL_SECONDS, 0)
    old = POLICY.attempt(12.0, 0, 1.0)
    assert POLICY.next_step(settling, old, settled=False).kind is StepKind.RUN_SETTLED
    assert POLICY.next_step(settling, old, settled=True).kind is StepKind.DONE


def test_without_a_queue_nothing_is_put_back() -> None:
    policy = QueuePolicy(settle_seconds=10, throttle_max_age_seconds=600, can_requeue=False)
    attempt = policy.attempt(1.0, 0, 1.0)
    assert attempt.defer_seconds == 0.0  # a throttled run is stored FAILED at once
    assert policy.next_step(outcome(Action.SKIPPED, SkipReason.SETTLING), attempt, settled=False).kind is (
        StepKind.RUN_SETTLED
    )


@pytest.mark.parametrize(("deferrals", "delay"), [(0, 15), (1, 30), (2, 60), (3, 120)])
def test_a_throttled_final_comes_back_after_a_doubling_delay(deferrals: int, delay: int) -> None:
    attempt = POLICY.attempt(20.0, deferrals, 1.0)
    assert attempt.defer_seconds == delay
    step = POLICY.next_step(outcome(Action.DEFERRED, SkipReason.THROTTLED), attempt, settled=False)
    assert (step.kind, step.delay_seconds, step.deferrals) == (StepKind.REQUEUE, delay, deferrals + 1)


def test_past_the_age_limit_a_throttled_final_may_not_wait() -> None:
    attempt = POLICY.attempt(590.0, 0, 1.0)  # 590 + 15 > 600
    assert attempt.defer_seconds == 0.0 and not attempt.may_defer


def test_back_from_a_wait_while_the_lease_is_held_looks_again_shortly() -> None:
    busy = outcome(Action.SKIPPED, SkipReason.IN_PROGRESS)
    step = POLICY.next_step(busy, POLICY.attempt(40.0, 2, 0.5), settled=False)
    assert (step.kind, step.delay_seconds, step.deferrals) == (StepKind.REQUEUE, SETTLE_POLL_SECONDS, 2)
    assert POLICY.next_step(busy, POLICY.attempt(40.0, 0, 0.5), settled=False).kind is StepKind.DONE


@pytest.mark.parametrize(
    "done",
    [
        outcome(Action.COMPLETED, ReasonCode.CALL_ENDED),
        outcome(Action.FAILED, ReasonCode.CALL_ENDED),
        outcome(Action.SKIPPED, SkipReason.UP_TO_DATE),
    ],
)
def test_every_other_outcome_is_done(done: SummaryOutcome) -> None:
    assert POLICY.next_step(done, POLICY.attempt(5.0, 1, 1.0), settled=False).kind is StepKind.DONE


def test_backoff_is_jittered_in_the_upper_half_and_capped_at_sqs_max_delay() -> None:
    assert throttle_backoff_seconds(0, 15, 0.0) == 8  # half of 15, rounded
    assert throttle_backoff_seconds(20, 15, 1.0) == SQS_MAX_DELAY_SECONDS


def test_the_outcome_says_when_the_transcript_is_closed() -> None:
    assert outcome(Action.COMPLETED, ReasonCode.CALL_ENDED).closes_the_transcript
    assert not outcome(Action.SKIPPED, SkipReason.SETTLING).closes_the_transcript
    assert not outcome(Action.DEFERRED, SkipReason.THROTTLED).closes_the_transcript
    interim = SummaryOutcome("c1", Action.COMPLETED, ReasonCode.ON_DEMAND, None, SummaryKind.INTERIM)
    assert not interim.closes_the_transcript
