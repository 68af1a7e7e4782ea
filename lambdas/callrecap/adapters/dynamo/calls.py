"""The call record (`META`): lifecycle updates and the reads of calls and their transcripts.

Lifecycle updates are conditional on the start/end flags, so exactly one of the legs, records or
sweeps that observe a boundary publishes it (domain.call_lifecycle); `release_*` undo a claim
whose event could not be published. Reads return call records without the table's internal keys.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from callrecap import contracts as c
from callrecap.adapters.dynamo.codec import (
    InvalidCursor,
    attr,
    decode_cursor,
    encode_cursor,
    from_item,
    string_set,
)
from callrecap.adapters.dynamo.table import CallTableState
from callrecap.contracts import CallAttr, SegmentAttr
from callrecap.domain.models import (
    CALL_DETAIL_ATTRS,
    CallDetails,
    CallStatus,
    ProducerSummaryObserved,
    Segment,
    Speaker,
)
from callrecap.domain.ports import Page
from callrecap.domain.transcript import resolve

START_PUBLISHED = CallAttr.START_PUBLISHED.value
END_PUBLISHED = CallAttr.END_PUBLISHED.value


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


class CallLifecycle(CallTableState):
    """Conditional updates of the call record: start, end, details, categories."""

    def _detail_sets(self, details: CallDetails, names: dict[str, str], values: dict[str, Any]) -> list[str]:
        sets = []
        for field_name, name in CALL_DETAIL_ATTRS:
            value = getattr(details, field_name)
            if value:
                names[f"#{name.value}"] = name.value
                values[f":{name.value}"] = attr(str(value))
                sets.append(f"#{name.value} = :{name.value}")
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
        values = {**values, ":cid": attr(call_id)}
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
            live_values = {**values, ":livepk": attr(c.LIVE_CALLS_PK), ":at_live": attr(self._iso(now))}
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
            if self._update_if(
                self._meta_key(call_id),
                expression(extra_sets),
                attempt_condition,
                ExpressionAttributeNames=attempt_names,
                ExpressionAttributeValues=attempt_values,
            ):
                return True
        return False

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
            ":at": attr(at_iso),
            ":day": attr(c.day_pk(at_iso[:10])),
            ":daysk": attr(f"{at_iso}#{details.call_id}"),
            ":live": attr(CallStatus.LIVE.value),
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
        values.update({":true": {"BOOL": True}, ":ended": attr(CallStatus.ENDED.value)})
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
        self._call(
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
        values[":cats"] = string_set(wanted)
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

    def set_producer_summary(self, summary: ProducerSummaryObserved) -> None:
        """The producer's own summary (Connect's PostContactSummary) on the call record."""
        moment = self._instant(summary.at)
        sets, names, values = self._lifecycle_fields(CallDetails(call_id=summary.call_id), moment)
        sets += [
            "#status = if_not_exists(#status, :live)",
            "#startedAt = if_not_exists(#startedAt, :at)",
            "#g1pk = if_not_exists(#g1pk, :day)",
            "#g1sk = if_not_exists(#g1sk, :daysk)",
            "#ps = :ps",
        ]
        names["#ps"] = CallAttr.PRODUCER_SUMMARY.value
        values[":ps"] = attr({"text": summary.text, "status": summary.status, "source": summary.source})
        self._update_call(
            summary.call_id,
            sets=sets,
            names=names,
            values=values,
            condition=None,
            live_index=True,
            now=moment,
        )


class CallQueries(CallTableState):
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
        items = [public_call(from_item(item)) for item in response.get("Items", [])]
        last = response.get("LastEvaluatedKey")
        return Page(items=items, cursor=encode_cursor(last) if last else None)

    def list_live_calls(self, idle_before: str | None = None) -> list[dict[str, Any]]:
        """Calls not yet ended (optionally only those idle since before `idle_before`, ISO UTC)."""
        condition = "#pk = :pk"
        names = {"#pk": c.GSI_LIVE_CALLS_PK}
        values: dict[str, Any] = {":pk": attr(c.LIVE_CALLS_PK)}
        if idle_before:
            condition += " AND #sk < :cutoff"
            names["#sk"] = c.GSI_LIVE_CALLS_SK
            values[":cutoff"] = attr(idle_before)
        items = self._query_all(
            TableName=self.table_name,
            IndexName=c.GSI_LIVE_CALLS,
            KeyConditionExpression=condition,
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
        )
        return [public_call(from_item(item)) for item in items]
