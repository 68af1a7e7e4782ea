"""One stream batch -> transcript segments and call lifecycle. Pure: store, publisher and
quarantine are ports.

A batch is handled in three steps, so that segments are written with one batched store call and a
CallEnded never overtakes the transcript it ends:

1. parse every record; a malformed one, or one DynamoDB could never store (domain.store_limits),
   is quarantined and counts as processed;
2. apply call details, categories and starts, then write all segments at once;
3. apply ends, except for calls whose segments could not all be written in this batch;
4. push the stored segments (and the ends) to the pages watching those calls (domain.live_updates),
   when the deployment has live updates: best effort, never a reason to retry a record.

Every record whose part failed (a segment not written, a start/end not published, a quarantine
not reachable) is named in `BatchOutcome.failed`, so the caller reports it for retry and
nothing is dropped.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field, replace
from typing import Any

from callrecap.contracts import BusEvent
from callrecap.domain.live.updates import LiveFanout
from callrecap.domain.models import (
    CallDetailsObserved,
    CallEndObserved,
    CallStartObserved,
    CategoryMatched,
    Observation,
    ProducerSummaryObserved,
    RecordIgnored,
    Segment,
    observed_call_id,
)
from callrecap.domain.ports import (
    EventPublisher,
    IngestStore,
    Quarantine,
    QuarantinedRecord,
    RawRecord,
    SegmentWriteResult,
)
from callrecap.domain.privacy.pii import PiiEntity, redact
from callrecap.domain.transcripts.inbound import (
    DEFAULT_CHANNEL_ROLES,
    DEFAULT_CHIME_CALL_KEY,
    ChannelRoles,
    ChimeCallKey,
    MalformedRecord,
    decode_kinesis_data,
    parse_kinesis_record,
)
from callrecap.domain.transcripts.lifecycle import (
    announce_end,
    announce_start,
    final_summary_is_stale,
    stale_summary_request,
)
from callrecap.domain.transcripts.store_limits import unstorable_reason

log = logging.getLogger(__name__)

CallEvent = (
    CallStartObserved | CallEndObserved | CallDetailsObserved | CategoryMatched | ProducerSummaryObserved
)
BEFORE_SEGMENTS = (CallStartObserved, CallDetailsObserved, CategoryMatched, ProducerSummaryObserved)
"""Applied before the batch's segments are written; ends are applied after them."""
CallScope = Callable[[str], AbstractContextManager[Any]]
"""Log context for the lines written about one call (the handler passes observability.call_context)."""


def _no_scope(_: str) -> AbstractContextManager[Any]:
    return nullcontext()


@dataclass
class IngestDependencies:
    store: IngestStore
    publisher: EventPublisher
    quarantine: Quarantine
    channel_roles: ChannelRoles = field(default_factory=lambda: DEFAULT_CHANNEL_ROLES)
    """Speakers of plain Transcribe channels (settings.EnvVar.AGENT_CHANNEL)."""
    chime_call_key: ChimeCallKey = DEFAULT_CHIME_CALL_KEY
    """Which metadata field names a Chime record's call (settings.EnvVar.CHIME_CALL_KEY)."""
    live: LiveFanout | None = None
    """Pushes to watching pages (None: live updates are off, pages poll)."""
    redact: frozenset[PiiEntity] = frozenset()
    """PII replaced by tags before a segment is stored (redactStoredTranscript; domain.pii)."""


@dataclass
class BatchOutcome:
    failed: dict[str, str] = field(default_factory=dict)
    """sequence number -> why it must be retried"""
    quarantined: int = 0
    stored: int = 0
    ignored: int = 0
    """Segments that were duplicates of what is stored."""
    not_speech: int = 0
    """Readable records that carry no speech (RecordIgnored), by design not quarantined."""


class IngestBatch:
    """The three steps of one batch (see the module docstring)."""

    def __init__(self, deps: IngestDependencies, call_scope: CallScope = _no_scope) -> None:
        self.deps = deps
        self.outcome = BatchOutcome()
        self._scope = call_scope
        self._starts_not_announced: set[str] = set()
        """Calls whose start failed in this batch: their end waits, so CallStarted never follows
        CallEnded on the bus."""
        self._calls_read_back: Mapping[str, Mapping[str, Any]] = {}
        self._ended: list[str] = []

    def fail(self, sequence_number: str, reason: str) -> None:
        self.outcome.failed.setdefault(sequence_number, reason)

    def run(self, records: Sequence[RawRecord]) -> BatchOutcome:
        parsed: list[tuple[str, Observation]] = []
        for record in records:
            parsed.extend((record.sequence_number, o) for o in self._parse(record))

        for seq, observation in parsed:
            if isinstance(observation, RecordIgnored):
                self._count_ignored(observation)
            elif isinstance(
                observation,
                CallStartObserved | CallDetailsObserved | CategoryMatched | ProducerSummaryObserved,
            ):
                self._apply(seq, observation)

        segment_records: dict[tuple[str, str], list[str]] = defaultdict(list)
        segments: list[Segment] = []
        for seq, observation in parsed:
            if isinstance(observation, Segment):
                if self.deps.redact:  # the stored (and pushed) text never holds what was found
                    language = observation.language_code or "en"
                    tagged = redact(observation.text, self.deps.redact, language=language).text
                    observation = replace(observation, text=tagged)
                segments.append(observation)
                segment_records[(observation.call_id, observation.segment_id)].append(seq)
        calls_not_stored = self._store_segments(segments, segment_records)

        for seq, observation in parsed:
            if isinstance(observation, CallEndObserved):
                if observation.details.call_id in calls_not_stored:
                    self.fail(seq, "end held back: segments of this call were not all stored")
                    continue
                if observation.details.call_id in self._starts_not_announced:
                    self.fail(seq, "end held back: the start of this call was not announced")
                    continue
                self._apply(seq, observation)
        if self.deps.live is not None:
            self.deps.live.after_batch(
                segments, not_stored=calls_not_stored, calls=self._calls_read_back, changed=self._ended
            )
        return self.outcome

    def _parse(self, record: RawRecord) -> list[Observation]:
        seq = record.sequence_number
        try:
            data = decode_kinesis_data(record.data, seq)
            observations = parse_kinesis_record(
                data,
                record_id=seq,
                channel_roles=self.deps.channel_roles,
                chime_call_key=self.deps.chime_call_key,
            )
        except MalformedRecord as error:
            self._quarantine(record, error.reason)
            return []
        for observation in observations:
            reason = unstorable_reason(observation)
            if reason is not None:  # would fail on every retry: keep it aside, let the shard go on
                self._quarantine(record, f"cannot be stored: {reason}")
                return []
        return observations

    def _quarantine(self, record: RawRecord, reason: str) -> None:
        seq = record.sequence_number
        entry = QuarantinedRecord(
            sequence_number=seq,
            partition_key=record.partition_key,
            data=record.data,
            reason=reason,
            event_source_arn=record.event_source_arn,
            approximate_arrival_timestamp=record.approximate_arrival_timestamp,
        )
        try:
            self.deps.quarantine.put(entry)
        except Exception:
            log.exception("quarantine unreachable; record will be retried", extra={"sequenceNumber": seq})
            self.fail(seq, "quarantine write failed")
            return
        self.outcome.quarantined += 1
        log.warning(
            "malformed record quarantined",
            extra={"sequenceNumber": seq, "partitionKey": record.partition_key, "reason": reason},
        )

    def _count_ignored(self, observation: RecordIgnored) -> None:
        self.outcome.not_speech += 1
        with self._scope(observation.call_id):
            log.debug("record carries no speech: ignored", extra={"what": observation.what})

    def _apply(self, seq: str, observation: CallEvent) -> None:
        store, publisher = self.deps.store, self.deps.publisher
        with self._scope(observed_call_id(observation)):
            try:
                if isinstance(observation, CallStartObserved):
                    if announce_start(store, publisher, observation):
                        log.info("call started", extra={"source": observation.source})
                elif isinstance(observation, CallEndObserved):
                    if announce_end(store, publisher, observation):
                        log.info("call ended", extra={"source": observation.source})
                        self._ended.append(observation.details.call_id)
                elif isinstance(observation, CallDetailsObserved):
                    store.update_details(observation.details, observation.at)
                elif isinstance(observation, ProducerSummaryObserved):
                    store.set_producer_summary(observation)
                else:
                    store.add_categories(observation.call_id, observation.categories, observation.at)
            except Exception as error:
                log.exception("lifecycle update failed", extra={"sequenceNumber": seq})
                self.fail(seq, f"{type(observation).__name__} not applied: {error}")
                if isinstance(observation, CallStartObserved):
                    self._starts_not_announced.add(observation.details.call_id)

    def _store_segments(
        self, segments: list[Segment], segment_records: Mapping[tuple[str, str], list[str]]
    ) -> set[str]:
        """Write all segments at once; returns the calls with segments not stored."""
        if not segments:
            return set()
        try:
            result = self.deps.store.put_segments(segments)
        except Exception as error:  # a store that raises instead of reporting: retry everything
            log.exception("segment write failed")
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
            log.warning("segments not stored", extra={"calls": sorted(calls_not_stored)})
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
        self._calls_read_back = known
        final_calls = {s.call_id for s in segments if not s.is_partial}
        failed_calls = {s.call_id for s in result.failed}
        for call_id in sorted(final_calls - failed_calls):
            with self._scope(call_id):
                try:
                    record = known.get(call_id) if call_id in known else self.deps.store.get_call(call_id)
                    if final_summary_is_stale(record):
                        self.deps.publisher.publish(
                            BusEvent.SUMMARY_REQUESTED, stale_summary_request(call_id)
                        )
                        log.info("final summary is stale: new one requested")
                except Exception as error:
                    log.exception("stale summary request failed")
                    for (seg_call, _), seqs in segment_records.items():
                        if seg_call == call_id:
                            for seq in seqs:
                                self.fail(seq, f"SummaryRequested not published: {error}")
