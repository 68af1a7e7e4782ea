"""A burst of late segments on a summarized call, through the local stack: each batch that stores
one asks for a stale final, the requests wait in the final-summary queue and are put back while
the transcript is still moving; the first that finds it quiet writes the new final and the others
find it up to date: one new final and one CRM delivery for the burst, not one per batch."""

from __future__ import annotations

import time
from typing import Any

import pytest

from callrecap_local.lca_events import lca_call_event, lca_segment
from callrecap_local.stack import LocalPipeline

pytestmark = pytest.mark.slow

CALL = "late-burst"


def segment(n: int, text: str) -> dict[str, Any]:
    return lca_segment(CALL, f"seg-{n}", 1.0 + 4 * n, 4.0 + 4 * n, text, agent=n % 2 == 0)


def finals(stack: LocalPipeline) -> list[dict[str, Any]]:
    return [s for s in stack.outcome(CALL).summaries if s["kind"] == "final"]


def wait_until(condition: Any, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def test_a_burst_of_late_segments_makes_one_new_final() -> None:
    with LocalPipeline(port=0, serve_http=False, sweeper_interval=0) as stack:
        stack.put_kinesis_record(lca_call_event("START", CALL), CALL)
        stack.put_kinesis_record(segment(0, "Hello, I am calling about my invoice."), CALL)
        stack.put_kinesis_record(segment(1, "It shows a charge I do not recognise."), CALL)
        stack.put_kinesis_record(lca_call_event("END", CALL), CALL)
        status, _ = stack.wait_for(CALL, timeout=60)
        assert status == "COMPLETED"
        assert len(finals(stack)) == 1

        # Three late segments 0.6 s apart (a burst: each gap well inside the 1.5 s quiet window
        # even on a busy machine), in one or more Kinesis batches.
        for n, text in enumerate(("Sorry, one more thing.", "The charge is from May.", "Thanks."), start=2):
            stack.put_kinesis_record(segment(n, text), CALL)
            time.sleep(0.6)

        def refreshed() -> bool:  # a COMPLETED final covers the whole transcript, late segments too
            outcome = stack.outcome(CALL)
            return outcome.segments == 5 and any(
                s["status"] == "COMPLETED"
                and int(s["version"]) > 1
                and int(s["transcriptRevision"]) == outcome.transcript_revision
                for s in finals(stack)
            )

        assert wait_until(refreshed, 30), [
            (f["version"], f["status"], f["transcriptRevision"]) for f in finals(stack)
        ]
        # Every put-back and stale request has run its course (queues empty, nothing running):
        # whatever else the burst caused would be in the versions now.
        assert wait_until(stack.drained, 30)
        versions = finals(stack)
        assert [s["status"] for s in versions] == ["STALE", "COMPLETED"], versions
        deliveries = stack.outcome(CALL).deliveries
        assert len(deliveries) == 2  # the first final and the one new final: not one per batch
