"""crmTarget webhook: the CRM hook handler with moto's DynamoDB and Secrets Manager, POSTing to a
receiver on loopback that checks the signature with the snippet docs/crm.md gives users (executed
from the document itself). Delivered once, 429 Retry-After honoured, 5xx retried, a 4xx refusal
stored FAILED with the receiver's message on the call, duplicates (sequential and concurrent)
posting once."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from callrecap.adapters.crm.webhook_sender import WebhookSender
from callrecap.adapters.dynamo.deliveries import DynamoDeliveryStore
from callrecap.adapters.dynamo.schema import create_table
from callrecap.adapters.dynamo.transcripts import DynamoTranscriptStore
from callrecap.adapters.http_retry import RetryPolicy
from callrecap.adapters.secrets import secret_reader
from callrecap.domain.models import CallDetails
from callrecap.handlers import crm_hook
from callrecap_local.lambda_events import LambdaContext
from callrecap_local.moto_patches import transact_items_snapshot
from tests.helpers.standin import Reply, Request, answering
from tests.unit.test_crm_hook import event

TABLE = "crm-webhook"
SECRET = "whsec_test_0123456789"
DOC = (Path(__file__).resolve().parents[2] / "docs" / "crm.md").read_text()


def documented_verifier() -> Any:
    """verify_callrecap_signature, as the user copies it from docs/crm.md."""
    block = re.search(r"<!-- verify-snippet -->\s*```python\n(.*?)```", DOC, re.DOTALL)
    assert block, "docs/crm.md lost its verification snippet"
    namespace: dict[str, Any] = {}
    exec(block.group(1), namespace)
    return namespace["verify_callrecap_signature"]


VERIFY = documented_verifier()


@pytest.fixture
def world() -> Iterator[Any]:
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        create_table(client, TABLE)
        DynamoTranscriptStore(TABLE, client=client).mark_started(
            CallDetails(call_id="c1"), "2026-03-03T12:00:00.000Z"
        )
        secrets = boto3.client("secretsmanager", region_name="us-east-1")
        arn = secrets.create_secret(Name="crm-webhook", SecretString=SECRET)["ARN"]
        with transact_items_snapshot():  # moto's conditional writes atomic, as the local stack runs it
            yield (
                DynamoDeliveryStore(TABLE, client=client),
                arn,
                secrets,
                DynamoTranscriptStore(TABLE, client=client),
            )
    crm_hook.set_dependencies(None)


def wire(world: Any, url: str) -> list[float]:
    deliveries, arn, secrets, _ = world
    sleeps: list[float] = []
    sender = WebhookSender(
        url,
        secret_reader(arn, client=secrets),
        retry=RetryPolicy(attempts=3, sleep=sleeps.append, rand=lambda: 0.5),
    )
    crm_hook.set_dependencies(crm_hook.CrmHookDependencies(deliveries=deliveries, send=sender))
    return sleeps


def context() -> LambdaContext:
    return LambdaContext(function_name="callrecap-crm-hook")


def checked(status: int = 200, body: Any = None, headers: dict[str, str] | None = None) -> Any:
    """A receiver that refuses a bad signature with 401, else answers as scripted."""

    def answer(request: Request) -> Reply:
        headers_in = {k.lower(): v for k, v in request.headers.items()}
        if not VERIFY(SECRET, headers_in.get("callrecap-signature", ""), request.body):
            return Reply(401, {"error": "bad signature"})
        return Reply(status, body if body is not None else {"ok": True}, headers=headers or {})

    return answer


def test_a_signed_post_delivered_once(world: Any) -> None:
    deliveries, *_ = world
    with answering(checked()) as server:
        wire(world, f"{server.url}/hooks/callrecap")
        first = crm_hook.handler(event(), context())  # type: ignore[arg-type]
        again = crm_hook.handler(event(), context())  # type: ignore[arg-type]  (EventBridge's copy)
        assert (first["outcome"], again["outcome"]) == ("delivered", "duplicate")
        (sent,) = server.seen
    body = json.loads(sent.body)
    assert body["type"] == "CallSummarized" and body["eventId"] == "evt-1"
    assert body["detail"]["callId"] == "c1" and body["detail"]["version"] == 2
    assert sent.headers["Idempotency-Key"] == "c1#2" and sent.path == "/hooks/callrecap"
    record = deliveries.get_delivery("c1", 2)
    assert record["status"] == "DELIVERED" and record["webhookStatus"] == 200


def test_the_signature_is_refused_with_another_secret_or_when_old(world: Any) -> None:
    with answering(checked()) as server:
        wire(world, server.url)
        crm_hook.handler(event(), context())  # type: ignore[arg-type]
        (sent,) = server.seen
    header = sent.headers["Callrecap-Signature"]
    assert VERIFY(SECRET, header, sent.body)
    assert not VERIFY("another-secret", header, sent.body)
    assert not VERIFY(SECRET, header, sent.body + b" ")
    assert not VERIFY(SECRET, header, sent.body, now=time.time() + 301)  # past the replay window


def test_429_retry_after_is_honoured_then_delivered(world: Any) -> None:
    answers = iter(
        [Reply(429, {"error": "slow down"}, headers={"Retry-After": "2"}), Reply(200, {"id": "r1"})]
    )
    with answering(lambda request: next(answers)) as server:
        sleeps = wire(world, server.url)
        assert crm_hook.handler(event(), context())["outcome"] == "delivered"  # type: ignore[arg-type]
        assert len(server.requests) == 2
    assert sleeps == [2.0]


def test_5xx_is_retried_with_backoff_then_put_back(world: Any) -> None:
    deliveries, *_ = world
    with answering(lambda request: Reply(502, {"error": "bad gateway"})) as server:
        sleeps = wire(world, server.url)
        with pytest.raises(Exception, match="HTTP 502"):
            crm_hook.handler(event(), context())  # type: ignore[arg-type]  (EventBridge retries)
        assert len(server.requests) == 3
    assert len(sleeps) == 2
    assert deliveries.get_delivery("c1", 2)["claimUntil"] == 0  # given back: a retry may claim it


def test_a_4xx_refusal_is_failed_with_the_receivers_message_and_not_retried(world: Any) -> None:
    deliveries, _, _, transcripts = world
    refusal = {"error": "unknown field disposition_answer"}
    with answering(lambda request: Reply(422, refusal)) as server:
        wire(world, server.url)
        assert crm_hook.handler(event(), context())["outcome"] == "rejected"  # type: ignore[arg-type]
        assert len(server.requests) == 1
    record = deliveries.get_delivery("c1", 2)
    assert record["status"] == "FAILED" and "unknown field disposition_answer" in record["error"]
    call = transcripts.get_call("c1")
    assert call["crmStatus"] == "FAILED" and "HTTP 422" in call["crmError"]
    with answering(checked()) as server:  # fixed on the receiver's side: a redrive delivers it
        wire(world, server.url)
        assert crm_hook.handler(event(), context())["outcome"] == "delivered"  # type: ignore[arg-type]
    assert transcripts.get_call("c1")["crmStatus"] == "DELIVERED"
    assert transcripts.get_call("c1")["crmError"] == ""


def test_concurrent_copies_post_once(world: Any) -> None:
    gate = threading.Event()

    def slow(request: Request) -> Reply:
        gate.wait(2)
        return Reply(200, {"ok": True})

    outcomes: list[str] = []
    with answering(slow) as server:
        wire(world, server.url)

        def one() -> None:
            try:
                outcomes.append(crm_hook.handler(event(), context())["outcome"])  # type: ignore[arg-type]
            except Exception as error:
                outcomes.append(type(error).__name__)

        threads = [threading.Thread(target=one) for _ in range(4)]
        for thread in threads:
            thread.start()
        time.sleep(0.5)
        gate.set()
        for thread in threads:
            thread.join()
        assert len(server.requests) == 1
    assert sorted(outcomes) == ["DeliveryInProgress"] * 3 + ["delivered"]
