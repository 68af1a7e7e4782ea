"""The `llmFallback` chain: when the primary provider fails in a way another might not, the next
engine of the chain writes the summary in the time the run kept for it."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from callrecap.contracts import FailureReason
from callrecap.domain.models import Turn
from callrecap.domain.ports import Engine
from callrecap.domain.summaries.engine import EngineResult
from callrecap.domain.summaries.runs.attempts import TimeBox

FALLBACK_ON = frozenset(
    {
        FailureReason.THROTTLED,
        FailureReason.TIMEOUT,
        FailureReason.PROVIDER_ERROR,
        FailureReason.INVALID_OUTPUT,
        FailureReason.CONTENT_FILTERED,
    }
)
"""Failures after which the next provider of the chain tries (an empty transcript or a call too
long fails the same way everywhere)."""

FALLBACK_RESERVE_SECONDS = 20.0
"""Time kept for the fallback chain when the primary is given up on (at most a quarter)."""


class FallbackChain:
    def __init__(
        self, engines: Sequence[Engine], time_box: TimeBox, monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        self.engines = tuple(engines)
        self._time_box = time_box
        self._monotonic = monotonic

    def __bool__(self) -> bool:
        return bool(self.engines)

    def reserve(self, usable_seconds: float) -> float:
        """Seconds of the run kept back from the primary for the chain."""
        return min(FALLBACK_RESERVE_SECONDS, usable_seconds / 4) if self.engines else 0.0

    def applies_to(self, failure: str) -> bool:
        return bool(self.engines) and failure in FALLBACK_ON

    def write(
        self, turns: Sequence[Turn], call_id: str, deadline: float, margin: float, language: str = ""
    ) -> EngineResult | None:
        """The first engine of the chain that writes the summary in the time left, if any."""
        for engine in self.engines:
            left = max(0.0, deadline - self._monotonic()) - margin
            attempt = self._time_box(engine, turns, call_id, seconds=left, language=language)
            if attempt.succeeded:
                return attempt.result
        return None
