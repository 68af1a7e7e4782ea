"""Exponential backoff with full jitter, shared by the network providers.

Full jitter (sleep a random time in [0, min(cap, base * 2**attempt)]) spreads the retries of many
summarizer invocations that were throttled at the same moment, instead of retrying in lockstep.
`sleep` and `rand` are injectable so tests run instantly and deterministically.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

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
            policy.sleep(policy.delay(attempt))
    raise AssertionError("unreachable: the loop returns or raises")


def aws_error_code(error: Exception) -> tuple[str, int]:
    """(error code, HTTP status) of a botocore ClientError; ("", 0) for anything else."""
    response = getattr(error, "response", None)
    if not isinstance(response, dict):
        return "", 0
    code = str(response.get("Error", {}).get("Code", ""))
    status = int(response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)
    return code, status


def aws_error_is_retryable(error: Exception, codes: frozenset[str]) -> bool:
    """Listed codes, throttling (429) and server-side (5xx) errors, connection errors and timeouts."""
    code, status = aws_error_code(error)
    if code in codes or status >= 500 or status == 429:
        return True
    from botocore.exceptions import ConnectionError as BotoConnectionError
    from botocore.exceptions import ReadTimeoutError

    return isinstance(error, BotoConnectionError | ReadTimeoutError)


def describe(error: Exception) -> str:
    code, status = aws_error_code(error)
    if code:
        return f"{code} (HTTP {status}): {error}"
    return f"{type(error).__name__}: {error}"
