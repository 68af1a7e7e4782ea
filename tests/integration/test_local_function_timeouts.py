"""The local runner enforces each function's deployed timeout (contracts.FUNCTION_TIMEOUT_SECONDS):
the context counts down, and a run past the timeout fails the invoke the way Lambda's does, so
the event source retries it and, in the end, parks it."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import boto3
import pytest
from moto import mock_aws

from callrecap.contracts import FUNCTION_TIMEOUT_SECONDS, Function
from callrecap_local.functions import FunctionTimedOut, LocalFunction
from callrecap_local.pollers import QueuePoller


def test_the_deployed_timeout_is_the_default() -> None:
    for function in Function:
        assert (
            LocalFunction(function, handler=lambda e, c: None).timeout_seconds
            == FUNCTION_TIMEOUT_SECONDS[function]
        )


def test_the_context_counts_down_from_the_timeout() -> None:
    readings: list[int] = []

    def handler(event: Any, context: Any) -> str:
        readings.append(context.get_remaining_time_in_millis())
        time.sleep(0.2)
        readings.append(context.get_remaining_time_in_millis())
        return "done"

    function = LocalFunction(Function.SUMMARIZER, handler=handler, timeout_seconds=5)
    assert function.invoke({}) == "done"
    assert 4_000 < readings[0] <= 5_000
    assert readings[1] <= readings[0] - 150


def test_a_run_past_its_timeout_fails_like_lambda_and_the_next_invoke_runs() -> None:
    release = threading.Event()
    calls: list[str] = []

    def handler(event: Any, context: Any) -> str:
        calls.append(event["n"])
        if event["n"] == "slow":
            release.wait(5)  # a provider that does not answer in time
        return event["n"]

    function = LocalFunction(Function.SUMMARIZER, handler=handler, timeout_seconds=0.3)
    with pytest.raises(FunctionTimedOut, match=r"summarizer: Task timed out after 0\.30 seconds"):
        function.invoke({"n": "slow"})
    assert (function.invocations, function.errors, function.timeouts) == (1, 1, 1)
    assert function.invoke({"n": "fast"}) == "fast"  # a fresh container answers the next event
    release.set()
    assert calls == ["slow", "fast"]


def test_an_error_raised_in_the_handler_still_reach_the_caller() -> None:
    def handler(event: Any, context: Any) -> None:
        raise ValueError("bad event")

    function = LocalFunction(Function.INGEST, handler=handler, timeout_seconds=2)
    with pytest.raises(ValueError, match="bad event"):
        function.invoke({})
    assert (function.errors, function.timeouts) == (1, 0)


def test_a_timed_out_summarizer_is_retried_by_its_queue_then_parked() -> None:
    with mock_aws():
        sqs = boto3.client("sqs", region_name="us-east-1")
        dlq = sqs.create_queue(QueueName="slow-dlq")["QueueUrl"]
        dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        redrive = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "2"})
        queue = sqs.create_queue(QueueName="slow", Attributes={"RedrivePolicy": redrive})["QueueUrl"]
        event = {"source": "callrecap", "detail-type": "CallEnded", "detail": {"callId": "c1"}}
        sqs.send_message(QueueUrl=queue, MessageBody=json.dumps(event))
        release = threading.Event()

        def slow(received: Any, context: Any) -> None:
            release.wait(5)

        function = LocalFunction(Function.SUMMARIZER, handler=slow, timeout_seconds=0.2)
        poller = QueuePoller(
            sqs=sqs, queue_url=queue, function=function, retry_delay_seconds=0, wait_seconds=0
        )
        for _ in range(6):
            poller.step()
        release.set()
        assert function.timeouts == 2
        moved = sqs.receive_message(QueueUrl=dlq)["Messages"]
        assert [json.loads(m["Body"]) for m in moved] == [event]
