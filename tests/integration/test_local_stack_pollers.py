"""The Kinesis poller behaves like an event source mapping with ReportBatchItemFailures."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from callrecap.contracts import Function
from callrecap_local.functions import LocalFunction
from callrecap_local.lambda_events import failed_sequence_numbers
from callrecap_local.pollers import DeadLetter, KinesisShardPoller, QueuePoller, Worker

STREAM = "inbound"


@pytest.fixture
def kinesis() -> Iterator[Any]:
    with mock_aws():
        client = boto3.client("kinesis", region_name="us-east-1")
        client.create_stream(StreamName=STREAM, ShardCount=1)
        yield client


def put(kinesis: Any, count: int) -> None:
    for n in range(count):
        kinesis.put_record(StreamName=STREAM, Data=json.dumps({"n": n}).encode(), PartitionKey="call")


class Recorder:
    """A fake ingest handler: records what each batch held; fails as told."""

    def __init__(self, fail: Any):
        self.batches: list[list[int]] = []
        self.fail = fail

    def __call__(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        assert context.function_name.endswith("ingest")
        numbers = [json.loads(base64.b64decode(r["kinesis"]["data"]))["n"] for r in event["Records"]]
        self.batches.append(numbers)
        return self.fail(event, numbers, len(self.batches))


def make_poller(kinesis: Any, handler: Recorder, dead: list[DeadLetter]) -> KinesisShardPoller:
    shard = kinesis.list_shards(StreamName=STREAM)["Shards"][0]["ShardId"]
    arn = kinesis.describe_stream_summary(StreamName=STREAM)["StreamDescriptionSummary"]["StreamARN"]
    return KinesisShardPoller(
        kinesis=kinesis,
        stream_name=STREAM,
        stream_arn=arn,
        shard_id=shard,
        function=LocalFunction(Function.INGEST, handler=handler),
        dead_letters=dead,
        batch_size=10,
        max_retries=2,
    )


def drain(poller: KinesisShardPoller, steps: int = 50) -> None:
    for _ in range(steps):
        if not poller.step():
            return
    raise AssertionError("poller did not drain")


def test_lambda_shaped_batch(kinesis: Any) -> None:
    put(kinesis, 2)
    seen: list[dict[str, Any]] = []

    def handler(event: dict[str, Any], context: Any) -> None:
        seen.append(event)

    poller = make_poller(kinesis, Recorder(lambda *_: None), [])
    poller.function = LocalFunction(Function.INGEST, handler=handler)
    drain(poller)
    record = seen[0]["Records"][0]
    assert record["eventSource"] == "aws:kinesis"
    assert record["eventSourceARN"].endswith(f":stream/{STREAM}")
    assert record["eventID"] == f"{poller.shard_id}:{record['kinesis']['sequenceNumber']}"
    assert record["kinesis"]["partitionKey"] == "call"
    assert json.loads(base64.b64decode(record["kinesis"]["data"])) == {"n": 0}


def test_partial_failure_retries_from_the_failed_record(kinesis: Any) -> None:
    put(kinesis, 5)

    def fail_third_once(event: dict[str, Any], numbers: list[int], call: int) -> dict[str, Any]:
        if call == 1:
            sequence = event["Records"][2]["kinesis"]["sequenceNumber"]
            return {"batchItemFailures": [{"itemIdentifier": sequence}]}
        return {"batchItemFailures": []}

    handler = Recorder(fail_third_once)
    dead: list[DeadLetter] = []
    drain(make_poller(kinesis, handler, dead))
    # Records before the failed one are checkpointed; the retry starts at the failed record.
    assert handler.batches == [[0, 1, 2, 3, 4], [2, 3, 4]]
    assert dead == []


def test_partial_failure_that_persists_goes_to_the_on_failure_destination(kinesis: Any) -> None:
    put(kinesis, 4)

    def always_fail_one(event: dict[str, Any], numbers: list[int], call: int) -> dict[str, Any]:
        failed = [r for r, n in zip(event["Records"], numbers, strict=True) if n == 1]
        return {"batchItemFailures": [{"itemIdentifier": r["kinesis"]["sequenceNumber"]} for r in failed]}

    handler = Recorder(always_fail_one)
    dead: list[DeadLetter] = []
    drain(make_poller(kinesis, handler, dead))
    assert [json.loads(p)["n"] for p in dead[0].payload] == [1]
    assert len(dead) == 1
    # 1 first try + 2 retries, then the rest of the batch goes on without the failed record.
    assert handler.batches == [[0, 1, 2, 3], [1, 2, 3], [1, 2, 3], [2, 3]]


def test_function_error_bisects_and_discards_only_the_poison_record(kinesis: Any) -> None:
    put(kinesis, 6)

    def raise_on_four(event: dict[str, Any], numbers: list[int], call: int) -> None:
        if 4 in numbers:
            raise RuntimeError("poison")

    handler = Recorder(raise_on_four)
    dead: list[DeadLetter] = []
    drain(make_poller(kinesis, handler, dead))
    assert [[json.loads(p)["n"] for p in d.payload] for d in dead] == [[4]]
    delivered = {n for batch in handler.batches for n in batch if 4 not in batch}
    assert delivered == {0, 1, 2, 3, 5}


def test_failed_sequence_numbers_follows_lambda_rules() -> None:
    assert failed_sequence_numbers(None) is None
    assert failed_sequence_numbers({"batchItemFailures": []}) is None
    assert failed_sequence_numbers({"batchItemFailures": [{"itemIdentifier": "7"}]}) == ["7"]
    assert failed_sequence_numbers({"batchItemFailures": [{"itemIdentifier": ""}]}) == []


def test_rule_target_poller_retries_then_the_dlq_gets_the_event() -> None:
    with mock_aws():
        sqs = boto3.client("sqs", region_name="us-east-1")
        dlq = sqs.create_queue(QueueName="target-dlq")["QueueUrl"]
        dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        queue = sqs.create_queue(
            QueueName="target",
            Attributes={
                "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "3"})
            },
        )["QueueUrl"]
        event = {"source": "callrecap", "detail-type": "CallEnded", "detail": {"callId": "c1"}}
        sqs.send_message(QueueUrl=queue, MessageBody=json.dumps(event))
        seen: list[dict[str, Any]] = []

        def failing(received: dict[str, Any], context: Any) -> None:
            seen.append(received)
            raise RuntimeError("summarizer down")

        poller = QueuePoller(
            sqs=sqs,
            queue_url=queue,
            function=LocalFunction(Function.SUMMARIZER, handler=failing),
            retry_delay_seconds=0,
            wait_seconds=0,
        )
        for _ in range(10):
            poller.step()
        assert seen == [event] * 3  # the EventBridge event itself, tried 3 times
        moved = sqs.receive_message(QueueUrl=dlq)["Messages"]
        assert [json.loads(m["Body"]) for m in moved] == [event]


def test_event_source_poller_hands_an_sqs_batch_and_honours_item_failures() -> None:
    """The final-summary queue: the summarizer consumes it like an SQS event source mapping."""
    with mock_aws():
        sqs = boto3.client("sqs", region_name="us-east-1")
        dlq = sqs.create_queue(QueueName="final-dlq")["QueueUrl"]
        dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        queue = sqs.create_queue(
            QueueName="final",
            Attributes={
                "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "2"})
            },
        )["QueueUrl"]
        event = {"source": "callrecap", "detail-type": "CallEnded", "detail": {"callId": "c1"}}
        sqs.send_message(QueueUrl=queue, MessageBody=json.dumps(event))
        seen: list[dict[str, Any]] = []

        def reports_failure(received: dict[str, Any], context: Any) -> dict[str, Any]:
            seen.append(received)
            (record,) = received["Records"]
            return {"batchItemFailures": [{"itemIdentifier": record["messageId"]}]}

        poller = QueuePoller(
            sqs=sqs,
            queue_url=queue,
            function=LocalFunction(Function.SUMMARIZER, handler=reports_failure),
            retry_delay_seconds=0,
            wait_seconds=0,
            sqs_source=True,
        )
        for _ in range(6):
            poller.step()
        assert len(seen) == 2 and poller.delivered == 0
        (record,) = seen[0]["Records"]
        assert record["eventSource"] == "aws:sqs"
        assert record["eventSourceARN"].endswith(":final")
        assert json.loads(record["body"]) == event
        moved = sqs.receive_message(QueueUrl=dlq)["Messages"]
        assert [json.loads(m["Body"]) for m in moved] == [event]


def test_local_call_ended_queue_mirrors_the_deployed_one() -> None:
    """Same contracts patterns, CallEnded delayed and consumed as an SQS source (moto honours
    DelaySeconds: the message is not visible before it)."""
    from callrecap import contracts
    from callrecap_local.resources import FINAL_SUMMARY_DELAY_SECONDS, create_resources

    with mock_aws():
        clients = lambda service: boto3.client(service, region_name="us-east-1")  # noqa: E731
        resources = create_resources(clients, "t", final_summary_delay_seconds=900)
        by_pattern = {json.dumps(t.pattern, sort_keys=True): t for t in resources.targets}
        final = by_pattern[json.dumps(contracts.call_ended_pattern(), sort_keys=True)]
        direct = by_pattern[json.dumps(contracts.summary_requested_pattern(), sort_keys=True)]
        assert final.function is direct.function is Function.SUMMARIZER
        assert final.sqs_source and not direct.sqs_source
        assert (final.delay_seconds, direct.delay_seconds) == (2, 0)  # the first look at an ended call
        assert 0 < FINAL_SUMMARY_DELAY_SECONDS < 10
        sqs, events = clients("sqs"), clients("events")
        events.put_events(
            Entries=[
                {
                    "Source": contracts.BUS_SOURCE,
                    "DetailType": contracts.BusEvent.CALL_ENDED.value,
                    "Detail": json.dumps({"callId": "c1"}),
                    "EventBusName": resources.bus_name,
                }
            ]
        )
        # Delivered to the delay queue only, and held there.
        attributes = sqs.get_queue_attributes(QueueUrl=final.queue_url, AttributeNames=["All"])["Attributes"]
        assert attributes["DelaySeconds"] == "2"
        assert attributes["ApproximateNumberOfMessagesDelayed"] == "1"
        assert sqs.receive_message(QueueUrl=final.queue_url).get("Messages", []) == []
        assert sqs.receive_message(QueueUrl=direct.queue_url).get("Messages", []) == []


def test_a_poller_survives_exceptions() -> None:
    class Flaky(Worker):
        idle_seconds = 0.01

        def __init__(self) -> None:
            super().__init__("flaky")
            self.calls = 0

        def step(self) -> bool:
            self.calls += 1
            if self.calls < 3:
                raise RuntimeError("boom")
            self.stop()
            return True

    worker = Flaky()
    worker.start()
    worker.join(timeout=10)
    assert worker.calls == 3
