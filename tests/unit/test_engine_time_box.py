"""The engine's time box (adapters/engine_time_box.py): a model slower than the time given is
abandoned as TIMEOUT, and whatever the abandoned worker logs later names its own call, not the
call of the invocation running by then (Powertools' appended keys are process-wide)."""

from __future__ import annotations

import io
import json
import logging
import threading
from typing import Any

from callrecap.adapters.engine_time_box import run_on_worker
from callrecap.contracts import FailureReason
from callrecap.domain.models import Turn
from callrecap.domain.summaries.runs.attempts import run_inline
from callrecap.handlers.observability import call_context, logger

TURNS = [Turn("CUSTOMER", "Where is my parcel?", 0.0, 2.0)]


def test_a_worker_that_overruns_is_a_timeout_and_logs_under_its_own_call_later() -> None:
    stream = io.StringIO()
    handler = logger.registered_handler
    previous = handler.stream  # type: ignore[attr-defined]
    handler.setStream(stream)  # type: ignore[attr-defined]
    release, logged = threading.Event(), threading.Event()
    provider_log = logging.getLogger("callrecap.adapters.llm.openai")

    def slow_engine(turns: Any, call_id: str = "", *, language: str = "") -> Any:
        release.wait(10)
        provider_log.warning("the model answered at last")  # after its invocation ended
        logged.set()
        return None

    try:
        with call_context("call-A"):
            attempt = run_on_worker(slow_engine, TURNS, "call-A", seconds=0.2)
        assert (attempt.result, attempt.reason) == (None, FailureReason.TIMEOUT)
        with call_context("call-B"):  # the next invocation, on the same container
            release.set()
            assert logged.wait(10)
            provider_log.warning("the next invocation's own line")
    finally:
        handler.setStream(previous)  # type: ignore[attr-defined]
    lines = [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]
    by_message = {line["message"]: line.get("callId") for line in lines}
    assert by_message["the model answered at last"] == "call-A"
    assert by_message["the next invocation's own line"] == "call-B"


def test_an_engine_that_raises_is_a_provider_error_inline_and_on_a_worker() -> None:
    def broken(turns: Any, call_id: str = "", *, language: str = "") -> Any:
        raise KeyError("choices")

    for time_box in (run_inline, run_on_worker):
        attempt = time_box(broken, TURNS, "call-C", seconds=5)
        assert attempt.reason is FailureReason.PROVIDER_ERROR and "KeyError" in attempt.error
        assert not attempt.succeeded
