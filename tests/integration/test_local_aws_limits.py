"""The local stack refuses what AWS would refuse (callrecap_local/aws_limits.py), and the limits
left to moto are really enforced by it (the module's claims, kept honest)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from callrecap.adapters.event_bus import EventBridgePublisher, EventTooLarge, entry_size
from callrecap.contracts import BUS_SOURCE, EVENT_ENTRY_MAX_BYTES, EVENTBRIDGE_ENTRY_LIMIT_BYTES, BusEvent
from callrecap_local.aws_limits import PUT_EVENTS_TOO_LARGE, enforced_aws_limits


@pytest.fixture(scope="module")
def moto_url() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def client(url: str, service: str) -> Any:
    return boto3.client(
        service,
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def entry(detail_bytes: int) -> dict[str, Any]:
    detail = json.dumps({"callId": "c1", "pad": "x" * detail_bytes})
    return {"Source": BUS_SOURCE, "DetailType": "CallSummarized", "Detail": detail, "EventBusName": "default"}


def test_entry_size_follows_the_aws_formula() -> None:
    sized = {"Source": "ab", "DetailType": "cd", "Detail": '{"é":1}', "Resources": ["arn:x"]}
    assert entry_size(sized) == 14 + 2 + 2 + len('{"é":1}'.encode()) + 5


def test_put_events_over_the_entry_limit_is_refused_like_aws(moto_url: str) -> None:
    events = client(moto_url, "events")
    too_big = entry(EVENTBRIDGE_ENTRY_LIMIT_BYTES)
    assert events.put_events(Entries=[too_big])["FailedEntryCount"] == 0  # moto alone accepts it
    with enforced_aws_limits():
        with pytest.raises(ClientError) as refused:
            events.put_events(Entries=[too_big])
        assert refused.value.response["Error"]["Code"] == "ValidationException"
        assert refused.value.response["Error"]["Message"] == PUT_EVENTS_TOO_LARGE
        # Under the limit (the total of a request's entries counts): accepted, even over our own
        # 256 KB budget, as AWS accepts it.
        fits = entry(EVENTBRIDGE_ENTRY_LIMIT_BYTES // 2 - 200)
        assert events.put_events(Entries=[fits])["FailedEntryCount"] == 0
        with pytest.raises(ClientError):
            events.put_events(Entries=[fits, fits, fits])
    assert events.put_events(Entries=[too_big])["FailedEntryCount"] == 0  # put back on exit


def test_publisher_refuses_an_event_over_the_project_budget_before_sending(moto_url: str) -> None:
    publisher = EventBridgePublisher("default", client=client(moto_url, "events"))
    with pytest.raises(EventTooLarge, match=r"CallSummarized for call c1 is [\d,]+ bytes, over the 262,144"):
        publisher.publish(BusEvent.CALL_SUMMARIZED, {"callId": "c1", "pad": "x" * EVENT_ENTRY_MAX_BYTES})


def test_limits_left_to_moto_are_enforced_by_moto(moto_url: str) -> None:
    events = client(moto_url, "events")
    with pytest.raises(ClientError, match="less than or equal to 10"):
        events.put_events(Entries=[entry(10)] * 11)

    sqs = client(moto_url, "sqs")
    queue = sqs.create_queue(QueueName="limits")["QueueUrl"]
    with pytest.raises(ClientError):
        sqs.send_message(QueueUrl=queue, MessageBody="x" * (1024 * 1024 + 1))  # 1 MiB, AWS's since 2025

    dynamodb = client(moto_url, "dynamodb")
    dynamodb.create_table(
        TableName="limits",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    with pytest.raises(ClientError, match="maximum allowed size"):
        dynamodb.put_item(TableName="limits", Item={"pk": {"S": "a"}, "v": {"S": "x" * 409_600}})
    with pytest.raises(ClientError):
        dynamodb.put_item(TableName="limits", Item={"pk": {"S": "k" * 2049}})
    actions = [{"Put": {"TableName": "limits", "Item": {"pk": {"S": f"p{n}"}}}} for n in range(101)]
    with pytest.raises(ClientError):
        dynamodb.transact_write_items(TransactItems=actions)
