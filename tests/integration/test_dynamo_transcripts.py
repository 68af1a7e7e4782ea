"""DynamoTranscriptStore against moto's DynamoDB: idempotency, ordering, counters, pagination,
throttling, lifecycle flags and the "changed since cursor" read."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from callrecap import contracts as c
from callrecap.adapters.dynamo.codec import InvalidCursor
from callrecap.adapters.dynamo.schema import create_table
from callrecap.adapters.dynamo.transcripts import DynamoTranscriptStore
from callrecap.contracts import CallAttr
from callrecap.domain.models import CallDetails, Segment, Speaker

TABLE = "store-test"


class Clock:
    """Deterministic wall clock: every reading is 1 ms after the previous one."""

    def __init__(self) -> None:
        self.now = datetime(2025, 3, 4, 10, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(milliseconds=1)
        return self.now


@pytest.fixture
def client() -> Iterator[Any]:
    with mock_aws():
        dynamodb = boto3.client("dynamodb")
        create_table(dynamodb, TABLE)
        yield dynamodb


@pytest.fixture
def store(client: Any) -> DynamoTranscriptStore:
    return DynamoTranscriptStore(TABLE, client=client, clock=Clock(), sleep=lambda _: None)


def seg(
    segment_id: str, start: float, text: str = "", *, partial: bool = False, call: str = "c1", end: float = 0
) -> Segment:
    return Segment(
        call_id=call,
        segment_id=segment_id,
        speaker=Speaker.AGENT if int(start) % 2 == 0 else Speaker.CUSTOMER,
        start_time=start,
        end_time=end or start + 1.5,
        text=text or f"utterance {segment_id}",
        is_partial=partial,
        channel="ch_0",
    )


def all_items(client: Any) -> list[dict[str, Any]]:
    return client.scan(TableName=TABLE)["Items"]


def test_out_of_order_segments_read_back_in_spoken_order(store: DynamoTranscriptStore) -> None:
    store.put_segments([seg("c", 30.0), seg("a", 1.0)])
    store.put_segments([seg("b", 12.5)])
    assert [s.segment_id for s in store.list_segments("c1")] == ["a", "b", "c"]


def test_retried_and_duplicated_records_change_nothing(store: DynamoTranscriptStore, client: Any) -> None:
    batch = [seg("a", 1.0), seg("b", 2.0), seg("a", 1.0)]
    first = store.put_segments(batch)
    assert (first.written, first.ignored, first.failed) == (2, 1, ())
    items_before = all_items(client)
    call_before = store.get_call("c1")

    again = store.put_segments(batch)

    assert (again.written, again.ignored, again.failed) == (0, 3, ())
    assert again.revisions == {}
    assert all_items(client) == items_before
    assert store.get_call("c1") == call_before
    assert call_before is not None
    assert call_before[CallAttr.SEGMENT_COUNT] == 2
    assert call_before[CallAttr.TRANSCRIPT_REVISION] == 1


def test_partial_never_overwrites_final_and_final_replaces_partial(store: DynamoTranscriptStore) -> None:
    store.put_segments([seg("a", 1.0, "hello wor", partial=True, end=1.8)])
    assert store.list_segments("c1")[0].is_partial
    store.put_segments([seg("a", 1.0, "hello world", end=2.0)])
    late_partial = store.put_segments([seg("a", 1.0, "hello wor", partial=True, end=1.8)])
    in_batch = store.put_segments(
        [seg("b", 3.0, "fine thanks"), seg("b", 3.0, "fine", partial=True, end=3.5)]
    )

    (a, b) = store.list_segments("c1")
    assert (a.text, a.is_partial) == ("hello world", False)
    assert (b.text, b.is_partial) == ("fine thanks", False)
    assert late_partial.ignored == 1 and late_partial.written == 0
    assert in_batch.written == 1
    call = store.get_call("c1")
    assert call is not None and call[CallAttr.SEGMENT_COUNT] == 2


def test_older_partial_does_not_replace_a_longer_one(store: DynamoTranscriptStore) -> None:
    store.put_segments([seg("a", 1.0, "hello there my", partial=True, end=2.5)])
    result = store.put_segments([seg("a", 1.0, "hello", partial=True, end=1.4)])
    assert result.ignored == 1
    assert store.list_segments("c1")[0].text == "hello there my"


def test_corrected_final_bumps_revision_but_not_count(store: DynamoTranscriptStore) -> None:
    store.put_segments([seg("a", 1.0, "I want to cancel")])
    result = store.put_segments([seg("a", 1.0, "I want to cancel my order")])
    assert result.written == 1 and result.revisions == {"c1": 2}
    call = store.get_call("c1")
    assert call is not None
    assert (call[CallAttr.SEGMENT_COUNT], call[CallAttr.TRANSCRIPT_REVISION]) == (1, 2)
    assert store.list_segments("c1")[0].text == "I want to cancel my order"


def test_partials_only_do_not_bump_revision(store: DynamoTranscriptStore) -> None:
    result = store.put_segments([seg("a", 1.0, "hel", partial=True)])
    assert result.written == 1 and result.revisions == {}
    call = store.get_call("c1")
    assert call is not None and call[CallAttr.TRANSCRIPT_REVISION] == 0


def test_requests_per_100_segments(store: DynamoTranscriptStore) -> None:
    """The figure quoted in docs/events.md: 100 new finals of one call cost 3 requests
    (2 TransactWriteItems of <= 99 segments + 1 BatchGetItem of the call record)."""
    store.put_segments([seg(f"s{i:03}", float(i)) for i in range(100)])
    assert dict(store.requests) == {"transact_write_items": 2, "batch_get_item": 1}
    assert sum(store.requests.values()) <= 5


def interleaved(calls: int, per_call: int, tag: str = "") -> list[Segment]:
    """What a busy shard delivers: the segments of `calls` concurrent calls, interleaved."""
    return [seg(f"{tag}s{i:03}", float(i), call=f"call-{n}") for i in range(per_call) for n in range(calls)]


def test_requests_per_100_segments_of_ten_interleaved_calls(store: DynamoTranscriptStore) -> None:
    """Calls share transactions: 10 calls x 10 segments cost 2 TransactWriteItems (110 items)
    + 1 BatchGetItem of the 10 call records, not one write and one read per call."""
    result = store.put_segments(interleaved(10, 10))

    assert (result.written, result.failed) == (100, ())
    assert dict(store.requests) == {"transact_write_items": 2, "batch_get_item": 1}
    assert sum(store.requests.values()) <= 5
    assert result.revisions == {f"call-{n}": 1 for n in range(10)}
    for n in range(10):
        call = store.get_call(f"call-{n}")
        assert call is not None and call[CallAttr.SEGMENT_COUNT] == 10
        assert len(store.list_segments(f"call-{n}")) == 10


def test_ten_interleaved_calls_retried_change_nothing(store: DynamoTranscriptStore, client: Any) -> None:
    batch = interleaved(10, 10)
    store.put_segments(batch)
    items_before = all_items(client)
    store.requests.clear()

    again = store.put_segments(batch)

    assert (again.written, again.ignored, again.failed, again.revisions) == (0, 100, (), {})
    assert all_items(client) == items_before
    assert sum(store.requests.values()) <= 5  # cancelled transactions + 1 read-back, no retry


def test_a_refused_item_in_a_shared_transaction_loses_none_of_the_others(
    store: DynamoTranscriptStore, client: Any
) -> None:
    store.put_segments([seg("s000", 0.0, call="call-3"), seg("s001", 1.0, "first take", call="call-7")])
    corrected = seg("s001", 1.0, "corrected take", call="call-7")
    batch = [s if s.segment_id != "s001" or s.call_id != "call-7" else corrected for s in interleaved(10, 5)]

    result = store.put_segments(batch)

    assert (result.written, result.ignored, result.failed) == (49, 1, ())
    assert result.revisions == {f"call-{n}": 2 if n in (3, 7) else 1 for n in range(10)}
    for n in range(10):
        call = store.get_call(f"call-{n}")
        assert call is not None
        assert call[CallAttr.SEGMENT_COUNT] == 5
    assert [s.text for s in store.list_segments("call-7")][1] == "corrected take"


def test_write_cursor_grows_per_call_across_shared_transactions(store: DynamoTranscriptStore) -> None:
    """A call split over two transactions of one batch gets a newer writeSeq in the second."""
    store.put_segments(interleaved(3, 40))  # 120 segments + 3 records: split over 2 transactions
    cursors = {}
    for n in range(3):
        segments, cursor = store.list_segments_since(f"call-{n}", None)
        assert len(segments) == 40
        cursors[n] = cursor
    store.put_segments(interleaved(3, 2, tag="x"))
    for n in range(3):
        changed, newer = store.list_segments_since(f"call-{n}", cursors[n])
        assert [s.segment_id for s in changed] == ["xs000", "xs001"]
        assert int(newer) > int(cursors[n])


def test_requests_per_100_segments_with_duplicates_mixed_in(store: DynamoTranscriptStore) -> None:
    store.put_segments([seg(f"s{i:03}", float(i)) for i in range(0, 100, 2)])
    store.requests.clear()
    result = store.put_segments([seg(f"s{i:03}", float(i)) for i in range(100)])
    assert (result.written, result.ignored) == (50, 50)
    # one cancelled round (the 50 copies are refused) + one commit per chunk, + the read-back
    assert sum(store.requests.values()) <= 5


def test_every_item_has_a_ttl_from_settings(store: DynamoTranscriptStore, client: Any) -> None:
    store.put_segments([seg("a", 1.0)])
    store.mark_started(CallDetails("c1"), "2020-01-01T00:00:00Z")
    items = all_items(client)
    assert items and all(c.TTL_ATTRIBUTE in item for item in items)
    expires = {int(item[c.TTL_ATTRIBUTE]["N"]) for item in items}
    lower = datetime(2025, 3, 4, tzinfo=UTC) + timedelta(days=90)
    assert all(value >= lower.timestamp() for value in expires)  # wall clock, not the event time


def test_ttl_zero_days_means_no_expiry(client: Any) -> None:
    store = DynamoTranscriptStore(TABLE, client=client, ttl_days=0, clock=Clock())
    store.put_segments([seg("a", 1.0)])
    assert all(c.TTL_ATTRIBUTE not in item for item in all_items(client))


def seed(store: DynamoTranscriptStore, client: Any, segments: list[Segment]) -> None:
    from callrecap.adapters.dynamo.segment_writer import _Pending

    now = datetime(2025, 3, 4, tzinfo=UTC)
    items = [store._segment_put(s, _Pending(s), 1, now)["Put"]["Item"] for s in segments]
    for start in range(0, len(items), 25):
        requests = [{"PutRequest": {"Item": item}} for item in items[start : start + 25]]
        assert not client.batch_write_item(RequestItems={TABLE: requests}).get("UnprocessedItems")


def test_three_hour_call_reads_back_past_the_1mb_page(store: DynamoTranscriptStore, client: Any) -> None:
    filler = "and then we went through the account settings together one more time to be sure " * 5
    segments = [seg(f"u{i:05}", i * 4.0, f"{i} {filler}") for i in range(2700)]  # 3 h, one every 4 s
    # Seeded with BatchWriteItem in the store's own item format: moto copies the whole table for
    # every TransactWriteItems, which would make 28 transactions over 2,700 items take minutes.
    seed(store, client, list(reversed(segments)))
    store.requests.clear()

    read = store.list_segments("c1")

    assert len(read) == 2700
    assert [s.segment_id for s in read] == [s.segment_id for s in segments]
    assert store.requests["query"] >= 2  # more than one 1 MB page
    size = sum(len(s.text) for s in read)
    assert size > 1_000_000


class ThrottlingClient:
    """Wraps a client; TransactWriteItems touching `throttled_calls` fails with throttling
    `failures` times (forever when None)."""

    def __init__(self, inner: Any, throttled_calls: set[str], failures: int | None = None) -> None:
        self.inner = inner
        self.throttled_calls = {c.call_pk(call) for call in throttled_calls}
        self.failures = failures

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def transact_write_items(self, **kwargs: Any) -> Any:
        keys = {
            (action.get("Put", {}).get("Item") or action.get("Update", {}).get("Key"))[c.PK]["S"]
            for action in kwargs["TransactItems"]
        }
        if keys & self.throttled_calls and (self.failures is None or self.failures > 0):
            if self.failures is not None:
                self.failures -= 1
            raise ClientError(
                {"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "slow down"}},
                "TransactWriteItems",
            )
        return self.inner.transact_write_items(**kwargs)


def test_throttled_call_is_returned_as_failed_others_are_written(client: Any) -> None:
    sleeps: list[float] = []
    store = DynamoTranscriptStore(
        TABLE, client=ThrottlingClient(client, {"hot"}), clock=Clock(), sleep=sleeps.append
    )
    result = store.put_segments(
        [seg("a", 1.0, call="hot"), seg("b", 1.0, call="cool"), seg("c", 2.0, call="hot")]
    )
    assert result.written == 1
    assert sorted(s.segment_id for s in result.failed) == ["a", "c"]
    assert len(sleeps) == store.max_attempts - 1 and sleeps == sorted(sleeps)  # exponential backoff
    assert store.list_segments("hot") == []
    assert [s.segment_id for s in store.list_segments("cool")] == ["b"]


def test_a_call_throttled_inside_a_shared_transaction_is_sent_alone(client: Any) -> None:
    store = DynamoTranscriptStore(
        TABLE, client=ThrottlingClient(client, {"call-4"}), clock=Clock(), sleep=lambda _: None
    )
    result = store.put_segments(interleaved(10, 5))

    assert result.written == 45
    assert {s.call_id for s in result.failed} == {"call-4"} and len(result.failed) == 5
    assert set(result.revisions) == {f"call-{n}" for n in range(10) if n != 4}
    assert store.list_segments("call-4") == []
    assert all(len(store.list_segments(f"call-{n}")) == 5 for n in range(10) if n != 4)


def test_transient_throttling_is_retried(client: Any) -> None:
    store = DynamoTranscriptStore(
        TABLE, client=ThrottlingClient(client, {"c1"}, failures=2), clock=Clock(), sleep=lambda _: None
    )
    result = store.put_segments([seg("a", 1.0)])
    assert (result.written, result.failed) == (1, ())


class CancellingClient(ThrottlingClient):
    """The first transaction is cancelled with ThrottlingError on its first item."""

    def transact_write_items(self, **kwargs: Any) -> Any:
        if self.failures:
            self.failures -= 1
            reasons = [{"Code": "ThrottlingError"}] + [{"Code": "None"}] * (len(kwargs["TransactItems"]) - 1)
            error = ClientError(
                {"Error": {"Code": "TransactionCanceledException", "Message": "cancelled"}},
                "TransactWriteItems",
            )
            error.response["CancellationReasons"] = reasons  # type: ignore[typeddict-unknown-key]
            raise error
        return self.inner.transact_write_items(**kwargs)


def test_cancelled_by_item_throttling_is_retried(client: Any) -> None:
    sleeps: list[float] = []
    store = DynamoTranscriptStore(
        TABLE, client=CancellingClient(client, set(), failures=1), clock=Clock(), sleep=sleeps.append
    )
    result = store.put_segments([seg("a", 1.0), seg("b", 2.0)])
    assert (result.written, result.failed) == (2, ())
    assert len(sleeps) == 1


class ItemThrottlingClient(ThrottlingClient):
    """Cancels every transaction touching `throttled_calls` with ThrottlingError on their items
    only (how DynamoDB reports a hot partition inside a transaction), or fails it with
    `error_code` for the whole request."""

    def __init__(self, inner: Any, throttled_calls: set[str], error_code: str = "") -> None:
        super().__init__(inner, throttled_calls)
        self.error_code = error_code
        self.sizes: list[tuple[int, int]] = []

    def transact_write_items(self, **kwargs: Any) -> Any:
        items = kwargs["TransactItems"]
        self.sizes.append((len(items), len(json.dumps(items).encode())))
        keys = [(a.get("Put", {}).get("Item") or a.get("Update", {}).get("Key"))[c.PK]["S"] for a in items]
        if not set(keys) & self.throttled_calls:
            return self.inner.transact_write_items(**kwargs)
        if self.error_code:
            raise ClientError({"Error": {"Code": self.error_code, "Message": "no"}}, "TransactWriteItems")
        error = ClientError(
            {"Error": {"Code": "TransactionCanceledException", "Message": "cancelled"}}, "TransactWriteItems"
        )
        error.response["CancellationReasons"] = [  # type: ignore[typeddict-unknown-key]
            {"Code": "ThrottlingError" if key in self.throttled_calls else "None"} for key in keys
        ]
        raise error


@pytest.mark.parametrize("error_code", ["", "ValidationException"], ids=["item-throttling", "unexpected"])
def test_one_failing_call_in_a_shared_transaction_fails_alone(client: Any, error_code: str) -> None:
    inner = ItemThrottlingClient(client, {"call-2"}, error_code)
    store = DynamoTranscriptStore(TABLE, client=inner, clock=Clock(), sleep=lambda _: None)

    result = store.put_segments(interleaved(4, 5))

    assert result.written == 15
    assert sorted(s.segment_id for s in result.failed if s.call_id == "call-2") == [
        f"s{i:03}" for i in range(5)
    ]
    assert {s.call_id for s in result.failed} == {"call-2"}
    assert store.list_segments("call-2") == [] and store.get_call("call-2") is None
    for n in (0, 1, 3):
        call = store.get_call(f"call-{n}")
        assert call is not None and call[CallAttr.SEGMENT_COUNT] == 5


def test_transactions_stay_within_100_items_and_4_mb(client: Any) -> None:
    inner = ItemThrottlingClient(client, set())
    store = DynamoTranscriptStore(TABLE, client=inner, clock=Clock(), sleep=lambda _: None)
    long_text = "x" * 150_000
    batch = [
        seg(f"s{i:03}", float(i), f"{i} {long_text}", call=f"call-{n}") for i in range(10) for n in range(3)
    ]

    result = store.put_segments(batch)

    assert (result.written, result.failed) == (30, ())
    assert len(inner.sizes) == 2  # 4.5 MB of segments: two transactions, not one per call
    assert all(items <= 100 and size < 4_000_000 for items, size in inner.sizes)


def test_mark_started_and_ended_are_true_exactly_once_either_order(store: DynamoTranscriptStore) -> None:
    details = CallDetails("c1", transaction_id="c1", from_number="+12065550100")
    assert store.mark_ended(details, "2025-03-04T10:05:00Z") is True
    assert store.mark_ended(details, "2025-03-04T10:05:01Z") is False
    assert store.mark_started(details, "2025-03-04T10:00:00Z") is True
    assert store.mark_started(details, "2025-03-04T10:00:00Z") is False
    call = store.get_call("c1")
    assert call is not None
    assert call[CallAttr.STATUS] == "ENDED"
    assert call[CallAttr.STARTED_AT] == "2025-03-04T10:00:00.000Z"
    assert call[CallAttr.ENDED_AT] == "2025-03-04T10:05:00.000Z"
    assert call[CallAttr.FROM_NUMBER] == "+12065550100"
    assert store.list_live_calls() == []  # ended before it started: never listed as live


def test_live_calls_index_follows_the_call(store: DynamoTranscriptStore) -> None:
    store.mark_started(CallDetails("c1"), "2025-03-04T10:00:00Z")
    store.put_segments([seg("a", 1.0)])
    store.put_segments([seg("x", 1.0, call="c2")])  # a call known only from its segments
    assert sorted(call["callId"] for call in store.list_live_calls()) == ["c1", "c2"]
    assert store.list_live_calls(idle_before="2025-03-04T09:00:00Z") == []
    assert len(store.list_live_calls(idle_before="2025-03-05T00:00:00Z")) == 2

    store.mark_ended(CallDetails("c1"), "2025-03-04T10:05:00Z")
    late = store.put_segments([seg("b", 2.0)])  # a final transcript after the end

    assert late.written == 1
    assert [call["callId"] for call in store.list_live_calls()] == ["c2"]
    call = store.get_call("c1")
    assert call is not None and call[CallAttr.STATUS] == "ENDED"


def test_release_lets_the_next_attempt_publish(store: DynamoTranscriptStore) -> None:
    assert store.mark_started(CallDetails("c1"), "2025-03-04T10:00:00Z")
    store.release_start("c1")
    assert store.mark_started(CallDetails("c1"), "2025-03-04T10:00:00Z")
    assert store.mark_ended(CallDetails("c1"), "2025-03-04T10:01:00Z")
    store.release_end("c1")
    assert store.mark_ended(CallDetails("c1"), "2025-03-04T10:01:00Z")


def test_details_and_categories_merge(store: DynamoTranscriptStore) -> None:
    store.update_details(CallDetails("c1", agent_id="agent-7"), "2025-03-04T10:00:00Z")
    store.update_details(CallDetails("c1", to_number="+13605550199"), "2025-03-04T10:00:01Z")
    store.add_categories("c1", ["billing"], "2025-03-04T10:00:02Z")
    store.add_categories("c1", ["billing", "cancellation"], "2025-03-04T10:00:03Z")
    call = store.get_call("c1")
    assert call is not None
    assert call[CallAttr.AGENT_ID] == "agent-7" and call[CallAttr.TO_NUMBER] == "+13605550199"
    assert call[CallAttr.CATEGORIES] == ["billing", "cancellation"]


def test_list_calls_newest_first_with_opaque_cursor(store: DynamoTranscriptStore) -> None:
    for minute in range(5):
        store.mark_started(CallDetails(f"call-{minute}"), f"2025-03-04T10:0{minute}:00Z")
    store.mark_started(CallDetails("other-day"), "2025-03-05T10:00:00Z")

    first = store.list_calls("2025-03-04", limit=3)
    assert [call["callId"] for call in first.items] == ["call-4", "call-3", "call-2"]
    assert first.cursor is not None
    second = store.list_calls("2025-03-04", limit=3, cursor=first.cursor)
    assert [call["callId"] for call in second.items] == ["call-1", "call-0"]
    assert all(c.PK not in call and c.GSI_BY_DAY_PK not in call for call in first.items)
    with pytest.raises(InvalidCursor):
        store.list_calls("2025-03-04", cursor="not-a-cursor")


def test_segments_since_cursor_returns_only_changes(store: DynamoTranscriptStore) -> None:
    store.put_segments([seg("a", 1.0), seg("b", 2.0, "wai", partial=True)])
    everything, cursor = store.list_segments_since("c1", None)
    assert [s.segment_id for s in everything] == ["a", "b"]

    nothing, same = store.list_segments_since("c1", cursor)
    assert nothing == [] and same == cursor

    store.put_segments([seg("b", 2.0, "wait a moment"), seg("c", 3.0)])
    store.put_segments([seg("a", 1.0)])  # a duplicate: not a change
    changed, newer = store.list_segments_since("c1", cursor)
    assert [(s.segment_id, s.is_partial) for s in changed] == [("b", False), ("c", False)]
    assert int(newer) > int(cursor)
    with pytest.raises(InvalidCursor):
        store.list_segments_since("c1", "abc")
    assert store.list_segments_since("unknown", None) == ([], "0")


def test_segments_since_reuses_a_call_record_the_caller_already_read(store: DynamoTranscriptStore) -> None:
    """The api reads the call record anyway: passing it saves the second GetItem of every poll."""
    store.put_segments([seg("a", 1.0), seg("b", 2.0)])
    record = store.get_call("c1")
    expected = store.list_segments_since("c1", None)
    store.requests.clear()
    assert store.list_segments_since("c1", None, call_record=record) == expected
    assert "get_item" not in store.requests


def test_live_calls_spread_over_index_shards_and_are_all_found(client: Any) -> None:
    store = DynamoTranscriptStore(TABLE, client=client, clock=Clock(), sleep=lambda _: None)
    call_ids = [f"call-{n:03}" for n in range(150)]
    for start in range(0, len(call_ids), 50):
        store.put_segments([seg("a", 1.0, call=call_id) for call_id in call_ids[start : start + 50]])

    shards = {item[c.GSI_LIVE_CALLS_PK]["S"] for item in all_items(client) if c.GSI_LIVE_CALLS_PK in item}
    assert len(shards) > c.LIVE_CALLS_SHARDS // 2  # not one partition for every live call
    assert sorted(call["callId"] for call in store.list_live_calls()) == call_ids


def test_live_index_key_is_the_minute_and_the_record_decides_idleness(client: Any) -> None:
    now = [datetime(2025, 3, 4, 10, 0, 30, tzinfo=UTC)]
    store = DynamoTranscriptStore(TABLE, client=client, clock=lambda: now[0], sleep=lambda _: None)
    store.put_segments([seg("a", 1.0)])
    now[0] += timedelta(seconds=20)  # 10:00:50: the same minute
    store.put_segments([seg("b", 2.0)])

    record = next(item for item in all_items(client) if c.GSI_LIVE_CALLS_PK in item)
    assert record[c.GSI_LIVE_CALLS_SK]["S"] == "2025-03-04T10:00"  # one index write a minute, not a commit
    assert record[CallAttr.LAST_ACTIVITY_AT.value]["S"] == "2025-03-04T10:00:50.000Z"
    # Same minute as the cutoff, but active after it: a candidate of the index, not idle.
    assert store.list_live_calls(idle_before="2025-03-04T10:00:40.000Z") == []
    assert [call["callId"] for call in store.list_live_calls(idle_before="2025-03-04T10:00:55.000Z")] == [
        "c1"
    ]


def test_live_calls_shard_is_stable_and_even() -> None:
    counts: dict[str, int] = {}
    for n in range(3200):
        shard = c.live_calls_pk(f"call-{n}")
        assert shard == c.live_calls_pk(f"call-{n}")
        counts[shard] = counts.get(shard, 0) + 1
    assert sorted(counts) == c.live_calls_shards()
    assert max(counts.values()) < 2 * 3200 / c.LIVE_CALLS_SHARDS


def test_calls_turn_their_index_minute_at_different_seconds_never_late() -> None:
    at = "2026-03-02T14:05:00.000Z"
    minutes = [c.activity_minute(at, f"call-{n}") for n in range(600)]
    assert all(minute <= c.minute_of(at) for minute in minutes)  # the sweeper's `<=` misses none
    # At 14:05:00 only the calls whose offset is 0 are already in 14:05: about 1/60 of them.
    assert 0 < minutes.count("2026-03-02T14:05") < 600 / 20
