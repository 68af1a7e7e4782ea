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
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from callrecap.adapters.llm.retry import RetryPolicy
from callrecap.settings import EnvVar
from callrecap_local.stack import LocalPipeline
from tests.helpers.sections import complete

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
        model = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with model.lock:
                    status = 429 if sum(model.answers.values()) < model.throttled else 200
                    model.answers[status] += 1
                if status == 429:
                    body = json.dumps({"error": {"message": "Rate limit reached"}}).encode()
                else:
                    choice = {"message": {"content": json.dumps(SECTIONS)}, "finish_reason": "stop"}
                    body = json.dumps({"choices": [choice]}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"


def test_a_throttled_final_waits_in_its_version_and_is_written_on_the_next_try() -> None:
    attempts = RetryPolicy().attempts  # the provider's own retries, all throttled in the first run
    model = ThrottledThenFine(throttled=attempts)
    threading.Thread(target=model.httpd.serve_forever, daemon=True).start()
    settings = {
        EnvVar.LLM_PROVIDER.value: "openai",
        EnvVar.OPENAI_BASE_URL.value: model.url,
        EnvVar.OPENAI_MODEL.value: "busy",
    }
    try:
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
    finally:
        model.httpd.shutdown()
        model.httpd.server_close()
