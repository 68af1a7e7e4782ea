"""DynamoSummaryStore against moto: versions, conditional claims, call pointers, CRM deliveries."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import boto3
import pytest
from moto import mock_aws

from callrecap import contracts as c
from callrecap.adapters.dynamo.deliveries import DynamoDeliveryStore
from callrecap.adapters.dynamo.summaries import DynamoSummaryStore, summary_sk
from callrecap.contracts import CallAttr
from callrecap.domain.models import Summary, SummaryKind, SummaryStatus

TABLE = "callrecap-test"
CALL = "call-9"


@pytest.fixture
def client() -> Iterator[Any]:
    with mock_aws():
        ddb = boto3.client("dynamodb", region_name="us-east-1")
        ddb.create_table(
            TableName=TABLE,
            BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[
                {"AttributeName": c.PK, "AttributeType": "S"},
                {"AttributeName": c.SK, "AttributeType": "S"},
            ],
            KeySchema=[
                {"AttributeName": c.PK, "KeyType": "HASH"},
                {"AttributeName": c.SK, "KeyType": "RANGE"},
            ],
        )
        ddb.put_item(
            TableName=TABLE,
            Item={
                c.PK: {"S": c.call_pk(CALL)},
                c.SK: {"S": c.CALL_META_SK},
                CallAttr.CALL_ID.value: {"S": CALL},
            },
        )
        yield ddb


def meta(client: Any) -> dict[str, Any]:
    item = client.get_item(TableName=TABLE, Key={c.PK: {"S": c.call_pk(CALL)}, c.SK: {"S": c.CALL_META_SK}})
    return dict(item["Item"])


def pending(kind: SummaryKind = SummaryKind.FINAL, revision: int = 3) -> Summary:
    return Summary(CALL, 0, kind, SummaryStatus.PENDING, transcript_revision=revision, created_at="t0")


def test_round_trip_keeps_every_field(client: Any) -> None:
    store = DynamoSummaryStore(TABLE, client=client)
    summary = Summary(
        call_id=CALL,
        version=1,
        kind=SummaryKind.FINAL,
        status=SummaryStatus.COMPLETED,
        sections={"summary": "s", "action_items": ["a", "b"], "score": 0.5, "nested": {"n": 1}},
        provider="bedrock",
        model="amazon.nova-lite-v1:0",
        prompt_hash="sha256:1",
        transcript_revision=7,
        llm_calls=3,
        input_tokens=1234,
        output_tokens=56,
        estimated_cost_usd=0.000087,
        latency_ms=1500,
        created_at="2026-01-01T00:00:00.000Z",
        published_at="2026-01-01T00:00:02.000Z",
    )
    store.put_summary(summary)
    assert store.get_summary(CALL, 1) == summary
    raw = client.get_item(TableName=TABLE, Key={c.PK: {"S": c.call_pk(CALL)}, c.SK: {"S": "SUM#000001"}})
    assert raw["Item"]["estimatedCostUsd"] == {"N": "0.000087"}
    assert c.TTL_ATTRIBUTE in raw["Item"]


def test_claims_take_increasing_versions_and_list_is_newest_first(client: Any) -> None:
    store = DynamoSummaryStore(TABLE, client=client)
    versions = [store.claim_version(pending()).version for _ in range(3)]
    assert versions == [1, 2, 3]
    assert [s.version for s in store.list_summaries(CALL)] == [3, 2, 1]
    assert store.next_version(CALL) == 4
    assert store.next_version("other") == 1


def test_claim_skips_a_version_taken_between_read_and_write(client: Any) -> None:
    store = DynamoSummaryStore(TABLE, client=client)
    rival = DynamoSummaryStore(TABLE, client=client)
    original_next = store.next_version
    raced = False

    def next_version_with_race(call_id: str) -> int:
        nonlocal raced
        version = original_next(call_id)
        if not raced:
            raced = True
            rival.claim_version(pending())  # the other container wins this version
        return version

    store.next_version = next_version_with_race  # type: ignore[method-assign]
    mine = store.claim_version(pending())
    assert mine.version == 2
    assert sorted(s.version for s in store.list_summaries(CALL)) == [1, 2]


def test_version_order_survives_ten_and_more(client: Any) -> None:
    store = DynamoSummaryStore(TABLE, client=client)
    for _ in range(11):
        store.claim_version(pending())
    assert summary_sk(11) == "SUM#000011"
    assert [s.version for s in store.list_summaries(CALL)][:2] == [11, 10]


def test_set_status_is_conditional(client: Any) -> None:
    store = DynamoSummaryStore(TABLE, client=client)
    claimed = store.claim_version(pending())
    assert not store.set_status(CALL, claimed.version, SummaryStatus.STALE, expected=SummaryStatus.COMPLETED)
    store.put_summary(replace(claimed, status=SummaryStatus.COMPLETED))
    assert store.set_status(CALL, claimed.version, SummaryStatus.STALE, expected=SummaryStatus.COMPLETED)
    stored = store.get_summary(CALL, claimed.version)
    assert stored is not None and stored.status is SummaryStatus.STALE


def test_record_on_call_never_goes_backwards(client: Any) -> None:
    store = DynamoSummaryStore(TABLE, client=client)
    newer = Summary(
        CALL,
        2,
        SummaryKind.FINAL,
        SummaryStatus.COMPLETED,
        sections={"topic": "Refund"},
        transcript_revision=5,
    )
    older = Summary(CALL, 1, SummaryKind.INTERIM, SummaryStatus.FAILED, transcript_revision=4)
    store.record_on_call(newer)
    store.record_on_call(older)
    item = meta(client)
    assert item[CallAttr.LATEST_SUMMARY_VERSION.value] == {"N": "2"}
    assert item[CallAttr.LATEST_SUMMARY_STATUS.value] == {"S": "COMPLETED"}
    assert item[CallAttr.FINAL_SUMMARY_REVISION.value] == {"N": "5"}
    assert item[CallAttr.TOPIC.value] == {"S": "Refund"}


def test_an_early_interims_topic_does_not_name_the_call(client: Any) -> None:
    """ "Summarize now" in the first seconds answered topic "Good": not a title for the call."""
    store = DynamoSummaryStore(TABLE, client=client)
    early = Summary(
        CALL, 1, SummaryKind.INTERIM, SummaryStatus.COMPLETED, sections={"topic": "Good"}, turn_count=2
    )
    store.record_on_call(early)
    assert CallAttr.TOPIC.value not in meta(client)
    later = replace(early, version=2, sections={"topic": "Refund for a late order"}, turn_count=6)
    store.record_on_call(later)
    assert meta(client)[CallAttr.TOPIC.value] == {"S": "Refund for a late order"}
    final = replace(early, version=3, kind=SummaryKind.FINAL, sections={"topic": "Refund"}, turn_count=1)
    store.record_on_call(final)  # a final names the call however short
    assert meta(client)[CallAttr.TOPIC.value] == {"S": "Refund"}


def test_record_on_call_does_not_create_a_call(client: Any) -> None:
    store = DynamoSummaryStore(TABLE, client=client)
    store.record_on_call(Summary("ghost", 1, SummaryKind.FINAL, SummaryStatus.COMPLETED, sections={"a": 1}))
    missing = client.get_item(TableName=TABLE, Key={c.PK: {"S": c.call_pk("ghost")}, c.SK: {"S": "META"}})
    assert "Item" not in missing


def test_mark_published(client: Any) -> None:
    store = DynamoSummaryStore(TABLE, client=client)
    claimed = store.claim_version(pending())
    store.mark_published(CALL, claimed.version, "2026-01-01T00:00:09.000Z")
    stored = store.get_summary(CALL, claimed.version)
    assert stored is not None and stored.published_at == "2026-01-01T00:00:09.000Z"


def test_a_delivery_is_claimed_before_the_crm_call_and_completed_once(client: Any) -> None:
    store = DynamoDeliveryStore(TABLE, client=client)
    assert store.claim_delivery(CALL, 1, "e1", now=100, until=160) == "claimed"
    assert store.claim_delivery(CALL, 1, "e2", now=120, until=180) == "in-progress"  # a concurrent copy
    assert store.claim_delivery(CALL, 1, "e3", now=200, until=260) == "claimed"  # the first one died
    store.release_delivery(CALL, 1)  # its CRM call failed: given back at once
    assert store.claim_delivery(CALL, 1, "e4", now=201, until=261) == "claimed"
    store.complete_delivery(CALL, 1, {"deliveredAt": "t1", "sections": {"summary": "x"}})
    assert store.claim_delivery(CALL, 1, "e5", now=9_999, until=10_059) == "delivered"
    delivery = store.get_delivery(CALL, 1)
    assert delivery is not None
    assert (delivery["deliveredAt"], delivery["status"]) == ("t1", "DELIVERED")
    assert delivery[c.SK] == "CRM#000001"
    assert meta(client)[CallAttr.CRM_STATUS.value] == {"S": "DELIVERED"}


def test_retryable_failure_round_trip_and_call_flag(client: Any) -> None:
    store = DynamoSummaryStore(TABLE, client=client)
    failed = Summary(CALL, 1, SummaryKind.FINAL, SummaryStatus.FAILED, error="throttled", retryable=True)
    store.put_summary(failed)
    assert store.get_summary(CALL, 1) == failed
    store.record_on_call(failed)
    assert meta(client)[CallAttr.LATEST_SUMMARY_RETRYABLE.value] == {"BOOL": True}
    store.record_on_call(replace(failed, retryable=False))
    assert meta(client)[CallAttr.LATEST_SUMMARY_RETRYABLE.value] == {"BOOL": False}
