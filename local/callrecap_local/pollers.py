"""Threads that stand in for the AWS event plumbing between the services and the functions.

- `KinesisShardPoller`: one per shard, like a Kinesis event source mapping (ParallelizationFactor 1):
  GetRecords, gather a batch (batch size, batching window), invoke with a Lambda-shaped batch,
  honour `batchItemFailures` (checkpoint before the lowest failed record and retry from it),
  bisect the batch on a function error, bounded retries, then the on-failure destination (here:
  `dead_letters`).
- `QueuePoller`: one per EventBridge rule target. moto delivers matched events to an SQS queue; the
  poller invokes the function with the message body, which is the EventBridge event itself, and
  deletes it on success. A failure makes the message visible again soon; after
  `resources.TARGET_MAX_RECEIVES` receives SQS moves it to the target's DLQ (async-invoke retries).
  For a queue the function consumes in AWS too (the final-summary delay queue, `sqs_source`), it
  acts as the SQS event source mapping instead: an SQS event of one record, `batchItemFailures`
  honoured. moto honours the queue's DelaySeconds, so the delay itself needs no poller code.
- `Timer`: a schedule rule (the sweeper).

A poller never dies of an exception: it logs it and carries on, so one bad record or handler bug
cannot stop the stack.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from callrecap.contracts import LAMBDA_SYNC_PAYLOAD_LIMIT_BYTES
from callrecap_local.functions import LocalFunction, payload_size
from callrecap_local.lambda_events import (
    KinesisRecord,
    failed_sequence_numbers,
    kinesis_batch_event,
    scheduled_event,
    sqs_batch_event,
)

log = logging.getLogger("callrecap_local")


@dataclass(frozen=True)
class DeadLetter:
    """What an on-failure destination would receive: where it came from, why, and the payload."""

    source: str
    reason: str
    payload: Any


class Worker(threading.Thread):
    """A daemon loop calling `step()` until stopped; exceptions are logged, never fatal."""

    idle_seconds = 0.2

    def __init__(self, name: str):
        super().__init__(name=name, daemon=True)
        self.stopping = threading.Event()
        self.busy = False

    def step(self) -> bool:
        """Do one unit of work; return False when there was nothing to do (the loop then idles)."""
        raise NotImplementedError

    def run(self) -> None:
        while not self.stopping.is_set():
            try:
                worked = self.step()
            except Exception:
                log.exception("%s: unexpected error (the poller keeps running)", self.name)
                worked = False
            if not worked:
                self.stopping.wait(self.idle_seconds)

    def stop(self) -> None:
        self.stopping.set()


class KinesisShardPoller(Worker):
    def __init__(
        self,
        *,
        kinesis: Any,
        stream_name: str,
        stream_arn: str,
        shard_id: str,
        function: LocalFunction,
        dead_letters: list[DeadLetter],
        batch_size: int = 100,
        batch_window_seconds: float = 0.0,
        max_retries: int = 3,
        region: str = "us-east-1",
    ):
        super().__init__(name=f"kinesis-{shard_id}")
        self.batch_window_seconds = batch_window_seconds
        self.window_started: float | None = None
        self.caught_up_at = 0.0
        """Start (monotonic) of the latest GetRecords that found nothing left to deliver: every
        record put before that moment has been handed to the function."""
        self.kinesis = kinesis
        self.stream_arn = stream_arn
        self.shard_id = shard_id
        self.function = function
        self.dead_letters = dead_letters
        self.batch_size = batch_size
        self.max_retries = max_retries
        self.region = region
        self.buffer: list[KinesisRecord] = []
        self.attempts: dict[str, int] = {}  # sequence number -> failed attempts of the batch it heads
        self.batch_limit = batch_size
        self.delivered = 0
        self.iterator: str | None = kinesis.get_shard_iterator(
            StreamName=stream_name, ShardId=shard_id, ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]

    def fetch(self) -> None:
        if self.iterator is None or len(self.buffer) >= self.batch_size:
            return
        started = time.monotonic()
        response = self.kinesis.get_records(ShardIterator=self.iterator, Limit=self.batch_size)
        self.iterator = response.get("NextShardIterator")
        if not response["Records"] and not self.buffer and not self.busy:
            self.caught_up_at = started
        for record in response["Records"]:
            arrival = record.get("ApproximateArrivalTimestamp")
            self.buffer.append(
                KinesisRecord(
                    shard_id=self.shard_id,
                    sequence_number=record["SequenceNumber"],
                    partition_key=record["PartitionKey"],
                    data=record["Data"],
                    arrival=arrival.timestamp() if arrival is not None else time.time(),
                )
            )

    def step(self) -> bool:
        self.fetch()
        if not self.buffer:
            self.window_started = None
            return False
        if self.window_started is None:
            self.window_started = time.monotonic()
        # MaximumBatchingWindowInSeconds: wait for a fuller batch, at most the window.
        window_open = time.monotonic() - self.window_started < self.batch_window_seconds
        if window_open and len(self.buffer) < self.batch_size and not self.attempts:
            return False
        self.busy = True
        try:
            self.deliver(self.buffer[: self.batch_limit])
        finally:
            self.busy = False
        return True

    def deliver(self, batch: list[KinesisRecord]) -> None:
        event = kinesis_batch_event(batch, stream_arn=self.stream_arn, region=self.region)
        while len(batch) > 1 and payload_size(event) > LAMBDA_SYNC_PAYLOAD_LIMIT_BYTES:
            # The event source mapping sends a batch early rather than one over 6 MB.
            batch = batch[:-1]
            event = kinesis_batch_event(batch, stream_arn=self.stream_arn, region=self.region)
        try:
            response = self.function.invoke(event)
        except Exception as error:  # noqa: BLE001 (a failed invoke: Lambda retries the batch)
            log.warning("ingest failed on a batch of %d from %s: %r", len(batch), self.shard_id, error)
            self.retry_or_discard(batch, f"function error: {error!r}")
            return
        failed = failed_sequence_numbers(response)
        if failed is None:
            self.checkpoint(len(batch))
            return
        failed_set = set(failed)
        first_failed = next((i for i, r in enumerate(batch) if r.sequence_number in failed_set), None)
        if first_failed is None:
            # Identifiers that are not in the batch make Lambda treat the whole batch as failed.
            self.retry_or_discard(batch, f"unknown batchItemFailures {failed}")
            return
        # Lambda checkpoints before the lowest failed record and retries from it.
        self.checkpoint(first_failed)
        self.retry_or_discard(batch[first_failed:], "partial batch failure", bisect=False)

    def checkpoint(self, count: int) -> None:
        for record in self.buffer[:count]:
            self.attempts.pop(record.sequence_number, None)
        del self.buffer[:count]
        self.delivered += count
        self.batch_limit = self.batch_size
        self.window_started = None

    def retry_or_discard(self, batch: list[KinesisRecord], reason: str, *, bisect: bool = True) -> None:
        if bisect and len(batch) > 1:
            # BisectBatchOnFunctionError: retry halves (not counted as retries) so a poison
            # record ends up alone and only it is discarded.
            self.batch_limit = max(1, len(batch) // 2)
            return
        head = batch[0].sequence_number
        attempts = self.attempts.get(head, 0) + 1
        self.attempts[head] = attempts
        if attempts > self.max_retries:
            discarded = batch if bisect else batch[:1]
            log.error(
                "discarding %d record(s) from %s after %d attempts (%s) -> on-failure destination",
                len(discarded),
                self.shard_id,
                attempts,
                reason,
            )
            self.dead_letters.append(
                DeadLetter(
                    source=f"kinesis:{self.shard_id}",
                    reason=reason,
                    payload=[r.data.decode("utf-8", "replace") for r in discarded],
                )
            )
            self.checkpoint(len(discarded))
            return
        self.stopping.wait(min(0.05 * attempts, 0.5))


class QueuePoller(Worker):
    def __init__(
        self,
        *,
        sqs: Any,
        queue_url: str,
        function: LocalFunction,
        retry_delay_seconds: int = 1,
        wait_seconds: int = 1,
        sqs_source: bool = False,
        region: str = "us-east-1",
    ):
        """`sqs_source`: act as an SQS event source mapping (batch size 1, ReportBatchItemFailures)
        handing the function an SQS event, instead of as a rule target handing it the body."""
        super().__init__(name=f"queue-{queue_url.rsplit('/', 1)[-1]}")
        self.sqs = sqs
        self.queue_url = queue_url
        self.function = function
        self.retry_delay_seconds = retry_delay_seconds
        self.wait_seconds = wait_seconds
        self.sqs_source = sqs_source
        self.region = region
        self.queue_arn = (
            sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"][
                "QueueArn"
            ]
            if sqs_source
            else ""
        )
        self.delivered = 0
        self.idle_seconds = 0.05

    def step(self) -> bool:
        response = self.sqs.receive_message(
            QueueUrl=self.queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=self.wait_seconds
        )
        messages = response.get("Messages", [])
        if not messages:
            return False
        self.busy = True
        try:
            for message in messages:
                self.handle(message)
        finally:
            self.busy = False
        return True

    def handle(self, message: dict[str, Any]) -> None:
        try:
            if self.sqs_source:
                event = sqs_batch_event([message], queue_arn=self.queue_arn, region=self.region)
                if failed_sequence_numbers(self.function.invoke(event)) is not None:
                    raise RuntimeError(f"batch item failure for message {message['MessageId']}")
            else:
                # A rule target: EventBridge invokes it asynchronously (1 MB payload limit).
                self.function.invoke(json.loads(message["Body"]), asynchronous=True)
        except Exception:
            log.exception("%s failed on an event; it will be retried", self.function.name)
            self.sqs.change_message_visibility(
                QueueUrl=self.queue_url,
                ReceiptHandle=message["ReceiptHandle"],
                VisibilityTimeout=self.retry_delay_seconds,
            )
            return
        self.sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"])
        self.delivered += 1


class Timer(Worker):
    """A `rate(...)` schedule rule invoking a function with a Scheduled Event."""

    def __init__(self, *, function: LocalFunction, interval_seconds: float, rule_arn: str, region: str):
        super().__init__(name=f"timer-{function.function.value}")
        self.function = function
        self.rule_arn = rule_arn
        self.region = region
        self.idle_seconds = interval_seconds
        self.on_tick: Callable[[], None] | None = None

    def step(self) -> bool:
        if self.stopping.wait(self.idle_seconds):
            return True
        try:
            self.function.invoke(scheduled_event(self.rule_arn, self.region), asynchronous=True)
        except Exception:
            log.exception("%s failed on its schedule", self.function.name)
        return True
