"""handlers.lifecycle over moto: Chime streaming status for two legs, in any order and
duplicated, gives exactly one CallStarted and one CallEnded per call on the bus."""

from __future__ import annotations

import copy
import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from moto import mock_aws

from callrecap.adapters.dynamo.transcripts import DynamoTranscriptStore
from callrecap.adapters.event_bus import EventBridgePublisher
from callrecap.contracts import BusEvent, CallAttr
from callrecap.domain.transcripts.inbound import MalformedRecord
from callrecap.handlers import lifecycle
from tests.helpers.aws import AwsResources, create_resources
from tests.helpers.context import lambda_context
from tests.helpers.inbound_payloads import aws_event


@pytest.fixture
def aws() -> Iterator[AwsResources]:
    with mock_aws():
        resources = create_resources()
        lifecycle.set_dependencies(deps(resources))
        yield resources
        lifecycle.set_dependencies(None)


def deps(aws: AwsResources, publisher: Any = None) -> lifecycle.LifecycleDependencies:
    return lifecycle.LifecycleDependencies(
        store=DynamoTranscriptStore(aws.table_name, client=aws.dynamodb, sleep=lambda _: None),
        publisher=publisher or EventBridgePublisher(aws.bus_name, client=aws.events),
    )


def status_event(shared_data: Path, status: str, *, caller: bool, txn: str = "txn-42") -> dict[str, Any]:
    name = {"STARTED": "started", "ENDED": "ended", "UPDATED": "updated"}[status]
    event = copy.deepcopy(aws_event(shared_data, f"chime_voiceconnector_streaming_status_{name}.json"))
    event["time"] = "2026-03-01T10:00:00Z" if status == "STARTED" else "2026-03-01T10:07:30Z"
    detail = event["detail"]
    detail.update(transactionId=txn, isCaller=caller, streamingStatus=status)
    for key in ("startTime", "endTime"):
        if key in detail:
            detail[key] = "2026-03-01T10:00:00Z" if key == "startTime" else "2026-03-01T10:07:30Z"
    return event


LEG_EVENTS = [("STARTED", True), ("STARTED", False), ("ENDED", True), ("ENDED", False)]


@pytest.mark.parametrize(
    "order",
    [
        LEG_EVENTS,
        list(reversed(LEG_EVENTS)),
        [LEG_EVENTS[2], LEG_EVENTS[0], LEG_EVENTS[3], LEG_EVENTS[1]],
    ],
    ids=["in order", "reversed", "interleaved"],
)
def test_two_legs_any_order_duplicated_give_one_start_and_one_end(
    aws: AwsResources, shared_data: Path, order: list[tuple[str, bool]]
) -> None:
    for status, caller in itertools.chain(order, order):  # every event delivered twice
        lifecycle.handler(status_event(shared_data, status, caller=caller), lambda_context())

    events = aws.bus_events()
    assert sorted(e["detail-type"] for e in events) == ["CallEnded", "CallStarted"]
    by_type = {e["detail-type"]: e["detail"] for e in events}
    started, ended = by_type["CallStarted"], by_type["CallEnded"]
    assert started["callId"] == ended["callId"] == "txn-42"
    assert started["transactionId"] == "txn-42" and started["schemaVersion"] == "1"
    assert started["voiceConnectorId"] == "abcdef1ghij2klmno3pqr4"
    assert (started["fromNumber"], started["toNumber"]) == ("+12065550100", "+13605550199")
    assert started["direction"] and started["startTime"].startswith("2026-03-01T10:00:00")
    assert ended["endTime"].startswith("2026-03-01T10:07:30")
    call = DynamoTranscriptStore(aws.table_name, client=aws.dynamodb).get_call("txn-42")
    assert call is not None and call[CallAttr.STATUS] == "ENDED"


def test_updated_refreshes_details(aws: AwsResources, shared_data: Path) -> None:
    lifecycle.handler(status_event(shared_data, "STARTED", caller=True), lambda_context())
    updated = status_event(shared_data, "UPDATED", caller=True)
    updated["detail"]["toNumber"] = "+13605550111"
    assert lifecycle.handler(updated, lambda_context())["action"] == "details updated"
    call = DynamoTranscriptStore(aws.table_name, client=aws.dynamodb).get_call("txn-42")
    assert call is not None and call[CallAttr.TO_NUMBER] == "+13605550111"


class FlakyPublisher:
    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.failures = 1

    def publish(self, event: BusEvent, detail: Any) -> None:
        if self.failures:
            self.failures -= 1
            raise RuntimeError("bus unavailable")
        self.inner.publish(event, detail)


def test_publish_failure_is_retried_and_published_once(aws: AwsResources, shared_data: Path) -> None:
    lifecycle.set_dependencies(
        deps(aws, FlakyPublisher(EventBridgePublisher(aws.bus_name, client=aws.events)))
    )
    start = status_event(shared_data, "STARTED", caller=True)
    with pytest.raises(RuntimeError):
        lifecycle.handler(start, lambda_context())
    lifecycle.handler(start, lambda_context())  # EventBridge's retry
    lifecycle.handler(status_event(shared_data, "STARTED", caller=False), lambda_context())
    assert [e["detail-type"] for e in aws.bus_events()] == ["CallStarted"]


def test_malformed_event_raises_a_typed_error(aws: AwsResources, shared_data: Path) -> None:
    event = status_event(shared_data, "STARTED", caller=True)
    del event["detail"]["transactionId"]
    with pytest.raises(MalformedRecord):
        lifecycle.handler(event, lambda_context())
    assert aws.bus_events() == []


def test_settings_are_validated_at_first_invocation(
    shared_data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from callrecap.handlers import ingest
    from callrecap.settings import EnvVar, SettingsError

    for var in EnvVar:
        monkeypatch.delenv(var.value, raising=False)
    lifecycle.set_dependencies(None)
    ingest.set_dependencies(None)
    with pytest.raises(SettingsError, match="CALLRECAP_EVENT_BUS_NAME is required"):
        lifecycle.handler(status_event(shared_data, "STARTED", caller=True), lambda_context())
    with pytest.raises(SettingsError, match="CALLRECAP_QUARANTINE_QUEUE_URL is required"):
        ingest.handler({"Records": []}, lambda_context())

    monkeypatch.setenv(EnvVar.TABLE_NAME.value, "t")
    monkeypatch.setenv(EnvVar.EVENT_BUS_NAME.value, "b")
    built = lifecycle.dependencies()  # builds without touching AWS: clients are created lazily
    assert lifecycle.dependencies() is built
    lifecycle.set_dependencies(None)


def test_an_ended_call_tells_its_watching_pages(aws: AwsResources, shared_data: Path) -> None:
    from callrecap.domain.live.updates import LiveFanout

    posted: list[tuple[str, bytes]] = []

    class Watchers:
        def watchers(self, call_id: str) -> list[str]:
            return ["conn-1"] if call_id == "txn-42" else []

        def forget(self, call_id: str, connection_id: str) -> None:
            raise AssertionError("nothing is gone")

    class Connections:
        def post(self, connection_id: str, data: bytes) -> bool:
            posted.append((connection_id, data))
            return True

    lifecycle.set_dependencies(
        lifecycle.LifecycleDependencies(
            store=deps(aws).store, publisher=deps(aws).publisher, live=LiveFanout(Watchers(), Connections())
        )
    )
    for status, caller in LEG_EVENTS + LEG_EVENTS:
        lifecycle.handler(status_event(shared_data, status, caller=caller), lambda_context())
    assert posted == [("conn-1", b'{"type":"changed","callId":"txn-42"}')]  # once, at the end
