"""Summarizer handler over fakes: event -> service, EMF metrics by provider and model."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from callrecap import wiring
from callrecap.contracts import BUS_SOURCE, BusEvent
from callrecap.domain.models import Speaker
from callrecap.domain.summaries.cost import PriceTable
from callrecap.domain.summaries.runs import InvalidRunRequest, SummaryService
from callrecap.handlers import summarizer
from tests.helpers.context import lambda_context
from tests.unit.summary_fakes import (
    FakeEngine,
    FakeEngineResult,
    FakePublisher,
    FakeSummaries,
    FakeTranscripts,
)

pytestmark = pytest.mark.filterwarnings("ignore:No application metrics")


def envelope(detail_type: str, detail: dict[str, Any]) -> dict[str, Any]:
    return {
        "version": "0",
        "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
        "detail-type": detail_type,
        "source": BUS_SOURCE,
        "account": "123456789012",
        "time": "2026-01-01T10:00:00Z",
        "region": "us-east-1",
        "resources": [],
        "detail": detail,
    }


class World:
    def __init__(self, engine: FakeEngine) -> None:
        self.transcripts = FakeTranscripts()
        self.summaries = FakeSummaries(self.transcripts)
        self.publisher = FakePublisher()
        self.engine = engine
        self.transcripts.add_call("c1")
        self.transcripts.add_segment("c1", Speaker.CUSTOMER, "My internet is down.")
        service = SummaryService(
            transcripts=self.transcripts,
            summaries=self.summaries,
            publisher=self.publisher,
            engine=engine,
            prices=PriceTable(),
        )
        summarizer.set_dependencies(summarizer.SummarizerDependencies(service=service))


@pytest.fixture
def world() -> Iterator[World]:
    yield World(FakeEngine())
    summarizer.set_dependencies(None)


def emf_blobs(out: str) -> list[dict[str, Any]]:
    """EMF lines of the summarizer's own metrics (the cold-start metric has a blob of its own)."""
    blobs = [json.loads(line) for line in out.splitlines() if line.startswith("{") and "_aws" in line]
    return [blob for blob in blobs if "ColdStart" not in blob]


def test_call_ended_produces_summary_and_metrics(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    result = summarizer.handler(
        envelope("CallEnded", {"callId": "c1", "schemaVersion": "1"}), lambda_context()
    )  # type: ignore[arg-type]

    assert result == {
        "callId": "c1",
        "action": "completed",
        "reason": "call-ended",
        "version": 1,
        "status": "COMPLETED",
    }
    assert len(world.publisher.of(BusEvent.CALL_SUMMARIZED)) == 1
    [blob] = emf_blobs(capsys.readouterr().out)
    [directive] = blob["_aws"]["CloudWatchMetrics"]
    assert directive["Namespace"] == "callrecap"
    assert {"provider", "model"} <= set(directive["Dimensions"][0])
    names = {m["Name"] for m in directive["Metrics"]}
    assert names == {
        "SummariesProduced",
        "SummariesFailed",
        "LlmLatencyMs",
        "InputTokens",
        "OutputTokens",
        "EstimatedCostUsd",
    }
    assert blob["provider"] == "bedrock"
    assert blob["model"] == "amazon.nova-lite-v1:0"
    assert blob["SummariesProduced"] == [1.0]
    assert blob["SummariesFailed"] == [0.0]
    assert blob["InputTokens"] == [1000.0]


def test_failure_is_handled_not_raised(capsys: pytest.CaptureFixture[str]) -> None:
    World(FakeEngine([FakeEngineResult(sections={}, error="bad JSON", raw_reply="oops")]))
    try:
        result = summarizer.handler(
            envelope("SummaryRequested", {"callId": "c1", "kind": "interim", "reason": "requested"}),
            lambda_context(),  # type: ignore[arg-type]
        )
    finally:
        summarizer.set_dependencies(None)
    assert result["action"] == "failed"
    assert result["status"] == "FAILED"
    [blob] = emf_blobs(capsys.readouterr().out)
    assert blob["SummariesFailed"] == [1.0]
    assert blob["SummariesProduced"] == [0.0]


def test_repeated_call_ended_emits_no_new_metrics(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    summarizer.handler(envelope("CallEnded", {"callId": "c1"}), lambda_context())  # type: ignore[arg-type]
    capsys.readouterr()
    again = summarizer.handler(envelope("CallEnded", {"callId": "c1"}), lambda_context())  # type: ignore[arg-type]
    assert again["action"] == "skipped"
    assert emf_blobs(capsys.readouterr().out) == []
    assert len(world.engine.calls) == 1


def test_malformed_event_raises_for_retry_and_dlq(world: World) -> None:
    with pytest.raises(InvalidRunRequest):
        summarizer.handler(envelope("SummaryRequested", {"kind": "final"}), lambda_context())  # type: ignore[arg-type]


def test_settings_are_validated_when_dependencies_are_built(monkeypatch: pytest.MonkeyPatch) -> None:
    from callrecap.settings import SettingsError

    monkeypatch.delenv("CALLRECAP_TABLE_NAME", raising=False)
    monkeypatch.delenv("CALLRECAP_EVENT_BUS_NAME", raising=False)
    with pytest.raises(SettingsError, match="CALLRECAP_TABLE_NAME is required"):
        wiring.summarizer()


def test_invalid_price_table_fails_at_cold_start(monkeypatch: pytest.MonkeyPatch) -> None:
    from callrecap.settings import SettingsError

    monkeypatch.setenv("CALLRECAP_TABLE_NAME", "t")
    monkeypatch.setenv("CALLRECAP_EVENT_BUS_NAME", "b")
    monkeypatch.setenv("CALLRECAP_PRICE_TABLE", "{nope")
    with pytest.raises(SettingsError, match="CALLRECAP_PRICE_TABLE"):
        wiring.summarizer()


def sqs_batch(*bodies: str) -> dict[str, Any]:
    """What the SQS event source mapping of the final-summary delay queue delivers."""
    return {
        "Records": [
            {
                "messageId": f"m{n}",
                "receiptHandle": f"rh{n}",
                "body": body,
                "attributes": {"ApproximateReceiveCount": "1"},
                "messageAttributes": {},
                "md5OfBody": "",
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:final-summary",
                "awsRegion": "us-east-1",
            }
            for n, body in enumerate(bodies)
        ]
    }


def test_queued_call_ended_is_summarized_like_a_direct_one(world: World) -> None:
    body = json.dumps(envelope("CallEnded", {"callId": "c1", "schemaVersion": "1"}))

    result = summarizer.handler(sqs_batch(body), lambda_context())  # type: ignore[arg-type]

    assert result == {"batchItemFailures": []}
    assert [s.status.value for s in world.summaries.list_summaries("c1")] == ["COMPLETED"]
    assert len(world.publisher.of(BusEvent.CALL_SUMMARIZED)) == 1
    # The same CallEnded delivered again (SQS is at-least-once) costs no model call.
    assert summarizer.handler(sqs_batch(body), lambda_context()) == {"batchItemFailures": []}  # type: ignore[arg-type]
    assert len(world.engine.calls) == 1


def test_a_bad_queued_record_fails_alone(world: World) -> None:
    good = json.dumps(envelope("CallEnded", {"callId": "c1"}))
    no_call_id = json.dumps(envelope("CallEnded", {"schemaVersion": "1"}))

    result = summarizer.handler(sqs_batch(no_call_id, good, "not json"), lambda_context())  # type: ignore[arg-type]

    # SQS redelivers the failed ones, then moves them to the queue's DLQ: nothing is lost.
    assert result == {"batchItemFailures": [{"itemIdentifier": "m0"}, {"itemIdentifier": "m2"}]}
    assert len(world.publisher.of(BusEvent.CALL_SUMMARIZED)) == 1


def test_event_shapes_are_told_apart() -> None:
    assert summarizer.is_sqs_batch(sqs_batch("{}"))
    assert not summarizer.is_sqs_batch(envelope("CallEnded", {"callId": "c1"}))
    assert not summarizer.is_sqs_batch({"Records": [{"eventSource": "aws:kinesis"}]})


def test_a_call_still_settling_is_put_back_until_its_settle_time_is_up() -> None:
    from datetime import UTC, datetime, timedelta

    from callrecap.contracts import SETTLE_POLL_SECONDS

    world = World(FakeEngine())
    now = datetime.now(UTC)
    world.transcripts.calls["c1"]["lastActivityAt"] = now.isoformat().replace("+00:00", "Z")  # just now
    requeued: list[tuple[str, int]] = []

    class Requeue:
        def requeue(self, body: str, delay_seconds: int) -> None:
            requeued.append((body, delay_seconds))

    service = summarizer.dependencies().service
    service._settle_seconds = 10
    service._clock = lambda: now.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    summarizer.set_dependencies(
        summarizer.SummarizerDependencies(service, requeue=Requeue(), settle_seconds=10)
    )
    try:
        fresh = envelope("CallEnded", {"callId": "c1"}) | {"time": now.strftime("%Y-%m-%dT%H:%M:%SZ")}
        assert summarizer.handler(sqs_batch(json.dumps(fresh)), lambda_context()) == {"batchItemFailures": []}  # type: ignore[arg-type]
        assert [delay for _, delay in requeued] == [SETTLE_POLL_SECONDS]  # another look in a second
        assert world.engine.calls == []
        old = (now - timedelta(seconds=11)).strftime("%Y-%m-%dT%H:%M:%SZ")
        late = envelope("CallEnded", {"callId": "c1"}) | {"time": old}
        summarizer.handler(sqs_batch(json.dumps(late)), lambda_context())  # type: ignore[arg-type]
        assert len(requeued) == 1 and len(world.engine.calls) == 1  # settle time up: written regardless
    finally:
        summarizer.set_dependencies(None)


def test_a_throttled_final_is_put_back_with_a_growing_delay_until_its_age_limit() -> None:
    from datetime import UTC, datetime, timedelta

    from callrecap.contracts import DEFERRALS_FIELD

    throttled = FakeEngineResult(sections={}, error="429", failure_reason="THROTTLED", retryable=True)
    world = World(FakeEngine([throttled] * 3 + [FakeEngineResult(sections={"summary": "ok"})]))
    requeued: list[tuple[dict[str, Any], int]] = []

    class Requeue:
        def requeue(self, body: str, delay_seconds: int) -> None:
            requeued.append((json.loads(body), delay_seconds))

    service = summarizer.dependencies().service
    deps = summarizer.SummarizerDependencies(
        service, requeue=Requeue(), throttle_max_age_seconds=600, throttle_backoff_seconds=15
    )
    summarizer.set_dependencies(deps)
    leases = world.summaries.leases
    try:
        sent = datetime.now(UTC) - timedelta(seconds=5)
        body = envelope("CallEnded", {"callId": "c1"}) | {"time": sent.strftime("%Y-%m-%dT%H:%M:%SZ")}
        for expected_deferrals in (1, 2):
            result = summarizer.handler(sqs_batch(json.dumps(body)), lambda_context())  # type: ignore[arg-type]
            assert result == {"batchItemFailures": []}
            body, delay = requeued[-1]
            assert body[DEFERRALS_FIELD] == expected_deferrals
            window = 15 * 2 ** (expected_deferrals - 1)
            assert window / 2 <= delay <= window  # jittered in the upper half, doubling
            for lease in leases.values():
                lease["until"] = 0  # the wait is over (the fake's clock does not move)
        statuses = [s.status.value for s in world.summaries.list_summaries("c1")]
        assert statuses == ["PENDING"] and world.publisher.of(BusEvent.SUMMARY_FAILED) == []
        # Older than the limit: the run stores FAILED (THROTTLED, retryable), nothing is put back.
        old = datetime.now(UTC) - timedelta(seconds=599)
        body = body | {"time": old.strftime("%Y-%m-%dT%H:%M:%SZ")}
        summarizer.handler(sqs_batch(json.dumps(body)), lambda_context())  # type: ignore[arg-type]
        assert len(requeued) == 2
        (failed,) = world.summaries.list_summaries("c1")
        assert (failed.version, failed.status.value, failed.failure_reason) == (1, "FAILED", "THROTTLED")
    finally:
        summarizer.set_dependencies(None)
