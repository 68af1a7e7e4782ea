"""The local functions refuse payloads Lambda would refuse: 1 MB asynchronous (rule targets,
schedules), 6 MB synchronous request and response; the Kinesis poller, like the event source
mapping, sends a batch early rather than one over 6 MB."""

from __future__ import annotations

import base64
import json
from typing import Any

import boto3
import pytest
from moto import mock_aws

from callrecap.contracts import LAMBDA_ASYNC_PAYLOAD_LIMIT_BYTES, LAMBDA_SYNC_PAYLOAD_LIMIT_BYTES, Function
from callrecap_local.functions import LocalFunction, PayloadTooLarge, payload_size
from callrecap_local.pollers import KinesisShardPoller, QueuePoller


def event_of(size: int) -> dict[str, Any]:
    """An event whose compact JSON is exactly `size` bytes."""
    event = {"detail": ""}
    event["detail"] = "x" * (size - payload_size(event))
    assert payload_size(event) == size
    return event


def counting_function(function: Function = Function.CRM_HOOK_EXAMPLE) -> tuple[LocalFunction, list[int]]:
    runs: list[int] = []

    def handler(event: Any, context: Any) -> None:
        runs.append(payload_size(event))

    return LocalFunction(function, handler=handler, timeout_seconds=5), runs


def test_an_asynchronous_payload_over_1_mb_is_refused_before_the_handler_runs() -> None:
    function, runs = counting_function()
    function.invoke(event_of(LAMBDA_ASYNC_PAYLOAD_LIMIT_BYTES), asynchronous=True)
    with pytest.raises(PayloadTooLarge, match="RequestTooLargeException"):
        function.invoke(event_of(LAMBDA_ASYNC_PAYLOAD_LIMIT_BYTES + 1), asynchronous=True)
    assert runs == [LAMBDA_ASYNC_PAYLOAD_LIMIT_BYTES]
    assert function.invocations == 1


def test_a_synchronous_payload_may_be_larger_but_not_over_6_mb() -> None:
    function, runs = counting_function(Function.API)
    function.invoke(event_of(2 * LAMBDA_ASYNC_PAYLOAD_LIMIT_BYTES))
    with pytest.raises(PayloadTooLarge):
        function.invoke(event_of(LAMBDA_SYNC_PAYLOAD_LIMIT_BYTES + 1))
    assert runs == [2 * LAMBDA_ASYNC_PAYLOAD_LIMIT_BYTES]


def test_a_synchronous_response_over_6_mb_fails_the_invoke() -> None:
    def handler(event: Any, context: Any) -> dict[str, Any]:
        return {"statusCode": 200, "body": "y" * LAMBDA_SYNC_PAYLOAD_LIMIT_BYTES}

    function = LocalFunction(Function.API, handler=handler, timeout_seconds=5)
    with pytest.raises(PayloadTooLarge, match="response"):
        function.invoke({})
    assert function.errors == 1


def test_rule_targets_are_invoked_asynchronously() -> None:
    with mock_aws():
        sqs = boto3.client("sqs", region_name="us-east-1")
        queue = sqs.create_queue(QueueName="target")["QueueUrl"]
        sqs.send_message(QueueUrl=queue, MessageBody=json.dumps({"detail-type": "CallSummarized"}))
        seen: list[bool] = []

        class Recording(LocalFunction):
            def invoke(self, event: Any, *, asynchronous: bool = False) -> Any:
                seen.append(asynchronous)
                return None

        poller = QueuePoller(
            sqs=sqs, queue_url=queue, function=Recording(Function.CRM_HOOK_EXAMPLE), wait_seconds=0
        )
        assert poller.step()
        assert seen == [True]


def test_the_kinesis_poller_splits_a_batch_that_would_pass_6_mb() -> None:
    record_bytes = 900 * 1024  # base64 makes each about 1.2 MB in the event: 10 would be 12 MB
    with mock_aws():
        kinesis = boto3.client("kinesis", region_name="us-east-1")
        kinesis.create_stream(StreamName="big", ShardCount=1)
        for n in range(10):
            data = json.dumps({"n": n, "pad": "z" * record_bytes}).encode()
            kinesis.put_record(StreamName="big", Data=data, PartitionKey="call")
        batches: list[list[int]] = []

        def handler(event: dict[str, Any], context: Any) -> None:
            assert payload_size(event) <= LAMBDA_SYNC_PAYLOAD_LIMIT_BYTES
            records = event["Records"]
            batches.append([json.loads(base64.b64decode(r["kinesis"]["data"]))["n"] for r in records])

        summary = kinesis.describe_stream_summary(StreamName="big")["StreamDescriptionSummary"]
        shard = kinesis.list_shards(StreamName="big")["Shards"][0]["ShardId"]
        poller = KinesisShardPoller(
            kinesis=kinesis,
            stream_name="big",
            stream_arn=summary["StreamARN"],
            shard_id=shard,
            function=LocalFunction(Function.INGEST, handler=handler, timeout_seconds=30),
            dead_letters=[],
            batch_size=10,
        )
        for _ in range(20):
            if not poller.step() and not poller.buffer:
                break
        assert [n for batch in batches for n in batch] == list(range(10))
        assert [len(batch) for batch in batches] == [5, 5]  # as many as fit under 6 MB
