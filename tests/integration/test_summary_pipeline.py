"""Summarizer, sweeper and CRM hook against moto: DynamoDB table + EventBridge bus -> SQS observer.

The observer queue stands in for the rule targets (moto delivers bus events to SQS, not to Lambda
targets), so the test sees exactly what the deployed rules would route: CallSummarized to the CRM
hook, SummaryFailed, CallEnded from the sweeper back into the summarizer.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from moto import mock_aws

from callrecap import contracts as c
from callrecap.adapters import event_bus
from callrecap.adapters.configured_engine import BoundEngine
from callrecap.adapters.dynamo import transcripts as dynamo_store
from callrecap.adapters.dynamo.deliveries import DynamoDeliveryStore
from callrecap.adapters.dynamo.summaries import DynamoSummaryStore
from callrecap.adapters.llm.extractive_provider import ExtractiveSummarizer
from callrecap.adapters.prompt_source import BundledPromptSource
from callrecap.contracts import CallAttr
from callrecap.domain.models import CallDetails, Segment, Speaker, Turn, Usage
from callrecap.domain.summaries.chunking import Budget
from callrecap.domain.summaries.cost import PriceTable
from callrecap.domain.summaries.engine import EngineResult, Strategy
from callrecap.domain.summaries.runs import SummaryService
from callrecap.domain.summaries.sweeping import Sweeper
from callrecap.handlers import crm_hook, summarizer, sweeper
from tests.helpers.aws import AwsResources, create_resources
from tests.helpers.context import lambda_context

pytestmark = pytest.mark.filterwarnings("ignore:No application metrics")

START = datetime(2026, 3, 3, 11, 0, tzinfo=UTC)


@dataclass
class Stack:
    aws: AwsResources
    transcripts: Any
    summaries: DynamoSummaryStore
    publisher: Any

    def observed(self) -> list[dict[str, Any]]:
        """Every bus event routed to the observer queue so far (drained)."""
        return self.aws.bus_events()

    def of(self, events: list[dict[str, Any]], detail_type: str) -> list[dict[str, Any]]:
        return [e for e in events if e["detail-type"] == detail_type]


@pytest.fixture
def stack() -> Iterator[Stack]:
    with mock_aws():
        aws = create_resources()
        yield Stack(
            aws=aws,
            transcripts=dynamo_store.DynamoTranscriptStore(
                aws.table_name, client=aws.dynamodb, clock=lambda: START
            ),
            summaries=DynamoSummaryStore(aws.table_name, client=aws.dynamodb),
            publisher=event_bus.EventBridgePublisher(aws.bus_name, client=aws.events),
        )
    summarizer.set_dependencies(None)
    sweeper.set_dependencies(None)
    crm_hook.set_dependencies(None)


def extractive_engine() -> BoundEngine:
    return BoundEngine(provider=ExtractiveSummarizer(), prompts=BundledPromptSource(), budget=Budget())


def use_summarizer(stack: Stack, engine: Any = None) -> None:
    service = SummaryService(
        transcripts=stack.transcripts,
        summaries=stack.summaries,
        publisher=stack.publisher,
        engine=engine or extractive_engine(),
        prices=PriceTable(),
        provider_name="extractive",
        model_name="extractive-v1",
    )
    summarizer.set_dependencies(summarizer.SummarizerDependencies(service=service))


def seed_call(stack: Stack, call_id: str = "call-1") -> None:
    details = CallDetails(call_id=call_id, transaction_id=call_id, from_number="+14155550100")
    stack.transcripts.mark_started(details, START.isoformat())
    lines = [
        (Speaker.AGENT, "Thanks for calling Hearth and Home, this is Ana. How can I help?"),
        (Speaker.CUSTOMER, "My dishwasher order was supposed to arrive last week and it never did."),
        (Speaker.AGENT, "I am sorry about that. I will reschedule the delivery for Saturday morning."),
        (Speaker.CUSTOMER, "Great, thank you, that works for me."),
    ]
    stack.transcripts.put_segments(
        [
            Segment(call_id, f"seg-{i}", speaker, i * 5.0, i * 5.0 + 4, text, False, source="test")
            for i, (speaker, text) in enumerate(lines)
        ]
    )


def bus_envelope(detail_type: str, detail: dict[str, Any]) -> dict[str, Any]:
    return {
        "version": "0",
        "id": f"evt-{detail_type}",
        "detail-type": detail_type,
        "source": c.BUS_SOURCE,
        "account": "123456789012",
        "time": "2026-03-03T11:30:00Z",
        "region": "us-east-1",
        "resources": [],
        "detail": detail,
    }


def meta(stack: Stack, call_id: str = "call-1") -> dict[str, Any]:
    record = stack.transcripts.get_call(call_id)
    assert record is not None
    return dict(record)


def test_call_ended_stores_final_and_routes_call_summarized(stack: Stack) -> None:
    seed_call(stack)
    use_summarizer(stack)

    result = summarizer.handler(
        bus_envelope("CallEnded", {"callId": "call-1", "schemaVersion": "1"}), lambda_context()
    )  # type: ignore[arg-type]

    assert result["action"] == "completed"
    [summarized] = stack.of(stack.observed(), "CallSummarized")
    detail = summarized["detail"]
    assert detail["callId"] == "call-1"
    assert detail["version"] == 1
    assert detail["kind"] == "final"
    assert set(detail["sections"]) >= {"summary", "topic", "action_items", "resolved", "customer_sentiment"}
    [stored] = stack.summaries.list_summaries("call-1")
    assert stored.status.value == "COMPLETED"
    revision = meta(stack)[CallAttr.TRANSCRIPT_REVISION.value]
    assert revision >= 1
    assert stored.transcript_revision == revision
    assert stored.published_at
    record = meta(stack)
    assert record[CallAttr.LATEST_SUMMARY_VERSION.value] == 1
    assert record[CallAttr.LATEST_SUMMARY_STATUS.value] == "COMPLETED"
    assert record[CallAttr.FINAL_SUMMARY_REVISION.value] == revision

    again = summarizer.handler(bus_envelope("CallEnded", {"callId": "call-1"}), lambda_context())  # type: ignore[arg-type]
    assert again["action"] == "skipped"
    assert stack.observed() == []
    assert len(stack.summaries.list_summaries("call-1")) == 1


def test_late_segment_makes_final_stale_and_a_new_version(stack: Stack) -> None:
    seed_call(stack)
    use_summarizer(stack)
    summarizer.handler(bus_envelope("CallEnded", {"callId": "call-1"}), lambda_context())  # type: ignore[arg-type]
    stack.observed()
    stack.transcripts.put_segments(
        [
            Segment(
                "call-1", "seg-late", Speaker.CUSTOMER, 30.0, 33.0, "Oh, and my order number is 5521.", False
            )
        ]
    )

    summarizer.handler(  # type: ignore[arg-type]
        bus_envelope("SummaryRequested", {"callId": "call-1", "kind": "final", "reason": "stale"}),
        lambda_context(),
    )

    statuses = {s.version: s.status.value for s in stack.summaries.list_summaries("call-1")}
    assert statuses == {1: "STALE", 2: "COMPLETED"}
    record = meta(stack)
    assert record[CallAttr.FINAL_SUMMARY_REVISION.value] == record[CallAttr.TRANSCRIPT_REVISION.value]
    first, second = stack.summaries.get_summary("call-1", 1), stack.summaries.get_summary("call-1", 2)
    assert first is not None and second is not None
    assert second.transcript_revision > first.transcript_revision
    assert [e["detail"]["version"] for e in stack.of(stack.observed(), "CallSummarized")] == [2]


def failing_engine(turns: list[Turn], call_id: str = "", *, language: str = "") -> EngineResult:
    return EngineResult(
        sections={},
        usage=Usage(2, 900, 40),
        prompt_hash="sha256:x",
        model="amazon.nova-lite-v1:0",
        provider="bedrock",
        strategy=Strategy.SINGLE,
        raw_reply="I cannot produce JSON today",
        error="the reply is not valid JSON after the repair attempt",
    )


def test_failure_routes_summary_failed_only_and_retry_succeeds(stack: Stack) -> None:
    seed_call(stack)
    use_summarizer(stack, failing_engine)
    summarizer.handler(bus_envelope("CallEnded", {"callId": "call-1"}), lambda_context())  # type: ignore[arg-type]

    observed = stack.observed()
    assert stack.of(observed, "CallSummarized") == []
    [failed] = stack.of(observed, "SummaryFailed")
    assert failed["detail"]["version"] == 1
    assert "not valid JSON" in failed["detail"]["error"]
    stored = stack.summaries.get_summary("call-1", 1)
    assert stored is not None and stored.status.value == "FAILED"
    assert stored.raw_reply == "I cannot produce JSON today"
    assert stored.input_tokens == 900
    assert meta(stack)[CallAttr.LATEST_SUMMARY_STATUS.value] == "FAILED"

    use_summarizer(stack)
    retry = {"callId": "call-1", "kind": "final", "reason": "retry", "version": 1}
    result = summarizer.handler(bus_envelope("SummaryRequested", retry), lambda_context())  # type: ignore[arg-type]
    assert (result["action"], result["version"]) == ("completed", 2)
    assert len(stack.of(stack.observed(), "CallSummarized")) == 1


def test_sweeper_closes_idle_call_and_it_gets_summarized(stack: Stack) -> None:
    seed_call(stack, "idle-call")
    use_summarizer(stack)
    later = START + timedelta(minutes=45)
    sweeper.set_dependencies(
        sweeper.SweeperDependencies(
            sweeper=Sweeper(
                store=stack.transcripts, publisher=stack.publisher, idle_minutes=30, clock=lambda: later
            )
        )
    )

    report = sweeper.handler({"detail-type": "Scheduled Event"}, lambda_context())  # type: ignore[arg-type]

    assert report["closed"] == ["idle-call"]
    assert meta(stack, "idle-call")[CallAttr.STATUS.value] == "ENDED"
    [ended] = stack.of(stack.observed(), "CallEnded")
    assert ended["detail"]["reason"] == "idle"

    # the rule routes CallEnded to the summarizer: feed it the routed event as is
    summarizer.handler(ended, lambda_context())  # type: ignore[arg-type]
    [summarized] = stack.of(stack.observed(), "CallSummarized")
    assert summarized["detail"]["callId"] == "idle-call"

    # the next sweep finds nothing to do
    assert sweeper.handler({}, lambda_context()) == {"closed": [], "requested": {}, "errors": {}}  # type: ignore[arg-type]


def test_crm_hook_stores_delivery_and_rejects_empty(stack: Stack) -> None:
    seed_call(stack)
    use_summarizer(stack)
    summarizer.handler(bus_envelope("CallEnded", {"callId": "call-1"}), lambda_context())  # type: ignore[arg-type]
    [summarized] = stack.of(stack.observed(), "CallSummarized")
    deliveries = DynamoDeliveryStore(stack.aws.table_name, client=stack.aws.dynamodb)
    crm_hook.set_dependencies(crm_hook.CrmHookDependencies(deliveries=deliveries))

    assert crm_hook.handler(summarized, lambda_context())["outcome"] == "delivered"  # type: ignore[arg-type]
    assert crm_hook.handler(summarized, lambda_context())["outcome"] == "duplicate"  # type: ignore[arg-type]
    delivery = deliveries.get_delivery("call-1", 1)
    assert delivery is not None
    assert delivery["sections"] == summarized["detail"]["sections"]
    assert meta(stack)[CallAttr.CRM_STATUS.value] == "DELIVERED"

    empty = json.loads(json.dumps(summarized))
    empty["detail"]["sections"] = {}
    empty["detail"]["version"] = 2
    with pytest.raises(crm_hook.ContractViolation, match="non-empty"):
        crm_hook.handler(empty, lambda_context())  # type: ignore[arg-type]
    assert deliveries.get_delivery("call-1", 2) is None
