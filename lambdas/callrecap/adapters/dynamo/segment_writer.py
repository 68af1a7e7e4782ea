"""The transactional segment writer (key design: docs/events.md, "Table design").

Segments are written in grouped conditional writes: the segments of every call in a batch (a
Kinesis batch carries many concurrent calls) are packed into as few TransactWriteItems as the
limits allow (100 items, 4 MB), each call's share followed by the update of its call record, so

- every segment is a conditional Put on `SEG#<segmentId>` (partials and finals share the key):
  a partial never overwrites a final, a final replaces its partial, an exact copy is refused;
- each call record's counters (segmentCount, transcriptRevision) move in the same atomic commit
  as that call's segments, so a retried or duplicated record changes nothing, not even a counter;
- refused items come back as cancellation reasons with the stored item (ALL_OLD), item by item:
  duplicates are dropped, a corrected final is retried as a replacement, and the rest of every
  call in the transaction is resent at once; a call that is throttled, conflicts or fails inside
  a shared transaction is retried alone, so that it does not hold the other calls back;
- each commit stamps a call's segments with a per-call, strictly increasing `writeSeq`, and the
  call record's `lastWriteSeq` names the newest committed one: `list_segments_since` reads exactly
  the segments changed after an API cursor from the `bySegmentWrite` LSI, with no gaps.

The records of the calls with finals in the batch are then read back with one BatchGetItem (per
100 calls) for the revision and the staleness check. A single request's throttling is retried by
botocore (adapters.aws_clients); the rounds here are the triage botocore cannot do: refused
items sorted one by one, hot or failing calls isolated, with a pause between rounds. Segments
still not written are returned in `SegmentWriteResult.failed`, never dropped.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from callrecap import contracts as c
from callrecap.adapters.aws_clients import error_code
from callrecap.adapters.dynamo.call_batches import CallRecordBatches
from callrecap.adapters.dynamo.call_queries import public_call
from callrecap.adapters.dynamo.codec import attr, from_item
from callrecap.adapters.dynamo.table import retry_pause
from callrecap.adapters.dynamo.table_updates import CallTableState
from callrecap.contracts import CallAttr, SegmentAttr
from callrecap.domain.models import CallStatus, Segment
from callrecap.domain.ports import SegmentWriteResult
from callrecap.domain.transcripts.rules import plan_batch, segment_digest

log = logging.getLogger(__name__)

MAX_TRANSACTION_ITEMS = 100
"""TransactWriteItems takes 100 actions: segment Puts plus one call record Update per call."""
MAX_TRANSACTION_BYTES = 3_500_000
"""TransactWriteItems takes 4 MB of items; with the high estimates below this leaves a margin."""
_ITEM_OVERHEAD_BYTES = 600
"""Keys, attribute names, digest, numbers and TTL of a segment item, rounded up."""
_META_BYTES = 1_000
"""A call record update (names, values, expressions), rounded up."""
RETRYABLE_CODES = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "InternalServerError",
        "ServiceUnavailable",
        "TransactionInProgressException",
        "TransactionConflictException",
    }
)


@dataclass(frozen=True)
class StoredSegments(SegmentWriteResult):
    """SegmentWriteResult plus the records of the calls with finals in the batch (written or
    refused as duplicates, not failed), read back after the write."""

    calls: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)


@dataclass
class _Pending:
    segment: Segment
    replaces_digest: str | None = None  # set when a different final is already stored


@dataclass
class _Share:
    """One call's part of a transaction: its segment Puts, then the update of its call record."""

    call_id: str
    pending: list[_Pending]
    seq: int = 0


@dataclass
class _WriteOutcome:
    written: int = 0
    ignored: int = 0
    failed: list[Segment] = field(default_factory=list)
    finals_landed: set[str] = field(default_factory=set)


@dataclass
class _Round:
    """What one round of transactions leaves for the next."""

    pending: dict[str, list[_Pending]] = field(default_factory=lambda: defaultdict(list))
    isolate: set[str] = field(default_factory=set)
    pause: bool = False


def _estimated_bytes(segment: Segment) -> int:
    """An upper estimate of a segment item's size (DynamoDB counts names and values)."""
    names = 2 * (len(segment.call_id) + len(segment.segment_id))
    return (
        len(segment.text.encode()) + names + len(segment.source) + len(segment.channel) + _ITEM_OVERHEAD_BYTES
    )


class SegmentWriter(CallTableState, CallRecordBatches):
    """`put_segments`: a batch's segments of every call in as few transactions as the limits allow."""

    def __init__(
        self,
        table_name: str,
        *,
        sleep: Callable[[float], None] = time.sleep,
        max_attempts: int = 6,
        base_delay: float = 0.05,
        **kwargs: Any,
    ) -> None:
        super().__init__(table_name, **kwargs)
        self._sleep = sleep
        self.max_attempts = max_attempts
        """Triage rounds for a batch (each after botocore's own retries of the request)."""
        self.base_delay = base_delay

    def _pause(self, attempt: int) -> None:
        if attempt < self.max_attempts - 1:  # no pause after the last attempt
            self._sleep(retry_pause(attempt, base=self.base_delay))

    def put_segments(self, segments: Sequence[Segment]) -> StoredSegments:
        plan = plan_batch(segments)
        pending: dict[str, list[_Pending]] = defaultdict(list)
        for segment in plan.segments:
            pending[segment.call_id].append(_Pending(segment))

        outcome = _WriteOutcome()
        isolated: set[str] = set()
        for attempt in range(self.max_attempts):
            if not pending:
                break
            after = _Round()
            for shares in self._pack(pending, isolated):
                self._commit(shares, outcome, after)
            pending = {call_id: rest for call_id, rest in after.pending.items() if rest}
            isolated |= after.isolate
            if pending and after.pause:
                self._pause(attempt)
        for rest in pending.values():
            outcome.failed.extend(p.segment for p in rest)

        failed_calls = {s.call_id for s in outcome.failed}
        with_finals = dict.fromkeys(s.call_id for s in plan.segments if not s.is_partial)
        calls = self._read_calls([call_id for call_id in with_finals if call_id not in failed_calls])
        revisions = {
            call_id: int(calls[call_id].get(CallAttr.TRANSCRIPT_REVISION, 0))
            for call_id in with_finals
            if call_id in outcome.finals_landed and call_id in calls
        }
        return StoredSegments(
            written=outcome.written,
            ignored=outcome.ignored + plan.duplicates,
            failed=tuple(outcome.failed),
            revisions=revisions,
            calls=calls,
        )

    def _reserve_seq(self, call_id: str, now: datetime) -> int:
        """The call's next writeSeq: the clock in µs, or one past the last one used (even if that
        commit failed: values only need to grow, and no two transactions may share one)."""
        seq = max(int(now.timestamp() * 1_000_000), self._last_seq.get(call_id, 0) + 1)
        self._last_seq[call_id] = seq
        return seq

    def _segment_put(self, segment: Segment, pending: _Pending, seq: int, now: datetime) -> dict[str, Any]:
        item: dict[str, Any] = {
            **self._key(segment.call_id, f"{c.SEGMENT_SK_PREFIX}{segment.segment_id}"),
            SegmentAttr.CALL_ID: attr(segment.call_id),
            SegmentAttr.SEGMENT_ID: attr(segment.segment_id),
            SegmentAttr.SPEAKER: attr(segment.speaker.value),
            SegmentAttr.START_TIME: attr(float(segment.start_time)),
            SegmentAttr.END_TIME: attr(float(segment.end_time)),
            SegmentAttr.TEXT: attr(segment.text),
            SegmentAttr.IS_PARTIAL: {"BOOL": segment.is_partial},
            SegmentAttr.CHANNEL: attr(segment.channel),
            SegmentAttr.SOURCE: attr(segment.source),
            SegmentAttr.CREATED_AT: attr(segment.created_at or self._iso(now)),
            SegmentAttr.DIGEST: attr(segment_digest(segment)),
            c.SEGMENT_WRITE_SEQ: attr(seq),
        }
        if segment.sentiment:
            item[SegmentAttr.SENTIMENT] = attr(segment.sentiment)
        expires = self._expires_at(now)
        if expires:
            item[c.TTL_ATTRIBUTE] = expires
        names = {"#sk": c.SK, "#partial": SegmentAttr.IS_PARTIAL.value, "#digest": SegmentAttr.DIGEST.value}
        values: dict[str, Any]
        if pending.replaces_digest is not None:
            condition = "#digest = :old"
            names = {"#digest": SegmentAttr.DIGEST.value}
            values = {":old": attr(pending.replaces_digest)}
        elif segment.is_partial:
            condition = (
                "attribute_not_exists(#sk) OR (#partial = :true AND #digest <> :digest AND #end <= :end)"
            )
            names["#end"] = SegmentAttr.END_TIME.value
            values = {
                ":true": {"BOOL": True},
                ":digest": item[SegmentAttr.DIGEST],
                ":end": item[SegmentAttr.END_TIME],
            }
        else:
            condition = "attribute_not_exists(#sk) OR #partial = :true"
            names = {"#sk": c.SK, "#partial": SegmentAttr.IS_PARTIAL.value}
            values = {":true": {"BOOL": True}}
        return {
            "Put": {
                "TableName": self.table_name,
                "Item": item,
                "ConditionExpression": condition,
                "ExpressionAttributeNames": names,
                "ExpressionAttributeValues": values,
                "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
            }
        }

    def _meta_update(
        self,
        call_id: str,
        *,
        new_finals: int,
        finals: bool,
        seq: int,
        live: bool,
        now: datetime,
        language: str = "",
    ) -> dict[str, Any]:
        now_iso = self._iso(now)
        names = {
            "#callId": CallAttr.CALL_ID.value,
            "#status": CallAttr.STATUS.value,
            "#startedAt": CallAttr.STARTED_AT.value,
            "#g1pk": c.GSI_BY_DAY_PK,
            "#g1sk": c.GSI_BY_DAY_SK,
            "#last": CallAttr.LAST_ACTIVITY_AT.value,
            "#seq": CallAttr.LAST_WRITE_SEQ.value,
            "#count": CallAttr.SEGMENT_COUNT.value,
            "#rev": CallAttr.TRANSCRIPT_REVISION.value,
        }
        values: dict[str, Any] = {
            ":cid": attr(call_id),
            ":live": attr(CallStatus.LIVE.value),
            ":now": attr(now_iso),
            ":day": attr(c.day_pk(now_iso[:10])),
            ":daysk": attr(f"{now_iso}#{call_id}"),
            ":seq": attr(seq),
            ":count": attr(new_finals),
            ":rev": attr(1 if finals else 0),
        }
        sets = [
            "#callId = if_not_exists(#callId, :cid)",
            "#status = if_not_exists(#status, :live)",
            "#startedAt = if_not_exists(#startedAt, :now)",
            "#g1pk = if_not_exists(#g1pk, :day)",
            "#g1sk = if_not_exists(#g1sk, :daysk)",
            "#last = :now",
            "#seq = :seq",
        ]
        if language:  # the first language a result reports stays the call's (summary language)
            names["#lang"] = CallAttr.LANGUAGE_CODE.value
            values[":lang"] = attr(language)
            sets.append("#lang = if_not_exists(#lang, :lang)")
        condition = "(attribute_not_exists(#seq) OR #seq < :seq)"
        expires = self._expires_at(now)
        if expires:
            names["#ttl"] = c.TTL_ATTRIBUTE
            values[":ttl"] = expires
            sets.append("#ttl = :ttl")
        if live:
            names.update(
                {"#g2pk": c.GSI_LIVE_CALLS_PK, "#g2sk": c.GSI_LIVE_CALLS_SK, "#ended": CallAttr.END_PUBLISHED}
            )
            values[":livepk"] = attr(c.live_calls_pk(call_id))
            values[":minute"] = attr(c.activity_minute(now_iso, call_id))
            sets += ["#g2pk = :livepk", "#g2sk = :minute"]  # unchanged within a minute: no index write
            condition += " AND attribute_not_exists(#ended)"
        return {
            "Update": {
                "TableName": self.table_name,
                "Key": self._meta_key(call_id),
                "UpdateExpression": f"SET {', '.join(sets)} ADD #count :count, #rev :rev",
                "ConditionExpression": condition,
                "ExpressionAttributeNames": names,
                "ExpressionAttributeValues": values,
                "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
            }
        }

    def _pack(self, pending: Mapping[str, Sequence[_Pending]], isolated: set[str]) -> list[list[_Share]]:
        """Group every call's segments into as few transactions as DynamoDB's limits allow.

        A transaction holds at most one share per call (one item may appear only once in a
        transaction, and each share updates its call record); a call whose segments do not fit
        in the room left is split across transactions, each part with its own record update.
        Isolated calls (throttled, conflicting or failing in a shared transaction) go alone, so
        that one hot or broken call does not hold the others back.
        """
        transactions: list[list[_Share]] = []
        current: list[_Share] = []
        items = size = 0

        def close() -> None:
            nonlocal current, items, size
            if current:
                transactions.append(current)
            current, items, size = [], 0, 0

        for call_id, queue in pending.items():
            alone = call_id in isolated
            if alone:
                close()
            rest = list(queue)
            while rest:
                take, grow = 0, _META_BYTES
                while take < len(rest) and items + take + 2 <= MAX_TRANSACTION_ITEMS:
                    more = _estimated_bytes(rest[take].segment)
                    if size + grow + more > MAX_TRANSACTION_BYTES and (take or current):
                        break
                    take, grow = take + 1, grow + more
                if take == 0:
                    close()  # no room left for a segment plus the record update
                    continue
                current.append(_Share(call_id, rest[:take]))
                items, size, rest = items + take + 1, size + grow, rest[take:]
                if rest or alone:
                    close()
        close()
        return transactions

    def _commit(self, shares: Sequence[_Share], outcome: _WriteOutcome, after: _Round) -> None:
        """Send one transaction; what it did not write goes to `after` (or to `failed`)."""
        now = self._now()
        actions: list[dict[str, Any]] = []
        for share in shares:
            share.seq = self._reserve_seq(share.call_id, now)
            actions += [self._segment_put(p.segment, p, share.seq, now) for p in share.pending]
            actions.append(
                self._meta_update(
                    share.call_id,
                    new_finals=sum(
                        1 for p in share.pending if not p.segment.is_partial and p.replaces_digest is None
                    ),
                    finals=any(not p.segment.is_partial for p in share.pending),
                    seq=share.seq,
                    live=share.call_id not in self._ended,
                    now=now,
                    language=next(
                        (p.segment.language_code for p in share.pending if p.segment.language_code), ""
                    ),
                )
            )
        try:
            self._call("transact_write_items", TransactItems=actions)
        except Exception as error:  # noqa: BLE001 (classified below; unknown errors fail the shares)
            self._after_error(shares, error, outcome, after)
            return
        for share in shares:
            outcome.written += len(share.pending)
            if any(not p.segment.is_partial for p in share.pending):
                outcome.finals_landed.add(share.call_id)

    def _after_error(
        self, shares: Sequence[_Share], error: Exception, outcome: _WriteOutcome, after: _Round
    ) -> None:
        code = error_code(error)
        if code == "TransactionCanceledException":
            self._triage(shares, error, outcome, after)
            return
        shared = len(shares) > 1
        if code in RETRYABLE_CODES:
            log.warning("segment write throttled (%s) for %d call(s)", code, len(shares))
            after.pause = True
        elif shared:  # retried call by call: only the call that causes it fails
            log.warning("segment write failed for %d calls, retrying each alone: %s", len(shares), error)
        else:
            log.error("segment write failed for call %s: %s", shares[0].call_id, error)
            outcome.failed.extend(p.segment for p in shares[0].pending)
            return
        for share in shares:
            after.pending[share.call_id].extend(share.pending)
            if shared:
                after.isolate.add(share.call_id)

    def _triage(
        self, shares: Sequence[_Share], error: Exception, outcome: _WriteOutcome, after: _Round
    ) -> None:
        """Sort a cancelled transaction's items, share by share: drop refusals, keep the rest.

        Only condition failures: the rest is resent at once. Throttling or conflicts on a share
        call for a pause first, and that call goes alone next time.
        """
        reasons = getattr(error, "response", {}).get("CancellationReasons") or []
        if len(reasons) != sum(len(share.pending) + 1 for share in shares):
            after.pause = True  # no usable reasons: retry everything after a pause
            for share in shares:
                after.pending[share.call_id].extend(share.pending)
            return
        position = 0
        for share in shares:
            share_reasons = reasons[position : position + len(share.pending) + 1]
            position += len(share.pending) + 1
            keep, throttled = self._triage_share(share, share_reasons, outcome)
            after.pending[share.call_id].extend(keep)
            if throttled:
                after.pause = True
                if len(shares) > 1:
                    after.isolate.add(share.call_id)

    def _triage_share(
        self, share: _Share, reasons: Sequence[Mapping[str, Any]], outcome: _WriteOutcome
    ) -> tuple[list[_Pending], bool]:
        """(still pending, throttled) for one call's share: its segment reasons, then its record's."""
        throttled = False
        keep: list[_Pending] = []
        for item, reason in zip(share.pending, reasons[:-1], strict=True):
            code = reason.get("Code") or "None"
            if code == "ConditionalCheckFailed":
                stored = reason.get("Item")
                if item.segment.is_partial or stored is None:
                    outcome.ignored += 1  # a final is stored, or an identical/longer partial
                    continue
                old = from_item(stored)
                if old.get(SegmentAttr.DIGEST) == segment_digest(item.segment):
                    outcome.ignored += 1  # the same final again
                    continue
                keep.append(_Pending(item.segment, replaces_digest=str(old.get(SegmentAttr.DIGEST, ""))))
            else:
                throttled = throttled or code not in ("None", "")
                keep.append(item)
        meta_code = reasons[-1].get("Code") or "None"
        if meta_code == "ConditionalCheckFailed":
            old_meta = from_item(reasons[-1].get("Item") or {})
            if old_meta.get(CallAttr.END_PUBLISHED):
                self._ended.add(share.call_id)  # resent without rejoining the live-calls index
            stored_seq = int(old_meta.get(CallAttr.LAST_WRITE_SEQ, 0) or 0)
            self._last_seq[share.call_id] = max(stored_seq, self._last_seq.get(share.call_id, 0))
        elif meta_code != "None":
            throttled = True
        return keep, throttled

    def _read_calls(self, call_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """Call records read back after the write (a record still unread is read on its own later)."""
        try:
            records = self._read_call_records(call_ids, rounds=self.max_attempts, pause=self._pause)
        except Exception as error:  # noqa: BLE001 (the segments are written: report, don't fail)
            log.warning("call records not read back after the write: %s", error)
            return {}
        return {call_id: public_call(record) for call_id, record in records.items()}
