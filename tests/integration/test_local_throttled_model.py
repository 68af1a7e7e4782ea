"""A throttled model through the whole local stack (issue 12, the governor): the `openai` provider's
server (a loopback stand-in) answers 429 to every attempt of the first run, with no fallback. The
final is not failed: its version waits PENDING ("the model is throttled: trying again at ...")
while the real SQS queue holds the put-back request, and the next try writes the summary in that
same version: one COMPLETED final, no SummaryFailed, one CRM delivery."""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from callrecap.adapters.http_retry import RetryPolicy
from callrecap.settings import EnvVar
from callrecap_local.stack import LocalPipeline
from tests.helpers.sections import complete
from tests.helpers.standin import Reply, Request, answering, chat_error, chat_reply

pytestmark = pytest.mark.slow

SAMPLE = Path(__file__).resolve().parents[2] / "samples" / "order_status.jsonl"
SECTIONS = complete(
    {
        "summary": "The caller asked where the order is; the agent gave the delivery date.",
        "topic": "Order status",
        "action_items": [],
        "resolved": "yes",
        "customer_sentiment": "neutral",
    }
)


class ThrottledThenFine:
    """429 to the first `throttled` requests (one run's every attempt), then the sections."""

    def __init__(self, throttled: int) -> None:
        self.throttled = throttled
        self.answers: Counter[int] = Counter()
        self.lock = threading.Lock()

    def __call__(self, request: Request) -> Reply:
        with self.lock:
            status = 429 if sum(self.answers.values()) < self.throttled else 200
            self.answers[status] += 1
        return chat_error(429, "Rate limit reached") if status == 429 else chat_reply(json.dumps(SECTIONS))


def test_a_throttled_final_waits_in_its_version_and_is_written_on_the_next_try() -> None:
    attempts = RetryPolicy().attempts  # the provider's own retries, all throttled in the first run
    model = ThrottledThenFine(throttled=attempts)
    with answering(model) as server:
        settings = {
            EnvVar.LLM_PROVIDER.value: "openai",
            EnvVar.OPENAI_BASE_URL.value: f"{server.url}/v1",
            EnvVar.OPENAI_MODEL.value: "busy",
            EnvVar.LLM_FALLBACK.value: "",  # the throttled path itself, not the default fallback
        }
        with LocalPipeline(port=0, serve_http=False, sweeper_interval=0, settings_env=settings) as stack:
            replay = stack.replay(SAMPLE, speed=40, fresh_id=True)
            call_id = replay.recording.call_id
            waiting: list[dict[str, Any]] = []
            deadline = time.monotonic() + 120
            while not waiting and time.monotonic() < deadline:
                summaries = stack.outcome(call_id).summaries
                waiting = [s for s in summaries if "throttled" in str(s.get("error", ""))]
                time.sleep(0.1)
            assert waiting and waiting[0]["status"] == "PENDING", stack.outcome(call_id).summaries
            status, outcome = stack.wait_for(call_id, timeout=120)
            assert status == "COMPLETED", outcome
            finals = [s for s in outcome.summaries if s["kind"] == "final"]
            assert [(s["version"], s["status"]) for s in finals] == [(waiting[0]["version"], "COMPLETED")]
            assert not finals[0].get("error") and finals[0]["provider"] == "openai"
            assert [int(d["version"]) for d in outcome.deliveries] == [int(finals[0]["version"])]
            assert model.answers[429] == attempts and model.answers[200] >= 1
