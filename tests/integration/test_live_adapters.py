"""The live-updates adapters against real protocols: KMS HMAC tickets and watcher items on moto,
PostToConnection through boto3 to the local stack's WebSocket stand-in (a real socket)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from callrecap.adapters.dynamo.schema import create_table
from callrecap.adapters.dynamo.watchers.registry import DynamoWatcherRegistry
from callrecap.adapters.dynamo.watchers.store import DynamoWatcherStore
from callrecap.adapters.live_connections import ApiGatewayConnections
from callrecap.adapters.live_ticket_check import KmsTicketVerifier
from callrecap.adapters.live_tickets import KmsTicketSigner
from callrecap.domain.live.updates import issue_ticket, redeem_ticket
from callrecap_local.live_socket import MESSAGE_LIMIT_BYTES, LocalLiveSocket

NOW = 1_800_000_000.0


@pytest.fixture
def aws() -> Iterator[None]:
    with mock_aws():
        yield


def test_tickets_signed_with_the_kms_hmac_key_verify_and_forgeries_do_not(aws: None) -> None:
    kms = boto3.client("kms", region_name="us-east-1")
    key = kms.create_key(KeySpec="HMAC_256", KeyUsage="GENERATE_VERIFY_MAC")["KeyMetadata"]["KeyId"]
    other = kms.create_key(KeySpec="HMAC_256", KeyUsage="GENERATE_VERIFY_MAC")["KeyMetadata"]["KeyId"]
    ticket = issue_ticket(KmsTicketSigner(key, client=kms), "call-1", "admin", NOW)
    redeemed = redeem_ticket(KmsTicketVerifier(key, client=kms), ticket, NOW)
    assert redeemed is not None and redeemed.call_id == "call-1"
    forged = issue_ticket(KmsTicketSigner(other, client=kms), "call-1", "admin", NOW)
    assert redeem_ticket(KmsTicketVerifier(key, client=kms), forged, NOW) is None


def test_watcher_items_live_in_the_calls_partition_and_expire(aws: None) -> None:
    dynamodb = boto3.client("dynamodb", region_name="us-east-1")
    create_table(dynamodb, "t")
    DynamoWatcherRegistry("t", client=dynamodb).add_watcher("call-1", "c1=", "admin", 1_800_007_200)
    DynamoWatcherRegistry("t", client=dynamodb).add_watcher("call-1", "c2=", "admin", 1_800_007_200)
    DynamoWatcherRegistry("t", client=dynamodb).add_watcher("call-2", "c3=", "admin", 1_800_007_200)
    watchers = DynamoWatcherStore("t", client=dynamodb)
    assert sorted(watchers.watchers("call-1")) == ["c1=", "c2="]
    watchers.forget("call-1", "c1=")
    assert watchers.watchers("call-1") == ["c2="]
    item = dynamodb.get_item(TableName="t", Key={"pk": {"S": "CALL#call-1"}, "sk": {"S": "WATCH#c2="}})[
        "Item"
    ]
    assert item["expiresAt"] == {"N": "1800007200"}


@pytest.fixture
def live() -> Iterator[LocalLiveSocket]:
    socket = LocalLiveSocket(lambda event: {"statusCode": 200}).start()
    try:
        yield socket
    finally:
        socket.stop()


def management(live: LocalLiveSocket) -> Any:
    return boto3.client(
        "apigatewaymanagementapi",
        endpoint_url=live.management_url,
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )


def test_posts_reach_the_socket_and_a_closed_one_is_gone(live: LocalLiveSocket) -> None:
    from websockets.sync.client import connect

    with connect(live.url) as page:
        deadline = time.monotonic() + 10
        while live.connection_count() == 0 and time.monotonic() < deadline:
            time.sleep(0.01)  # the server registers the socket just after the handshake answer
        (connection_id,) = list(live._connections)
        connections = ApiGatewayConnections(live.management_url, client=management(live))
        assert connections.post(connection_id, b'{"type":"changed","callId":"c"}')
        assert page.recv(timeout=5) == '{"type":"changed","callId":"c"}'
        with pytest.raises(Exception, match="PayloadTooLarge"):
            connections.post(connection_id, b"x" * (MESSAGE_LIMIT_BYTES + 1))
    assert connections.post("no-such-connection=", b"{}") is False  # GoneException


def test_a_refused_connect_is_a_refused_handshake() -> None:
    from websockets.exceptions import InvalidStatus
    from websockets.sync.client import connect

    socket = LocalLiveSocket(lambda event: {"statusCode": 403}).start()
    try:
        with pytest.raises(InvalidStatus, match="403"):
            connect(f"{socket.url}/?ticket=x")
        assert socket.connection_count() == 0
    finally:
        socket.stop()
