"""The run's time left (domain.run_budget) and how adapters fit their timeouts and retries to it."""

from __future__ import annotations

import threading

import pytest

from callrecap.adapters.aws_clients import RETRY_POLICIES, ClientPolicy, within_budget
from callrecap.adapters.http_retry import RetryPolicy, call_with_retries
from callrecap.domain.summaries import run_budget


def test_outside_a_run_there_is_no_limit() -> None:
    assert run_budget.remaining() is None
    assert run_budget.capped(120.0) == 120.0 and run_budget.allows(1e9)


def test_inside_a_run_the_time_left_caps_timeouts() -> None:
    with run_budget.within(30.0):
        left = run_budget.remaining()
        assert left is not None and 29.0 < left <= 30.0
        assert run_budget.capped(120.0) <= 30.0 and run_budget.capped(5.0) == 5.0
        assert run_budget.allows(10.0) and not run_budget.allows(29.5)
    assert run_budget.remaining() is None


def test_a_nested_budget_keeps_the_earlier_deadline() -> None:
    with run_budget.within(10.0), run_budget.within(60.0):
        left = run_budget.remaining()
        assert left is not None and left <= 10.0


def test_each_thread_has_its_own_budget() -> None:
    seen: list[float | None] = []
    with run_budget.within(10.0):
        worker = threading.Thread(target=lambda: seen.append(run_budget.remaining()))
        worker.start()
        worker.join()
    assert seen == [None]


@pytest.mark.parametrize(
    ("left", "attempts", "read_timeout"),
    [
        (None, 4, 120.0),  # outside a run: the service's own policy
        (600.0, 4, 120.0),  # room for every attempt
        (295.0, 2, 120.0),  # a fresh 300 s summarizer run: two full attempts fit
        (150.0, 1, 120.0),
        (95.0, 1, 90.0),  # one attempt, its timeout the time left (in tens)
        (7.5, 1, 7.0),
        (0.2, 1, 1.0),  # never below one second, never zero attempts
    ],
)
def test_a_client_policy_is_fitted_to_the_time_left(
    left: float | None, attempts: int, read_timeout: float
) -> None:
    fitted = within_budget(RETRY_POLICIES["bedrock-runtime"], left)
    assert (fitted.total_max_attempts, fitted.read_timeout) == (attempts, read_timeout)
    assert fitted.connect_timeout <= fitted.read_timeout


def test_fitted_policies_are_few_so_clients_can_be_cached() -> None:
    policy = ClientPolicy(total_max_attempts=4, read_timeout=120.0)
    fitted = {within_budget(policy, left / 10) for left in range(0, 3000)}
    assert len(fitted) <= 25


def test_no_retry_waits_past_the_time_left() -> None:
    calls: list[int] = []
    slept: list[float] = []

    def throttled() -> None:
        calls.append(1)
        raise RuntimeError("429")

    policy = RetryPolicy(attempts=5, base_seconds=2.0, sleep=slept.append, rand=lambda: 1.0)
    with run_budget.within(5.0), pytest.raises(RuntimeError):
        call_with_retries(throttled, lambda _: True, policy)
    # waits of 2 s (3 s left), then 4 s would leave less than a usable attempt: stop
    assert slept == [2.0] and len(calls) == 2


def test_outside_a_run_every_attempt_is_made() -> None:
    calls: list[int] = []

    def throttled() -> None:
        calls.append(1)
        raise RuntimeError("429")

    policy = RetryPolicy(attempts=5, sleep=lambda _: None)
    with pytest.raises(RuntimeError):
        call_with_retries(throttled, lambda _: True, policy)
    assert len(calls) == 5
