"""Exponential backoff with full jitter for the HTTP clients that are not botocore (the
OpenAI-compatible provider, the webhook CRM target).

Full jitter (sleep a random time in [0, min(cap, base * 2**attempt)]) spreads the retries of many
summarizer invocations that were throttled at the same moment, instead of retrying in lockstep.
`sleep` and `rand` are injectable so tests run instantly and deterministically. Inside a summary
run no retry waits past the run's time left (domain.run_budget): the last error is raised instead.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from callrecap.domain.summaries import run_budget

T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 5
    base_seconds: float = 0.5
    cap_seconds: float = 10.0
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)
    rand: Callable[[], float] = field(default=random.random, repr=False)

    def delay(self, attempt: int) -> float:
        """Seconds to wait after failed attempt number `attempt` (0-based)."""
        return self.rand() * min(self.cap_seconds, self.base_seconds * (2**attempt))


def call_with_retries(
    operation: Callable[[], T], is_retryable: Callable[[Exception], bool], policy: RetryPolicy
) -> T:
    """Run `operation`; retry what `is_retryable` accepts, up to `policy.attempts` in total."""
    for attempt in range(policy.attempts):
        try:
            return operation()
        except Exception as error:
            if attempt + 1 >= policy.attempts or not is_retryable(error):
                raise
            delay = policy.delay(attempt)
            if not run_budget.allows(delay):
                raise  # no time for another attempt within this run
            policy.sleep(delay)
    raise AssertionError("unreachable: the loop returns or raises")
