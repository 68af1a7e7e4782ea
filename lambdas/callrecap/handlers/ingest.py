"""Kinesis ingest: inbound records → transcript segments and call lifecycle in DynamoDB.

One invocation handles a whole Kinesis batch in three steps, so that segments are written with
one batched store call and a CallEnded never overtakes the transcript it ends:

1. parse every record; a malformed one is quarantined (SQS) and reported as processed;
2. apply call details, categories and starts, then write all segments at once;
3. apply ends, except for calls whose segments could not all be written in this batch.

Every record whose part failed (a segment not written, a start/end not published, a quarantine
not reachable) is reported in the partial batch response through Powertools' BatchProcessor,
so Kinesis retries it and nothing is dropped.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.kinesis_stream_event import KinesisStreamRecord

from callrecap.contracts import METRICS_NAMESPACE, BusEvent
from callrecap.domain.call_lifecycle import (
    LifecycleStore,
    announce_end,
    announce_start,
    final_summary_is_stale,
    stale_summary_request,
)
from callrecap.domain.inbound import (
    DEFAULT_CHANNEL_ROLES,
    ChannelRoles,
    MalformedRecord,
    channel_roles_with_agent_on,
    decode_kinesis_data,
    parse_kinesis_record,
)
from callrecap.domain.models import (
    CallDetailsObserved,
    CallEndObserved,
    CallStartObserved,
    CategoryMatched,
    Observation,
    Segment,
)
from callrecap.domain.ports import EventPublisher, SegmentWriteResult
from callrecap.handlers._container import Lazy
from callrecap.settings import EnvVar, Settings

logger = Logger()
metrics = Metrics(namespace=METRICS_NAMESPACE)

SEGMENTS_STORED = "SegmentsStored"
DUPLICATES_IGNORED = "DuplicatesIgnored"
RECORDS_QUARANTINED = "RecordsQuarantined"


class IngestStore(LifecycleStore, Protocol):
    def put_segments(self, segments: Sequence[Segment]) -> SegmentWriteResult: ...

    def update_details(self, details: Any, at: str) -> None: ...

    def add_categories(self, call_id: str, categories: Sequence[str], at: str) -> None: ...


class Quarantine(Protocol):
    def put(self, record: Any) -> None: ...


@dataclass
class IngestDependencies:
    store: IngestStore
    publisher: EventPublisher
    quarantine: Quarantine
    channel_roles: ChannelRoles = field(default_factory=lambda: DEFAULT_CHANNEL_ROLES)
    """Speakers of plain Transcribe channels (settings.EnvVar.AGENT_CHANNEL)."""


def build_dependencies() -> IngestDependencies:
    """Validate settings and build adapters (once per container; clients are created lazily)."""
    settings = Settings.from_env(
        require=(EnvVar.TABLE_NAME, EnvVar.EVENT_BUS_NAME, EnvVar.QUARANTINE_QUEUE_URL)
    )
    from callrecap.adapters.dynamo.transcripts import DynamoTranscriptStore
    from callrecap.adapters.event_bus import EventBridgePublisher
    from callrecap.adapters.quarantine import SqsQuarantine

    return IngestDependencies(
        store=DynamoTranscriptStore(settings.table_name, ttl_days=settings.ttl_days),
        publisher=EventBridgePublisher(settings.event_bus_name),
        quarantine=SqsQuarantine(settings.quarantine_queue_url),
        channel_roles=channel_roles_with_agent_on(settings.agent_channel.value),
    )


_dependencies: Lazy[IngestDependencies] = Lazy(lambda: build_dependencies())


def dependencies() -> IngestDependencies:
    return _dependencies.get()


def set_dependencies(deps: IngestDependencies | None) -> None:
    """Inject dependencies (tests, local stack); None rebuilds from the environment next time."""
    _dependencies.set(deps)


CallEvent = CallStartObserved | CallEndObserved | CallDetailsObserved | CategoryMatched


class RecordNotStored(Exception):
    """Marks a record for retry in the partial batch response."""


@contextmanager
def _call_context(call_id: str) -> Iterator[None]:
    logger.append_keys(callId=call_id)
    try:
        yield
    finally:
        logger.remove_keys(["callId"])


@dataclass
class BatchOutcome:
    failed: dict[str, str] = field(default_factory=dict)
    """sequence number → why it must be retried"""
    quarantined: int = 0
    stored: int = 0
    ignored: int = 0


class IngestBatch:
    """The three steps of one Kinesis batch (see the module docstring)."""

    def __init__(self, deps: IngestDependencies) -> None:
        self.deps = deps
        self.outcome = BatchOutcome()

    def fail(self, sequence_number: str, reason: str) -> None:
        self.outcome.failed.setdefault(sequence_number, reason)

    def run(self, records: Sequence[KinesisStreamRecord]) -> BatchOutcome:
        parsed: list[tuple[str, Observation]] = []
        for record in records:
            observations = self._parse(record)
            parsed.extend((record.kinesis.sequence_number, o) for o in observations)

        for seq, observation in parsed:
            if isinstance(observation, CallStartObserved | CallDetailsObserved | CategoryMatched):
                self._apply(seq, observation)

        segment_records: dict[tuple[str, str], list[str]] = defaultdict(list)
        segments: list[Segment] = []
        for seq, observation in parsed:
            if isinstance(observation, Segment):
                segments.append(observation)
                segment_records[(observation.call_id, observation.segment_id)].append(seq)
        calls_not_stored = self._store_segments(segments, segment_records)

        for seq, observation in parsed:
            if isinstance(observation, CallEndObserved):
                if observation.details.call_id in calls_not_stored:
                    self.fail(seq, "end held back: segments of this call were not all stored")
                    continue
                self._apply(seq, observation)
        return self.outcome

    def _parse(self, record: KinesisStreamRecord) -> list[Observation]:
        seq = record.kinesis.sequence_number
        try:
            data = decode_kinesis_data(record.kinesis.data, seq)
            return parse_kinesis_record(data, record_id=seq, channel_roles=self.deps.channel_roles)
        except MalformedRecord as error:
            self._quarantine(record, error.reason)
            return []

    def _quarantine(self, record: KinesisStreamRecord, reason: str) -> None:
        from callrecap.adapters.quarantine import QuarantinedRecord

        seq = record.kinesis.sequence_number
        entry = QuarantinedRecord(
            sequence_number=seq,
            partition_key=record.kinesis.partition_key,
            data=record.kinesis.data,
            reason=reason,
            event_source_arn=record.event_source_arn or "",
            approximate_arrival_timestamp=record.kinesis.approximate_arrival_timestamp,
        )
        try:
            self.deps.quarantine.put(entry)
        except Exception:
            logger.exception("quarantine unreachable; record will be retried", extra={"sequenceNumber": seq})
            self.fail(seq, "quarantine write failed")
            return
        self.outcome.quarantined += 1
        logger.warning(
            "malformed record quarantined",
            extra={"sequenceNumber": seq, "partitionKey": record.kinesis.partition_key, "reason": reason},
        )

    def _apply(self, seq: str, observation: CallEvent) -> None:
        if isinstance(observation, CategoryMatched):
            call_id = observation.call_id
        else:
            call_id = observation.details.call_id
        store, publisher = self.deps.store, self.deps.publisher
        with _call_context(call_id):
            try:
                if isinstance(observation, CallStartObserved):
                    if announce_start(store, publisher, observation):
                        logger.info("call started", extra={"source": observation.source})
                elif isinstance(observation, CallEndObserved):
                    if announce_end(store, publisher, observation):
                        logger.info("call ended", extra={"source": observation.source})
                elif isinstance(observation, CallDetailsObserved):
                    store.update_details(observation.details, observation.at)
                elif isinstance(observation, CategoryMatched):
                    store.add_categories(call_id, observation.categories, observation.at)
            except Exception as error:
                logger.exception("lifecycle update failed", extra={"sequenceNumber": seq})
                self.fail(seq, f"{type(observation).__name__} not applied: {error}")

    def _store_segments(
        self, segments: list[Segment], segment_records: Mapping[tuple[str, str], list[str]]
    ) -> set[str]:
        """Write all segments at once; returns the calls with segments not stored."""
        if not segments:
            return set()
        try:
            result = self.deps.store.put_segments(segments)
        except Exception as error:  # a store that raises instead of reporting: retry everything
            logger.exception("segment write failed")
            result = SegmentWriteResult(failed=tuple(segments))
            reason = f"segment write failed: {error}"
        else:
            reason = "segment write throttled or failed after retries"
        self.outcome.stored += result.written
        self.outcome.ignored += result.ignored
        calls_not_stored: set[str] = set()
        for segment in result.failed:
            calls_not_stored.add(segment.call_id)
            for seq in segment_records.get((segment.call_id, segment.segment_id), []):
                self.fail(seq, reason)
        if calls_not_stored:
            logger.warning("segments not stored", extra={"calls": sorted(calls_not_stored)})
        self._request_stale_summaries(segments, result, segment_records)
        return calls_not_stored

    def _request_stale_summaries(
        self,
        segments: Sequence[Segment],
        result: SegmentWriteResult,
        segment_records: Mapping[tuple[str, str], list[str]],
    ) -> None:
        """A final landing on an ended, already summarized call asks for a new final summary.

        Calls whose finals were all duplicates are checked too: that is how a retry of a batch
        whose SummaryRequested could not be published gets it out.
        """
        known: Mapping[str, Mapping[str, Any]] = getattr(result, "calls", {}) or {}
        final_calls = {s.call_id for s in segments if not s.is_partial}
        failed_calls = {s.call_id for s in result.failed}
        for call_id in sorted(final_calls - failed_calls):
            with _call_context(call_id):
                try:
                    record = known.get(call_id) if call_id in known else self.deps.store.get_call(call_id)
                    if final_summary_is_stale(record):
                        self.deps.publisher.publish(
                            BusEvent.SUMMARY_REQUESTED, stale_summary_request(call_id)
                        )
                        logger.info("final summary is stale: new one requested")
                except Exception as error:
                    logger.exception("stale summary request failed")
                    for (seg_call, _), seqs in segment_records.items():
                        if seg_call == call_id:
                            for seq in seqs:
                                self.fail(seq, f"SummaryRequested not published: {error}")


@metrics.log_metrics
def handler(event: dict[str, Any], context: Any) -> Mapping[str, Any]:
    deps = dependencies()
    processor = BatchProcessor(event_type=EventType.KinesisDataStreams)
    records = [KinesisStreamRecord(raw) for raw in event.get("Records", [])]
    outcome = IngestBatch(deps).run(records)

    metrics.add_metric(name=SEGMENTS_STORED, unit=MetricUnit.Count, value=outcome.stored)
    metrics.add_metric(name=DUPLICATES_IGNORED, unit=MetricUnit.Count, value=outcome.ignored)
    metrics.add_metric(name=RECORDS_QUARANTINED, unit=MetricUnit.Count, value=outcome.quarantined)

    def report(record: KinesisStreamRecord) -> None:
        reason = outcome.failed.get(record.kinesis.sequence_number)
        if reason is not None:
            raise RecordNotStored(reason)

    return process_partial_response(event=event, record_handler=report, processor=processor, context=context)
