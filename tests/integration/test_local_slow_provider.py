"""A slow model reproduced on the local stack: the real summarizer, the `openai` provider pointed at
a loopback server that answers late, and the summarizer's timeout enforced as Lambda would
(callrecap_local/functions.py). The run gives up before its deadline and stores the version
FAILED (TIMEOUT, retryable), never PENDING; once the model answers in time, the sweeper's retry
gives the call its final summary (issue 12)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from callrecap.contracts import Function
from callrecap.settings import EnvVar
from callrecap_local.stack import LocalPipeline
from tests.helpers.sections import complete

pytestmark = pytest.mark.slow

TIMEOUT_S = 8.0  # generous: under a loaded machine the run's own DynamoDB calls take seconds


class SlowModel:
    """An OpenAI-compatible chat endpoint that waits `delay` seconds before answering."""

    def __init__(self) -> None:
        self.delay = 120.0
        self.requests = 0
        self.released = threading.Event()
        model = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                model.requests += 1
                if model.delay:
                    model.released.wait(model.delay)
                content = json.dumps(
                    complete(
                        {
                            "summary": "The caller asked about an order.",
                            "topic": "Order check",
                            "action_items": [],
                            "resolved": "yes",
                            "customer_sentiment": "neutral",
                        }
                    )
                )
                body = json.dumps(
                    {
                        "choices": [{"message": {"content": content}, "finish_reason": "stop"}],
                        "usage": {"prompt_tokens": 50, "completion_tokens": 20},
                    }
                ).encode()
                try:
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:
                    pass  # the caller gave up

            def log_message(self, *_: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"


@pytest.fixture
def slow_model() -> Iterator[SlowModel]:
    model = SlowModel()
    thread = threading.Thread(target=model.httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield model
    finally:
        model.released.set()
        model.httpd.shutdown()
        model.httpd.server_close()


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def start_slow_call(stack: LocalPipeline, call_id: str) -> None:
    stack.put_kinesis_record({"EventType": "START", "CallId": call_id, "CreatedAt": now()}, call_id)
    segment = {
        "EventType": "ADD_TRANSCRIPT_SEGMENT",
        "CallId": call_id,
        "Channel": "CALLER",
        "SegmentId": "s1",
        "StartTime": 1.0,
        "EndTime": 4.0,
        "Transcript": "I would like to check on my order please",
        "IsPartial": False,
        "CreatedAt": now(),
    }
    stack.put_kinesis_record(segment, call_id)
    stack.put_kinesis_record({"EventType": "END", "CallId": call_id, "CreatedAt": now()}, call_id)


def slow_stack(model: SlowModel) -> LocalPipeline:
    settings = {
        EnvVar.LLM_PROVIDER.value: "openai",
        EnvVar.OPENAI_BASE_URL.value: model.url,
        EnvVar.OPENAI_MODEL.value: "local-model",
        EnvVar.LLM_FALLBACK.value: "",  # the timeout path itself, not the default fallback
    }
    return LocalPipeline(
        port=0,
        serve_http=False,
        sweeper_interval=0,
        final_summary_delay=0,
        settings_env=settings,
        function_timeouts={Function.SUMMARIZER: TIMEOUT_S},
    )


def wait_until(condition: Any, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def summaries_of(stack: LocalPipeline, call_id: str) -> list[dict[str, Any]]:
    return list(stack.outcome(call_id).summaries)


def test_a_slow_model_fails_the_version_before_the_deadline_then_a_retry_completes(
    slow_model: SlowModel,
) -> None:
    from callrecap_local.lambda_events import scheduled_event

    with slow_stack(slow_model) as stack:
        start_slow_call(stack, "slow-then-fast")
        summarizer = stack.functions[Function.SUMMARIZER]

        def failed() -> bool:
            found = summaries_of(stack, "slow-then-fast")
            return bool(found) and found[-1]["status"] == "FAILED"

        assert wait_until(failed, 60), summaries_of(stack, "slow-then-fast")
        (version,) = summaries_of(stack, "slow-then-fast")
        assert (version["failureReason"], version["retryable"]) == ("TIMEOUT", True)
        assert slow_model.requests == 1
        assert summarizer.timeouts == 0  # it gave up before Lambda would have stopped it
        # The model recovers (the abandoned request stays unanswered); the sweeper retries the
        # retryable FAILED final, and the call gets it. No PENDING version is ever left behind.
        slow_model.delay = 0.0
        assert stack.resources is not None
        stack.functions[Function.SWEEPER].invoke(
            scheduled_event(stack.resources.sweeper_rule_arn, stack.region)
        )

        def completed() -> bool:
            return stack.outcome("slow-then-fast").summary_status == "COMPLETED"

        assert wait_until(completed, 30), stack.outcome("slow-then-fast")
        statuses = [s["status"] for s in stack.outcome("slow-then-fast").summaries]
        assert sorted(statuses) == ["COMPLETED", "FAILED"]
        assert slow_model.requests == 2
