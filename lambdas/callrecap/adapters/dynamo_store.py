"""DynamoDB single-table TranscriptStore (key design: docs/events.md, "Table design").

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
100 calls) for the revision and the staleness check. Throttling and transaction conflicts are
retried with exponential backoff; segments still not written are returned in
`SegmentWriteResult.failed`, never dropped.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from callrecap import contracts as c
from callrecap.adapters.dynamo_table import error_code as _error_code
from callrecap.contracts import CallAttr, SegmentAttr
from callrecap.domain.models import CallDetails, CallStatus, Segment, Speaker
from callrecap.domain.ports import Page, SegmentWriteResult
from callrecap.domain.transcript import plan_batch, resolve, segment_digest

log = logging.getLogger(__name__)

MAX_TRANSACTION_ITEMS = 100
"""TransactWriteItems takes 100 actions: segment Puts plus one call record Update per call."""
MAX_TRANSACTION_BYTES = 3_500_000
"""TransactWriteItems takes 4 MB of items; with the high estimates below this leaves a margin."""
_ITEM_OVERHEAD_BYTES = 600
"""Keys, attribute names, digest, numbers and TTL of a segment item, rounded up."""
_META_BYTES = 1_000
"""A call record update (names, values, expressions), rounded up."""
MAX_BATCH_GET_KEYS = 100
"""BatchGetItem reads up to 100 items."""

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
RETRYABLE_REASONS = frozenset(
    {"ThrottlingError", "ProvisionedThroughputExceeded", "TransactionConflict", "RequestLimitExceeded"}
)

_DETAIL_ATTRS: tuple[tuple[str, CallAttr], ...] = (
    ("transaction_id", CallAttr.TRANSACTION_ID),
    ("voice_connector_id", CallAttr.VOICE_CONNECTOR_ID),
    ("from_number", CallAttr.FROM_NUMBER),
    ("to_number", CallAttr.TO_NUMBER),
    ("direction", CallAttr.DIRECTION),
    ("agent_id", CallAttr.AGENT_ID),
)

START_PUBLISHED = CallAttr.START_PUBLISHED.value
END_PUBLISHED = CallAttr.END_PUBLISHED.value


class InvalidCursor(ValueError):
    """A pagination or "since" cursor that this store did not issue."""


@dataclass(frozen=True)
class StoredSegments(SegmentWriteResult):
    """SegmentWriteResult plus the records of the calls with finals in the batch (written or
    refused as duplicates, not failed), read back after the write."""

    calls: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)


# --------------------------------------------------------------------------- attribute values


def _s(value: str) -> dict[str, str]:
    return {"S": value}


def _n(value: float | int) -> dict[str, str]:
    if isinstance(value, float) and value.is_integer():
        return {"N": str(int(value))}
    return {"N": repr(value) if isinstance(value, float) else str(value)}


def _from_attr(value: Mapping[str, Any]) -> Any:
    """Decode one DynamoDB attribute value into plain JSON-friendly Python."""
    ((kind, raw),) = value.items()
    if kind == "S":
        return raw
    if kind == "N":
        number = float(raw)
        return int(number) if number.is_integer() and "." not in raw and "e" not in raw.lower() else number
    if kind == "BOOL":
        return bool(raw)
    if kind == "NULL":
        return None
    if kind == "M":
        return {k: _from_attr(v) for k, v in raw.items()}
    if kind == "L":
        return [_from_attr(v) for v in raw]
    if kind in ("SS", "NS"):
        return sorted(_from_attr({kind[0]: v}) for v in raw)
    return raw  # B / BS: not used by this table


def _item_to_dict(item: Mapping[str, Any]) -> dict[str, Any]:
    return {name: _from_attr(value) for name, value in item.items()}


def _segment_from_item(item: Mapping[str, Any]) -> Segment:
    data = _item_to_dict(item)
    speaker_raw = str(data.get(SegmentAttr.SPEAKER, Speaker.UNKNOWN.value))
    speaker = Speaker(speaker_raw) if speaker_raw in Speaker.__members__ else Speaker.UNKNOWN
    return Segment(
        call_id=str(data[SegmentAttr.CALL_ID]),
        segment_id=str(data[SegmentAttr.SEGMENT_ID]),
        speaker=speaker,
        start_time=float(data.get(SegmentAttr.START_TIME, 0.0)),
        end_time=float(data.get(SegmentAttr.END_TIME, 0.0)),
        text=str(data.get(SegmentAttr.TEXT, "")),
        is_partial=bool(data.get(SegmentAttr.IS_PARTIAL, False)),
        channel=str(data.get(SegmentAttr.CHANNEL, "")),
        sentiment=data.get(SegmentAttr.SENTIMENT) or None,
        source=str(data.get(SegmentAttr.SOURCE, "")),
        created_at=str(data.get(SegmentAttr.CREATED_AT, "")),
    )


def _encode_cursor(key: Mapping[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(key, separators=(",", ":")).encode()).decode()


def _decode_cursor(cursor: str) -> dict[str, Any]:
    try:
        key = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (binascii.Error, ValueError) as error:
        raise InvalidCursor(f"not a cursor issued by this API: {cursor[:40]!r}") from error
    if not isinstance(key, dict) or c.PK not in key:
        raise InvalidCursor(f"not a cursor issued by this API: {cursor[:40]!r}")
    return key


# --------------------------------------------------------------------------- the store


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


class DynamoTranscriptStore:
    """TranscriptStore over one DynamoDB table through the low-level client."""

    def __init__(
        self,
        table_name: str,
        *,
        client: Any | None = None,
        ttl_days: int = 90,
        clock: Callable[[], datetime] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        max_attempts: int = 6,
        base_delay: float = 0.05,
    ) -> None:
        self.table_name = table_name
        self._client = client
        self.ttl_days = ttl_days
        self._clock = clock or (lambda: datetime.now(UTC))
        self._sleep = sleep
        self.max_attempts = max_attempts
        self.base_delay = base_delay
        self._last_seq: dict[str, int] = {}
        self._ended: set[str] = set()
        self.requests: dict[str, int] = defaultdict(int)
        """DynamoDB requests made, by operation name (for measurements and tests)."""

    # ----------------------------------------------------------------------- plumbing

    @property
    def client(self) -> Any:
        if self._client is None:
            import boto3  # deferred: keeps handler imports cheap

            self._client = boto3.client("dynamodb")
        return self._client

    def _call(self, operation: str, **kwargs: Any) -> Any:
        self.requests[operation] += 1
        return getattr(self.client, operation)(**kwargs)

    def _now(self) -> datetime:
        return self._clock()

    def _expires_at(self, now: datetime) -> dict[str, str] | None:
        if self.ttl_days <= 0:
            return None
        return _n(int((now + timedelta(days=self.ttl_days)).timestamp()))

    def _backoff(self, attempt: int) -> None:
        if attempt < self.max_attempts - 1:  # no pause after the last attempt
            self._sleep(min(self.base_delay * (2**attempt), 2.0))

    def _key(self, call_id: str, sk: str) -> dict[str, Any]:
        return {c.PK: _s(c.call_pk(call_id)), c.SK: _s(sk)}

    def _meta_key(self, call_id: str) -> dict[str, Any]:
        return self._key(call_id, c.CALL_META_SK)

    def _instant(self, at: str) -> datetime:
        """Parse an event time; an unparseable one (e.g. a doc placeholder) means "now"."""
        try:
            parsed = datetime.fromisoformat(at.replace("Z", "+00:00"))
        except (AttributeError, ValueError):
            return self._now()
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)

    @staticmethod
    def _iso(moment: datetime) -> str:
        return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")

    # ----------------------------------------------------------------------- segment writes

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
                self._backoff(attempt)
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
            SegmentAttr.CALL_ID: _s(segment.call_id),
            SegmentAttr.SEGMENT_ID: _s(segment.segment_id),
            SegmentAttr.SPEAKER: _s(segment.speaker.value),
            SegmentAttr.START_TIME: _n(float(segment.start_time)),
            SegmentAttr.END_TIME: _n(float(segment.end_time)),
            SegmentAttr.TEXT: _s(segment.text),
            SegmentAttr.IS_PARTIAL: {"BOOL": segment.is_partial},
            SegmentAttr.CHANNEL: _s(segment.channel),
            SegmentAttr.SOURCE: _s(segment.source),
            SegmentAttr.CREATED_AT: _s(segment.created_at or self._iso(now)),
            SegmentAttr.DIGEST: _s(segment_digest(segment)),
            c.SEGMENT_WRITE_SEQ: _n(seq),
        }
        if segment.sentiment:
            item[SegmentAttr.SENTIMENT] = _s(segment.sentiment)
        expires = self._expires_at(now)
        if expires:
            item[c.TTL_ATTRIBUTE] = expires
        names = {"#sk": c.SK, "#partial": SegmentAttr.IS_PARTIAL.value, "#digest": SegmentAttr.DIGEST.value}
        values: dict[str, Any]
        if pending.replaces_digest is not None:
            condition = "#digest = :old"
            names = {"#digest": SegmentAttr.DIGEST.value}
            values = {":old": _s(pending.replaces_digest)}
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
        self, call_id: str, *, new_finals: int, finals: bool, seq: int, live: bool, now: datetime
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
            ":cid": _s(call_id),
            ":live": _s(CallStatus.LIVE.value),
            ":now": _s(now_iso),
            ":day": _s(c.day_pk(now_iso[:10])),
            ":daysk": _s(f"{now_iso}#{call_id}"),
            ":seq": _n(seq),
            ":count": _n(new_finals),
            ":rev": _n(1 if finals else 0),
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
        condition = "(attribute_not_exists(#seq) OR #seq < :seq)"
        expires = self._expires_at(now)
        if expires:
            names["#ttl"] = c.TTL_ATTRIBUTE
            values[":ttl"] = expires
            sets.append("#ttl = :ttl")
        if live:
            names.update(
                {"#g2pk": c.GSI_LIVE_CALLS_PK, "#g2sk": c.GSI_LIVE_CALLS_SK, "#ended": END_PUBLISHED}
            )
            values[":livepk"] = _s(c.LIVE_CALLS_PK)
            sets += ["#g2pk = :livepk", "#g2sk = :now"]
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
        code = _error_code(error)
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
                old = _item_to_dict(stored)
                if old.get(SegmentAttr.DIGEST) == segment_digest(item.segment):
                    outcome.ignored += 1  # the same final again
                    continue
                keep.append(_Pending(item.segment, replaces_digest=str(old.get(SegmentAttr.DIGEST, ""))))
            else:
                throttled = throttled or code not in ("None", "")
                keep.append(item)
        meta_code = reasons[-1].get("Code") or "None"
        if meta_code == "ConditionalCheckFailed":
            old_meta = _item_to_dict(reasons[-1].get("Item") or {})
            if old_meta.get(END_PUBLISHED):
                self._ended.add(share.call_id)  # resent without rejoining the live-calls index
            stored_seq = int(old_meta.get(CallAttr.LAST_WRITE_SEQ, 0) or 0)
            self._last_seq[share.call_id] = max(stored_seq, self._last_seq.get(share.call_id, 0))
        elif meta_code != "None":
            throttled = True
        return keep, throttled

    def _read_calls(self, call_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """Call records, strongly consistent, one BatchGetItem per 100 calls (not a GetItem each).

        A record still unread after retries is left out: the caller reads it on its own.
        """
        found: dict[str, dict[str, Any]] = {}
        by_pk = {c.call_pk(call_id): call_id for call_id in call_ids}
        for start in range(0, len(call_ids), MAX_BATCH_GET_KEYS):
            keys = [self._meta_key(call_id) for call_id in call_ids[start : start + MAX_BATCH_GET_KEYS]]
            try:
                for attempt in range(self.max_attempts):
                    response = self._with_retries(
                        "batch_get_item",
                        RequestItems={self.table_name: {"Keys": keys, "ConsistentRead": True}},
                    )
                    for item in response.get("Responses", {}).get(self.table_name, []):
                        found[by_pk[item[c.PK]["S"]]] = _public_call(_item_to_dict(item))
                    keys = response.get("UnprocessedKeys", {}).get(self.table_name, {}).get("Keys", [])
                    if not keys:
                        break
                    self._backoff(attempt)
            except Exception as error:  # noqa: BLE001 (the segments are written: report, don't fail)
                log.warning("call records not read back after the write: %s", error)
        return found

    # ----------------------------------------------------------------------- call record

    def _detail_sets(self, details: CallDetails, names: dict[str, str], values: dict[str, Any]) -> list[str]:
        sets = []
        for field_name, attr in _DETAIL_ATTRS:
            value = getattr(details, field_name)
            if value:
                names[f"#{attr.value}"] = attr.value
                values[f":{attr.value}"] = _s(str(value))
                sets.append(f"#{attr.value} = :{attr.value}")
        return sets

    def _update_call(
        self,
        call_id: str,
        *,
        sets: list[str],
        names: dict[str, str],
        values: dict[str, Any],
        condition: str | None,
        live_index: bool,
        removes: Iterable[str] = (),
        adds: Iterable[str] = (),
        now: datetime,
    ) -> bool:
        """One UpdateItem on the call record; with `live_index`, (re)joins the live-calls GSI
        unless the call has ended (then a second request without it). False if `condition` fails."""
        names = {**names, "#callId": CallAttr.CALL_ID.value}
        values = {**values, ":cid": _s(call_id)}
        base_sets = [*sets, "#callId = :cid"]
        # From the wall clock (event times may be old); set once: segment commits refresh it, and a
        # duplicated details/lifecycle record must change nothing.
        expires = self._expires_at(self._now())
        if expires:
            names["#ttl"] = c.TTL_ATTRIBUTE
            values[":ttl"] = expires
            base_sets.append("#ttl = if_not_exists(#ttl, :ttl)")

        def expression(extra_sets: list[str]) -> str:
            text = "SET " + ", ".join(base_sets + extra_sets)
            if list(adds):
                text += " ADD " + ", ".join(adds)
            if list(removes):
                text += " REMOVE " + ", ".join(removes)
            return text

        attempts: list[tuple[list[str], dict[str, str], dict[str, Any], str | None]] = []
        if live_index and call_id not in self._ended:
            live_names = {
                **names,
                "#g2pk": c.GSI_LIVE_CALLS_PK,
                "#g2sk": c.GSI_LIVE_CALLS_SK,
                "#ended": END_PUBLISHED,
                "#last": CallAttr.LAST_ACTIVITY_AT.value,
            }
            live_values = {**values, ":livepk": _s(c.LIVE_CALLS_PK), ":at_live": _s(self._iso(now))}
            live_condition = "attribute_not_exists(#ended)"
            if condition:
                live_condition = f"({condition}) AND {live_condition}"
            attempts.append(
                (
                    ["#g2pk = :livepk", "#g2sk = if_not_exists(#last, :at_live)"],
                    live_names,
                    live_values,
                    live_condition,
                )
            )
        attempts.append(([], names, values, condition))
        for extra_sets, attempt_names, attempt_values, attempt_condition in attempts:
            kwargs: dict[str, Any] = {
                "TableName": self.table_name,
                "Key": self._meta_key(call_id),
                "UpdateExpression": expression(extra_sets),
                "ExpressionAttributeNames": attempt_names,
                "ExpressionAttributeValues": attempt_values,
            }
            if attempt_condition:
                kwargs["ConditionExpression"] = attempt_condition
            try:
                self._with_retries("update_item", **kwargs)
            except Exception as error:
                if _error_code(error) == "ConditionalCheckFailedException":
                    continue
                raise
            return True
        return False

    def _with_retries(self, operation: str, **kwargs: Any) -> Any:
        for attempt in range(self.max_attempts):
            try:
                return self._call(operation, **kwargs)
            except Exception as error:
                if _error_code(error) not in RETRYABLE_CODES or attempt == self.max_attempts - 1:
                    raise
                self._backoff(attempt)
        raise AssertionError("unreachable")

    def _lifecycle_fields(
        self, details: CallDetails, at: datetime
    ) -> tuple[list[str], dict[str, str], dict[str, Any]]:
        names: dict[str, str] = {
            "#status": CallAttr.STATUS.value,
            "#startedAt": CallAttr.STARTED_AT.value,
            "#g1pk": c.GSI_BY_DAY_PK,
            "#g1sk": c.GSI_BY_DAY_SK,
            "#last": CallAttr.LAST_ACTIVITY_AT.value,
        }
        at_iso = self._iso(at)
        values: dict[str, Any] = {
            ":at": _s(at_iso),
            ":day": _s(c.day_pk(at_iso[:10])),
            ":daysk": _s(f"{at_iso}#{details.call_id}"),
            ":live": _s(CallStatus.LIVE.value),
        }
        sets = ["#last = if_not_exists(#last, :at)", *self._detail_sets(details, names, values)]
        return sets, names, values

    def mark_started(self, details: CallDetails, at: str) -> bool:
        moment = self._instant(at)
        sets, names, values = self._lifecycle_fields(details, moment)
        names["#startPub"] = START_PUBLISHED
        values[":true"] = {"BOOL": True}
        sets += [
            "#startPub = :true",
            "#status = if_not_exists(#status, :live)",
            "#startedAt = :at",
            "#g1pk = :day",
            "#g1sk = :daysk",
        ]
        return self._update_call(
            details.call_id,
            sets=sets,
            names=names,
            values=values,
            condition="attribute_not_exists(#startPub)",
            live_index=True,
            now=moment,
        )

    def mark_ended(self, details: CallDetails, at: str) -> bool:
        moment = self._instant(at)
        sets, names, values = self._lifecycle_fields(details, moment)
        names.update(
            {
                "#endPub": END_PUBLISHED,
                "#endedAt": CallAttr.ENDED_AT.value,
                "#g2pk": c.GSI_LIVE_CALLS_PK,
                "#g2sk": c.GSI_LIVE_CALLS_SK,
            }
        )
        values.update({":true": {"BOOL": True}, ":ended": _s(CallStatus.ENDED.value)})
        sets += [
            "#endPub = :true",
            "#status = :ended",
            "#endedAt = :at",
            "#startedAt = if_not_exists(#startedAt, :at)",
            "#g1pk = if_not_exists(#g1pk, :day)",
            "#g1sk = if_not_exists(#g1sk, :daysk)",
        ]
        del values[":live"]
        first = self._update_call(
            details.call_id,
            sets=sets,
            names=names,
            values=values,
            condition="attribute_not_exists(#endPub)",
            live_index=False,
            removes=("#g2pk", "#g2sk"),
            now=moment,
        )
        self._ended.add(details.call_id)
        return first

    def release_start(self, call_id: str) -> None:
        """Undo a successful mark_started whose CallStarted could not be published (retry sends it)."""
        self._release(call_id, START_PUBLISHED)

    def release_end(self, call_id: str) -> None:
        """Undo a successful mark_ended whose CallEnded could not be published (retry sends it)."""
        self._release(call_id, END_PUBLISHED)
        self._ended.discard(call_id)

    def _release(self, call_id: str, flag: str) -> None:
        self._with_retries(
            "update_item",
            TableName=self.table_name,
            Key=self._meta_key(call_id),
            UpdateExpression="REMOVE #flag",
            ExpressionAttributeNames={"#flag": flag},
        )

    def update_details(self, details: CallDetails, at: str) -> None:
        moment = self._instant(at)
        sets, names, values = self._lifecycle_fields(details, moment)
        sets += [
            "#status = if_not_exists(#status, :live)",
            "#startedAt = if_not_exists(#startedAt, :at)",
            "#g1pk = if_not_exists(#g1pk, :day)",
            "#g1sk = if_not_exists(#g1sk, :daysk)",
        ]
        self._update_call(
            details.call_id,
            sets=sets,
            names=names,
            values=values,
            condition=None,
            live_index=True,
            now=moment,
        )

    def add_categories(self, call_id: str, categories: Sequence[str], at: str) -> None:
        """Union `categories` (e.g. TCA category matches) into the call's category set."""
        wanted = sorted({str(category) for category in categories if category})
        if not wanted:
            return
        moment = self._instant(at)
        sets, names, values = self._lifecycle_fields(CallDetails(call_id=call_id), moment)
        sets += [
            "#status = if_not_exists(#status, :live)",
            "#startedAt = if_not_exists(#startedAt, :at)",
            "#g1pk = if_not_exists(#g1pk, :day)",
            "#g1sk = if_not_exists(#g1sk, :daysk)",
        ]
        names["#cats"] = CallAttr.CATEGORIES.value
        values[":cats"] = {"SS": wanted}
        self._update_call(
            call_id,
            sets=sets,
            names=names,
            values=values,
            condition=None,
            live_index=True,
            adds=("#cats :cats",),
            now=moment,
        )

    # ----------------------------------------------------------------------- reads

    def get_call(self, call_id: str) -> dict[str, Any] | None:
        response = self._with_retries(
            "get_item", TableName=self.table_name, Key=self._meta_key(call_id), ConsistentRead=True
        )
        item = response.get("Item")
        return _public_call(_item_to_dict(item)) if item else None

    def _query_all(self, **kwargs: Any) -> Iterator[dict[str, Any]]:
        """Every item of a query, following LastEvaluatedKey past DynamoDB's 1 MB pages."""
        start: dict[str, Any] | None = None
        while True:
            page_kwargs = dict(kwargs)
            if start:
                page_kwargs["ExclusiveStartKey"] = start
            response = self._with_retries("query", **page_kwargs)
            yield from response.get("Items", [])
            start = response.get("LastEvaluatedKey")
            if not start:
                return

    def list_segments(self, call_id: str) -> list[Segment]:
        items = self._query_all(
            TableName=self.table_name,
            KeyConditionExpression="#pk = :pk AND begins_with(#sk, :seg)",
            ExpressionAttributeNames={"#pk": c.PK, "#sk": c.SK},
            ExpressionAttributeValues={":pk": _s(c.call_pk(call_id)), ":seg": _s(c.SEGMENT_SK_PREFIX)},
            ConsistentRead=True,
        )
        return resolve(_segment_from_item(item) for item in items)

    def list_segments_since(
        self, call_id: str, cursor: str | None, *, call_record: Mapping[str, Any] | None = None
    ) -> tuple[list[Segment], str]:
        """Segments written or changed after `cursor` (None: all), in spoken order, and the next cursor.

        The cursor is the call's committed `lastWriteSeq` read first (strongly consistent), so a
        segment committed while we read is returned on the next poll, never skipped. Readers merge
        by segment_id: a final returned later replaces the partial returned earlier. A caller that
        has just read the call record with `get_call` passes it as `call_record` to save a read.
        """
        after = 0
        if cursor:
            if not cursor.isdigit():
                raise InvalidCursor(f"not a transcript cursor: {cursor[:40]!r}")
            after = int(cursor)
        record = call_record if call_record is not None else self.get_call(call_id)
        watermark = int((record or {}).get(CallAttr.LAST_WRITE_SEQ, 0) or 0)
        if watermark <= after:
            return [], str(max(after, watermark))
        items = self._query_all(
            TableName=self.table_name,
            IndexName=c.LSI_SEGMENT_WRITES,
            KeyConditionExpression="#pk = :pk AND #seq BETWEEN :after AND :upto",
            ExpressionAttributeNames={"#pk": c.PK, "#seq": c.SEGMENT_WRITE_SEQ},
            ExpressionAttributeValues={
                ":pk": _s(c.call_pk(call_id)),
                ":after": _n(after + 1),
                ":upto": _n(watermark),
            },
            ConsistentRead=True,
        )
        return resolve(_segment_from_item(item) for item in items), str(watermark)

    def list_calls(self, day: str, limit: int = 50, cursor: str | None = None) -> Page:
        kwargs: dict[str, Any] = {
            "TableName": self.table_name,
            "IndexName": c.GSI_BY_DAY,
            "KeyConditionExpression": "#pk = :pk",
            "ExpressionAttributeNames": {"#pk": c.GSI_BY_DAY_PK},
            "ExpressionAttributeValues": {":pk": _s(c.day_pk(day))},
            "ScanIndexForward": False,
            "Limit": max(1, min(limit, 500)),
        }
        if cursor:
            kwargs["ExclusiveStartKey"] = _decode_cursor(cursor)
        response = self._with_retries("query", **kwargs)
        items = [_public_call(_item_to_dict(item)) for item in response.get("Items", [])]
        last = response.get("LastEvaluatedKey")
        return Page(items=items, cursor=_encode_cursor(last) if last else None)

    def list_live_calls(self, idle_before: str | None = None) -> list[dict[str, Any]]:
        """Calls not yet ended (optionally only those idle since before `idle_before`, ISO UTC)."""
        condition = "#pk = :pk"
        names = {"#pk": c.GSI_LIVE_CALLS_PK}
        values: dict[str, Any] = {":pk": _s(c.LIVE_CALLS_PK)}
        if idle_before:
            condition += " AND #sk < :cutoff"
            names["#sk"] = c.GSI_LIVE_CALLS_SK
            values[":cutoff"] = _s(idle_before)
        items = self._query_all(
            TableName=self.table_name,
            IndexName=c.GSI_LIVE_CALLS,
            KeyConditionExpression=condition,
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
        )
        return [_public_call(_item_to_dict(item)) for item in items]


_INTERNAL_CALL_ATTRS = frozenset(
    {c.PK, c.SK, c.GSI_BY_DAY_PK, c.GSI_BY_DAY_SK, c.GSI_LIVE_CALLS_PK, c.GSI_LIVE_CALLS_SK}
)


def _public_call(record: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if k not in _INTERNAL_CALL_ATTRS}
