"""One attempt of the engine within a time box, and the ports that run it.

The domain never starts threads: a `TimeBox` (adapters/engine_time_box.py in the Lambdas) runs the
engine and gives up on it when the time is up; `run_inline` is the pure default, which keeps the
run's budget (domain.summaries.run_budget) but cannot abandon a model that overruns it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from callrecap.contracts import FailureReason
from callrecap.domain.models import Turn
from callrecap.domain.ports import Engine
from callrecap.domain.summaries import run_budget
from callrecap.domain.summaries.engine import EngineResult


@dataclass(frozen=True)
class Attempt:
    """What an attempt produced: the engine's result, or no result and why (`error`, `reason`)."""

    result: EngineResult | None = None
    error: str = ""
    reason: str = ""

    @property
    def failure(self) -> str:
        """The FailureReason of a failed attempt ("" when the engine wrote the sections)."""
        if self.reason:
            return self.reason
        if self.result is not None and self.result.error:
            return self.result.failure_reason
        return ""

    @property
    def succeeded(self) -> bool:
        return self.result is not None and not self.error and not self.result.error


TIMED_OUT = "the model did not answer before the function's deadline"


class TimeBox(Protocol):
    def __call__(
        self, engine: Engine, turns: Sequence[Turn], call_id: str, *, seconds: float, language: str = ""
    ) -> Attempt:
        """Run `engine` for at most `seconds`; a run still going then is an Attempt failed TIMEOUT."""
        ...


def run_inline(
    engine: Engine, turns: Sequence[Turn], call_id: str, *, seconds: float, language: str = ""
) -> Attempt:
    """The engine on the caller's thread within the run's budget (the providers fit their calls
    and retries to it); an engine that raises is a failed attempt, not a crash."""
    try:
        with run_budget.within(seconds):
            return Attempt(engine(turns, call_id, language=language))
    except Exception as error:  # noqa: BLE001 (any provider failure becomes a FAILED version)
        return Attempt(error=f"{type(error).__name__}: {error}", reason=FailureReason.PROVIDER_ERROR)
