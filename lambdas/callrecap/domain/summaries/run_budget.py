"""The time a summary run has left, visible to the provider adapters without threading it
through every signature.

The service (domain.summary_runs) runs the engine on a worker thread and gives up on it before
the function's deadline; this is how the providers learn that deadline, so that each model call's
own timeout and retries fit inside it instead of holding a connection past the point where its
answer could still be used. A contextvar: every worker thread sets its own.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_deadline: ContextVar[float | None] = ContextVar("callrecap_run_deadline", default=None)

MIN_ATTEMPT_SECONDS = 1.0
"""A model call given less than this is not started (it could not answer in time)."""


@contextmanager
def within(seconds: float, *, monotonic: Callable[[], float] = time.monotonic) -> Iterator[None]:
    """Run the block with a deadline `seconds` from now (nested budgets keep the earlier one)."""
    mine = monotonic() + max(0.0, seconds)
    outer = _deadline.get()
    token = _deadline.set(mine if outer is None else min(outer, mine))
    try:
        yield
    finally:
        _deadline.reset(token)


def remaining(*, monotonic: Callable[[], float] = time.monotonic) -> float | None:
    """Seconds left in the current run's budget; None outside any budget (no limit)."""
    deadline = _deadline.get()
    return None if deadline is None else max(0.0, deadline - monotonic())


def capped(seconds: float) -> float:
    """`seconds`, or the time left if that is shorter."""
    left = remaining()
    return seconds if left is None else min(seconds, left)


def allows(seconds: float) -> bool:
    """Whether waiting `seconds` still leaves a model call time to be useful."""
    left = remaining()
    return left is None or left - seconds >= MIN_ATTEMPT_SECONDS
