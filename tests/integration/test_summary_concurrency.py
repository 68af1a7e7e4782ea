"""Concurrent deliveries of one CallEnded, against moto's server (a real socket per container):
the run lease lets exactly one of them call the model, store the final and publish
CallSummarized; the others find the lease (or the finished final) and do nothing."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from callrecap.adapters.dynamo.summaries import DynamoSummaryStore
from callrecap.adapters.dynamo.transcripts import DynamoTranscriptStore
from callrecap.adapters.event_bus import EventBridgePublisher
from callrecap.domain.models import CallDetails, Segment, Speaker, SummaryKind, SummaryStatus, Turn
from callrecap.domain.summary_runs import ReasonCode, SummaryRunRequest, SummaryService
from tests.helpers.aws import AwsResources, create_resources
from tests.unit.summary_fakes import DEFAULT_SECTIONS, FakeEngineResult

CALL = "call-concurrent"


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[AwsResources]:
    from moto.server import ThreadedMotoServer

    from callrecap_local.moto_patches import transact_items_snapshot

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://{host}:{port}")
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    try:
        with transact_items_snapshot():  # as the local stack runs moto (atomic conditional writes)
            yield create_resources()
    finally:
        import urllib.request

        reset = urllib.request.Request(f"http://{host}:{port}/moto-api/reset", method="POST")
        urllib.request.urlopen(reset, timeout=10).close()  # moto's backends are process-wide
        server.stop()


class CountingEngine:
    """A model that takes a moment (so the deliveries overlap) and counts its calls."""

    def __init__(self) -> None:
        self.calls = 0
        self._lock = threading.Lock()

    def __call__(self, turns: list[Turn], call_id: str) -> FakeEngineResult:
        with self._lock:
            self.calls += 1
        time.sleep(0.3)
        return FakeEngineResult(sections=DEFAULT_SECTIONS)


def container(aws: AwsResources, engine: CountingEngine) -> SummaryService:
    """What one summarizer container builds: its own clients to the same server."""
    dynamodb, events = boto3.client("dynamodb"), boto3.client("events")
    return SummaryService(
        transcripts=DynamoTranscriptStore(aws.table_name, client=dynamodb),
        summaries=DynamoSummaryStore(aws.table_name, client=dynamodb),
        publisher=EventBridgePublisher(aws.bus_name, client=events),
        engine=engine,
        provider_name="bedrock",
        model_name="amazon.nova-lite-v1:0",
    )


def ended_call(aws: AwsResources) -> None:
    store = DynamoTranscriptStore(aws.table_name, client=aws.dynamodb)
    store.mark_started(CallDetails(CALL), "2026-03-01T10:00:00Z")
    store.put_segments(
        [
            Segment(CALL, "s1", Speaker.CUSTOMER, 1.0, 3.0, "My parcel never arrived.", False),
            Segment(CALL, "s2", Speaker.AGENT, 3.5, 6.0, "I will send a replacement today.", False),
        ]
    )
    store.mark_ended(CallDetails(CALL), "2026-03-01T10:05:00Z")
    aws.bus_events()  # drop CallStarted


@pytest.mark.parametrize("copies", [2, 10])
def test_concurrent_deliveries_of_call_ended_make_one_final(aws: AwsResources, copies: int) -> None:
    ended_call(aws)
    engine = CountingEngine()
    services = [container(aws, engine) for _ in range(copies)]
    start = threading.Barrier(copies)
    outcomes: list[Any] = []

    def deliver(service: SummaryService) -> None:
        start.wait()
        outcomes.append(service.handle(SummaryRunRequest(CALL, SummaryKind.FINAL, ReasonCode.CALL_ENDED)))

    threads = [threading.Thread(target=deliver, args=(s,)) for s in services]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert engine.calls == 1
    assert sorted(o.action for o in outcomes) == ["completed"] + ["skipped"] * (copies - 1)
    versions = DynamoSummaryStore(aws.table_name, client=aws.dynamodb).list_summaries(CALL)
    assert [(s.kind, s.status) for s in versions] == [(SummaryKind.FINAL, SummaryStatus.COMPLETED)]
    summarized = [e for e in aws.bus_events() if e["detail-type"] == "CallSummarized"]
    assert len(summarized) == 1  # so the CRM hook is handed one final
