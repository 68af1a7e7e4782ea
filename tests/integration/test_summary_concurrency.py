"""Concurrent deliveries of one CallEnded, against moto's server (a real socket per container):
the run lease lets exactly one of them call the model, store the final and publish
CallSummarized; the others find the lease (or the finished final) and do nothing. Once over the
domain service from threads, once over the Lambda handler in ten processes."""

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
from callrecap.domain.summaries.runs import ReasonCode, SummaryRunRequest, SummaryService
from tests.helpers.aws import AwsResources, create_resources
from tests.helpers.standin import Reply, Request, ScriptedServer, chat_reply
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

    def __call__(self, turns: list[Turn], call_id: str, *, language: str = "") -> FakeEngineResult:
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


CONTAINER = """
import json, sys, time
from callrecap_local.lambda_events import LambdaContext
from callrecap.handlers import summarizer

event, start_at = json.loads(sys.argv[1]), float(sys.argv[2])
summarizer.dependencies()  # the cold start, before the race
outcomes = []
run = summarizer.run


def recorded(*args, **kwargs):
    outcome = run(*args, **kwargs)
    outcomes.append(outcome.as_response())
    return outcome


summarizer.run = recorded
time.sleep(max(0.0, start_at - time.time()))
result = summarizer.handler(event, LambdaContext("callrecap-summarizer", timeout_seconds=300))
print(json.dumps({"result": result, "outcomes": outcomes}))
"""


def slow_model(request: Request) -> Reply:
    """An OpenAI-compatible model that takes a moment (so the runs overlap)."""
    import json

    time.sleep(0.5)
    return chat_reply(json.dumps(DEFAULT_SECTIONS))


def test_ten_summarizer_processes_handed_one_call_ended_make_one_final(aws: AwsResources) -> None:
    """The Lambda handler itself, in ten processes (ten containers: own interpreter, own clients,
    own cold start), each handed the same queued CallEnded at the same moment."""
    import json
    import os
    import subprocess
    import sys
    from datetime import UTC, datetime
    from pathlib import Path

    from callrecap.contracts import BUS_SOURCE
    from callrecap.settings import EnvVar

    ended_call(aws)
    model = ScriptedServer(slow_model)
    root = Path(__file__).resolve().parents[2]
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(str(root / p) for p in ("lambdas", "local", ".")),
        EnvVar.TABLE_NAME.value: aws.table_name,
        EnvVar.EVENT_BUS_NAME.value: aws.bus_name,
        EnvVar.LLM_PROVIDER.value: "openai",
        EnvVar.OPENAI_BASE_URL.value: f"{model.url}/v1",
        EnvVar.OPENAI_MODEL.value: "counting",
        "POWERTOOLS_LOG_LEVEL": "ERROR",
        "POWERTOOLS_METRICS_NAMESPACE": "callrecap",
    }
    envelope = {
        "version": "0",
        "id": "0d0c0b0a-0000-4000-8000-000000000001",
        "detail-type": "CallEnded",
        "source": BUS_SOURCE,
        "account": "123456789012",
        "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": "us-east-1",
        "resources": [],
        "detail": {"callId": CALL, "schemaVersion": "1"},
    }
    record = {
        "messageId": "m1",
        "receiptHandle": "rh1",
        "body": json.dumps(envelope),
        "attributes": {"ApproximateReceiveCount": "1"},
        "messageAttributes": {},
        "md5OfBody": "",
        "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:final-summary",
        "awsRegion": "us-east-1",
    }
    start_at = time.time() + 8.0  # after every process's cold start
    with model.running():
        processes = [
            subprocess.Popen(
                [sys.executable, "-c", CONTAINER, json.dumps({"Records": [record]}), str(start_at)],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(10)
        ]
        results = []
        for process in processes:
            out, err = process.communicate(timeout=120)
            assert process.returncode == 0, err[-2000:]
            results.append(json.loads(out.strip().splitlines()[-1]))

    assert all(r["result"] == {"batchItemFailures": []} for r in results)  # nobody failed or retries
    outcomes = sorted((o["action"], o["reason"]) for r in results for o in r["outcomes"])
    assert outcomes.count(("completed", "call-ended")) == 1, outcomes
    others = [reason for action, reason in outcomes if action != "completed"]
    assert set(others) <= {"in-progress", "up-to-date"} and len(others) == 9, outcomes
    assert "in-progress" in others, outcomes  # they did overlap: the lease, not luck, kept them out
    assert len(model.requests) == 1  # one model call (POSTs; discovery GETs are in `seen` too)
    versions = DynamoSummaryStore(aws.table_name, client=aws.dynamodb).list_summaries(CALL)
    assert [(s.kind, s.status) for s in versions] == [(SummaryKind.FINAL, SummaryStatus.COMPLETED)]
    summarized = [e for e in aws.bus_events() if e["detail-type"] == "CallSummarized"]
    assert len(summarized) == 1
