"""Kinesis ingest: a stream batch -> transcript segments and call lifecycle (domain.ingest_batch).

Every record the service could not fully handle is reported in the partial batch response
(Powertools' BatchProcessor), so Kinesis retries it and nothing is dropped. Metrics (EMF):
SegmentsStored, DuplicatesIgnored, RecordsQuarantined, RecordsIgnored (readable, no speech).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.kinesis_stream_event import KinesisStreamRecord

from callrecap import wiring
from callrecap.domain.ports import RawRecord
from callrecap.domain.transcripts.ingest_batch import IngestBatch, IngestDependencies
from callrecap.handlers._container import Lazy
from callrecap.handlers.observability import call_context, entry_point, logger, metrics

__all__ = ["IngestDependencies", "handler", "logger", "set_dependencies"]

SEGMENTS_STORED = "SegmentsStored"
DUPLICATES_IGNORED = "DuplicatesIgnored"
RECORDS_QUARANTINED = "RecordsQuarantined"
RECORDS_IGNORED = "RecordsIgnored"

_container: Lazy[IngestDependencies] = Lazy(wiring.ingest)
dependencies, set_dependencies = _container.get, _container.set


class RecordNotStored(Exception):
    """Marks a record for retry in the partial batch response."""


def raw_record(record: KinesisStreamRecord) -> RawRecord:
    return RawRecord(
        sequence_number=record.kinesis.sequence_number,
        partition_key=record.kinesis.partition_key,
        data=record.kinesis.data,
        event_source_arn=record.event_source_arn or "",
        approximate_arrival_timestamp=record.kinesis.approximate_arrival_timestamp,
    )


@entry_point()  # a batch holds many calls: each line names its own callId
def handler(event: dict[str, Any], context: Any) -> Mapping[str, Any]:
    records = [KinesisStreamRecord(raw) for raw in event.get("Records", [])]
    outcome = IngestBatch(dependencies(), call_context).run([raw_record(r) for r in records])

    metrics.add_metric(name=SEGMENTS_STORED, unit=MetricUnit.Count, value=outcome.stored)
    metrics.add_metric(name=DUPLICATES_IGNORED, unit=MetricUnit.Count, value=outcome.ignored)
    metrics.add_metric(name=RECORDS_QUARANTINED, unit=MetricUnit.Count, value=outcome.quarantined)
    metrics.add_metric(name=RECORDS_IGNORED, unit=MetricUnit.Count, value=outcome.not_speech)

    def report(record: KinesisStreamRecord) -> None:
        reason = outcome.failed.get(record.kinesis.sequence_number)
        if reason is not None:
            raise RecordNotStored(reason)

    processor = BatchProcessor(event_type=EventType.KinesisDataStreams)
    return process_partial_response(event=event, record_handler=report, processor=processor, context=context)
