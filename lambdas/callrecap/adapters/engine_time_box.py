"""The summary engine on a worker thread, given up on when its time is up.

A model slower than the function's remaining time would otherwise hold the run until Lambda stops
it, leaving the version PENDING. Here the run waits at most `seconds`, then stores the version
FAILED (TIMEOUT, retryable) in the margin it kept; the abandoned call's answer is never used
(Lambda freezes the thread with the container).

An abandoned worker can resume when a frozen container thaws, inside the next invocation, whose
process-wide log keys name another call: so the worker binds its own call id
(callrecap/log_context.py), and every line logged on it, the providers' included, carries it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from typing import Any

from callrecap.contracts import FailureReason
from callrecap.domain.models import Turn
from callrecap.domain.ports import Engine
from callrecap.domain.summaries import run_budget
from callrecap.domain.summaries.runs.attempts import TIMED_OUT, Attempt
from callrecap.log_context import bind_thread_call

logger = logging.getLogger(__name__)


def run_on_worker(
    engine: Engine, turns: Sequence[Turn], call_id: str, *, seconds: float, language: str = ""
) -> Attempt:
    """A domain TimeBox (summaries/runs/attempts.py): the engine on a daemon thread, joined for
    at most `seconds`."""
    outcome: dict[str, Any] = {}

    def work() -> None:
        bind_thread_call(call_id)
        try:
            with run_budget.within(seconds):
                outcome["result"] = engine(turns, call_id, language=language)
        except Exception as exc:  # any provider failure becomes a FAILED version
            logger.exception("summarizer engine raised for call %s", call_id)
            outcome["error"] = f"{type(exc).__name__}: {exc}"

    worker = threading.Thread(target=work, name=f"summary-{call_id}", daemon=True)
    worker.start()
    worker.join(max(0.0, seconds))
    if worker.is_alive():
        return Attempt(error=TIMED_OUT, reason=FailureReason.TIMEOUT)
    if "error" in outcome:
        return Attempt(error=str(outcome["error"]), reason=FailureReason.PROVIDER_ERROR)
    return Attempt(outcome.get("result"))
