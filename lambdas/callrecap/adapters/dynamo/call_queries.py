"""Reads of calls and their transcripts, strongly consistent: a call record, its segments (all, or
those changed since an API cursor), the calls of a day. Read-only: the API
function is wired with these alone, so its role is granted reads only."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from callrecap import contracts as c
from callrecap.adapters.dynamo.call_batches import CallRecordBatches
from callrecap.adapters.dynamo.codec import InvalidCursor, attr, decode_cursor, encode_cursor, from_item
from callrecap.contracts import CallAttr, SegmentAttr
from callrecap.domain.models import Segment, Speaker
from callrecap.domain.ports import Page
from callrecap.domain.transcripts.rules import resolve

BY_DAY_CURSOR_KEYS = frozenset({c.PK, c.SK, c.GSI_BY_DAY_PK, c.GSI_BY_DAY_SK})
"""A LastEvaluatedKey of the byDay index: the table key and the index key."""

_INTERNAL_CALL_ATTRS = frozenset(
    {c.PK, c.SK, c.GSI_BY_DAY_PK, c.GSI_BY_DAY_SK, c.GSI_LIVE_CALLS_PK, c.GSI_LIVE_CALLS_SK}
)


def public_call(record: Mapping[str, Any]) -> dict[str, Any]:
    """A call record as the API and the domain see it: no table keys."""
    return {k: v for k, v in record.items() if k not in _INTERNAL_CALL_ATTRS}


def segment_from_item(item: Mapping[str, Any]) -> Segment:
    data = from_item(item)
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


class CallQueries(CallRecordBatches):
    """Strongly consistent reads of calls and transcripts; paginated lists by day and live calls."""

    def get_call(self, call_id: str) -> dict[str, Any] | None:
        record = self._read(call_id, c.CALL_META_SK)
        return public_call(record) if record else None

    def list_segments(self, call_id: str) -> list[Segment]:
        items = self._query_all(
            TableName=self.table_name,
            KeyConditionExpression="#pk = :pk AND begins_with(#sk, :seg)",
            ExpressionAttributeNames={"#pk": c.PK, "#sk": c.SK},
            ExpressionAttributeValues={":pk": attr(c.call_pk(call_id)), ":seg": attr(c.SEGMENT_SK_PREFIX)},
            ConsistentRead=True,
        )
        return resolve(segment_from_item(item) for item in items)

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
                ":pk": attr(c.call_pk(call_id)),
                ":after": attr(after + 1),
                ":upto": attr(watermark),
            },
            ConsistentRead=True,
        )
        return resolve(segment_from_item(item) for item in items), str(watermark)

    def list_calls(self, day: str, limit: int = 50, cursor: str | None = None) -> Page:
        kwargs: dict[str, Any] = {
            "TableName": self.table_name,
            "IndexName": c.GSI_BY_DAY,
            "KeyConditionExpression": "#pk = :pk",
            "ExpressionAttributeNames": {"#pk": c.GSI_BY_DAY_PK},
            "ExpressionAttributeValues": {":pk": attr(c.day_pk(day))},
            "ScanIndexForward": False,
            "Limit": max(1, min(limit, 500)),
        }
        if cursor:
            kwargs["ExclusiveStartKey"] = decode_cursor(
                cursor, key_attributes=BY_DAY_CURSOR_KEYS, fixed={c.GSI_BY_DAY_PK: c.day_pk(day)}
            )
        response = self._call("query", **kwargs)
        # The index is keys-only (schema.py): the records are read in one BatchGetItem, in order.
        call_ids = [c.call_id_of_pk(str(from_item(item)[c.PK])) for item in response.get("Items", [])]
        records = self._read_call_records(call_ids)
        items = [public_call(records[call_id]) for call_id in call_ids if call_id in records]
        last = response.get("LastEvaluatedKey")
        return Page(items=items, cursor=encode_cursor(last) if last else None)
