"""The summary path end to end through the real handlers, with a Stubber-backed Bedrock model.

Kinesis records go through the ingest handler into moto's DynamoDB; the bus events it and the
other handlers publish are read back from an SQS observer (what the deployed rules would route)
and fed to the next handler as is. Bedrock is botocore's Stubber with documented Converse
responses, so every model call is counted: one call per summary, none for a repeated CallEnded.
Prompts come from an S3 override (moto) read on every run, so a changed override shows up in the
next version's promptHash without a redeploy.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws

from callrecap.adapters.configured_engine import BoundEngine
from callrecap.adapters.dynamo.deliveries import DynamoDeliveryStore
from callrecap.adapters.dynamo.summaries import DynamoSummaryStore
from callrecap.adapters.dynamo.transcripts import DynamoTranscriptStore
from callrecap.adapters.event_bus import EventBridgePublisher
from callrecap.adapters.llm.bedrock import BedrockProvider
from callrecap.adapters.prompt_source import BundledPromptSource, S3PromptSource
from callrecap.adapters.quarantine import SqsQuarantine
from callrecap.contracts import CallAttr
from callrecap.domain.summaries.chunking import Budget
from callrecap.domain.summaries.cost import PriceTable
from callrecap.domain.summaries.runs import SummaryService
from callrecap.handlers import api, crm_hook, ingest, summarizer
from callrecap_local.lambda_events import LambdaContext, http_api_event
from tests.helpers.aws import AwsResources, create_resources
from tests.helpers.context import lambda_context
from tests.helpers.kinesis import kinesis_event
from tests.helpers.sections import complete

pytestmark = pytest.mark.filterwarnings("ignore:No application metrics")

CALL = "flow-call-1"
MODEL = "anthropic.claude-3-haiku-20240307-v1:0"
PROMPT_BUCKET = "flow-prompts"
SECTIONS = complete(
    {
        "summary": "The customer's dishwasher delivery was missed; the agent rebooked it for Saturday.",
        "topic": "Missed delivery",
        "action_items": ["Agent reschedules the delivery for Saturday morning."],
        "resolved": "yes",
        "customer_sentiment": "positive",
    }
)


def converse_response(text: str, input_tokens: int = 1000, output_tokens: int = 100) -> dict[str, Any]:
    """The documented Converse response shape (Stubber also checks it against the service model)."""
    return {
        "output": {"message": {"role": "assistant", "content": [{"text": text}]}},
        "stopReason": "end_turn",
        "usage": {
            "inputTokens": input_tokens,
            "outputTokens": output_tokens,
            "totalTokens": input_tokens + output_tokens,
        },
        "metrics": {"latencyMs": 900},
    }


@dataclass
class Flow:
    aws: AwsResources
    s3: Any
    bedrock: Stubber
    summaries: DynamoSummaryStore

    def ingest(self, payloads: list[dict[str, Any]], first: int) -> None:
        response = ingest.handler(kinesis_event(payloads, partition_key=CALL, first=first), lambda_context())
        assert response["batchItemFailures"] == []

    def routed(self, detail_type: str) -> list[dict[str, Any]]:
        """Drain the bus observer; the events of `detail_type` (others are dropped)."""
        return [e for e in self.aws.bus_events() if e["detail-type"] == detail_type]

    def summarize(self, event: dict[str, Any]) -> dict[str, Any]:
        return summarizer.handler(event, lambda_context())  # type: ignore[arg-type]


def lca(event_type: str, **fields: Any) -> dict[str, Any]:
    return {"EventType": event_type, "CallId": CALL, "CreatedAt": "2026-03-03T11:30:00.000Z", **fields}


def segment(segment_id: str, start: float, channel: str, text: str) -> dict[str, Any]:
    return lca(
        "ADD_TRANSCRIPT_SEGMENT",
        Channel=channel,
        SegmentId=segment_id,
        StartTime=start,
        EndTime=start + 3.0,
        Transcript=text,
        IsPartial=False,
    )


CONVERSATION = [
    segment("s1", 0.0, "AGENT", "Thanks for calling Hearth and Home, how can I help?"),
    segment("s2", 4.0, "CALLER", "My dishwasher delivery never arrived last week."),
    segment("s3", 8.0, "AGENT", "Sorry about that, I will reschedule it for Saturday morning."),
    segment("s4", 12.0, "CALLER", "Great, thank you."),
]


@pytest.fixture
def flow() -> Iterator[Flow]:
    with mock_aws():
        aws = create_resources()
        s3 = boto3.client("s3")
        s3.create_bucket(Bucket=PROMPT_BUCKET)
        bedrock_client = boto3.client("bedrock-runtime", region_name="us-east-1")
        transcripts = DynamoTranscriptStore(aws.table_name, client=aws.dynamodb)
        summaries = DynamoSummaryStore(aws.table_name, client=aws.dynamodb)
        publisher = EventBridgePublisher(aws.bus_name, client=aws.events)
        ingest.set_dependencies(
            ingest.IngestDependencies(
                store=transcripts,
                publisher=publisher,
                quarantine=SqsQuarantine(aws.quarantine_url, client=aws.sqs),
            )
        )
        provider = BedrockProvider(MODEL, client=bedrock_client)
        prompts = S3PromptSource(PROMPT_BUCKET, "prompts/", BundledPromptSource(), ttl_seconds=0, client=s3)
        engine = BoundEngine(provider=provider, prompts=prompts, budget=Budget.for_model(MODEL))
        service = SummaryService(
            transcripts=transcripts,
            summaries=summaries,
            publisher=publisher,
            engine=engine,
            prices=PriceTable(),
            provider_name=engine.provider_name,
            model_name=engine.model_name,
        )
        summarizer.set_dependencies(summarizer.SummarizerDependencies(service=service))
        api.set_dependencies(api.ApiDependencies(transcripts, summaries, publisher))
        crm_hook.set_dependencies(
            crm_hook.CrmHookDependencies(deliveries=DynamoDeliveryStore(aws.table_name, client=aws.dynamodb))
        )
        with Stubber(bedrock_client) as stub:
            try:
                yield Flow(aws=aws, s3=s3, bedrock=stub, summaries=summaries)
            finally:
                for module in (ingest, summarizer, api, crm_hook):
                    module.set_dependencies(None)


def ended_call(flow: Flow) -> dict[str, Any]:
    """A whole call through ingest; the CallEnded it publishes, as the rule would route it."""
    flow.ingest([lca("START"), *CONVERSATION, lca("END")], first=0)
    [ended] = flow.routed("CallEnded")
    return ended


def emf_blobs(out: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.splitlines() if line.startswith("{") and "_aws" in line]


def test_one_model_call_per_summary_and_none_for_a_repeated_call_ended(
    flow: Flow, capsys: pytest.CaptureFixture[str]
) -> None:
    ended = ended_call(flow)
    flow.bedrock.add_response("converse", converse_response(json.dumps(SECTIONS)))
    capsys.readouterr()

    assert flow.summarize(ended)["action"] == "completed"
    flow.bedrock.assert_no_pending_responses()  # exactly one Converse call for every section

    [stored] = flow.summaries.list_summaries(CALL)
    assert stored.status.value == "COMPLETED" and dict(stored.sections) == SECTIONS
    assert (stored.provider, stored.model, stored.llm_calls) == ("bedrock", MODEL, 1)
    assert (stored.input_tokens, stored.output_tokens) == (1000, 100)
    assert stored.estimated_cost_usd == pytest.approx(1000 / 1000 * 0.00025 + 100 / 1000 * 0.00125)
    assert stored.prompt_hash == BundledPromptSource().get().prompt_hash
    [summarized] = flow.routed("CallSummarized")
    assert summarized["detail"]["sections"] == SECTIONS

    [blob] = emf_blobs(capsys.readouterr().out)
    assert (blob["provider"], blob["model"]) == ("bedrock", MODEL)
    assert (blob["SummariesProduced"], blob["SummariesFailed"]) == ([1.0], [0.0])
    assert (blob["InputTokens"], blob["OutputTokens"]) == ([1000.0], [100.0])
    assert blob["EstimatedCostUsd"] == [pytest.approx(stored.estimated_cost_usd)]
    assert blob["LlmLatencyMs"] == [float(stored.latency_ms)]

    # EventBridge delivers at least once: the same CallEnded again makes no model call (the
    # Stubber has no response queued, so a call would fail the run) and publishes nothing.
    assert flow.summarize(ended)["action"] == "skipped"
    assert len(flow.summaries.list_summaries(CALL)) == 1
    assert flow.aws.bus_events() == []
    assert emf_blobs(capsys.readouterr().out) == []


def test_late_segment_and_a_changed_s3_prompt_give_a_new_version_with_a_new_hash(flow: Flow) -> None:
    ended = ended_call(flow)
    flow.bedrock.add_response("converse", converse_response(json.dumps(SECTIONS)))
    flow.summarize(ended)
    flow.aws.bus_events()

    # an operator edits one template in S3: no redeploy, the next run uses it
    override = "{{ transcript }}\n\nSummarize this call as JSON with keys:\n"
    override += "{% for section in sections %}- {{ section.name }}\n{% endfor %}"
    flow.s3.put_object(Bucket=PROMPT_BUCKET, Key="prompts/summarize.j2", Body=override.encode())
    # a final segment after the final summary: ingest asks for a new final itself
    flow.ingest([segment("s5", 16.0, "CALLER", "Oh, and my order number is 5521.")], first=10)
    [stale_request] = flow.routed("SummaryRequested")
    assert stale_request["detail"]["reason"] == "stale"

    def sent_prompt(request: dict[str, Any]) -> bool:
        from callrecap.adapters.prompt_files import load_prompt_set

        last = load_prompt_set().sections[-1].name  # the override lists every section, last at the end
        return request["messages"][0]["content"][0]["text"].rstrip().endswith(f"- {last}")

    flow.bedrock.add_response("converse", converse_response(json.dumps({**SECTIONS, "topic": "Order 5521"})))
    captured: list[dict[str, Any]] = []
    flow.bedrock.client.meta.events.register(
        "provide-client-params.bedrock-runtime.Converse", lambda params, **_: captured.append(params)
    )
    assert flow.summarize(stale_request)["action"] == "completed"
    flow.bedrock.assert_no_pending_responses()
    assert sent_prompt(captured[0])

    first, second = sorted(flow.summaries.list_summaries(CALL), key=lambda s: s.version)
    assert (first.status.value, second.status.value) == ("STALE", "COMPLETED")
    assert second.transcript_revision > first.transcript_revision
    assert second.prompt_hash != first.prompt_hash
    assert second.sections["topic"] == "Order 5521"
    [summarized] = flow.routed("CallSummarized")
    assert (summarized["detail"]["version"], summarized["detail"]["promptHash"]) == (2, second.prompt_hash)


def api_call(method: str, path: str, route: str, parameters: dict[str, str]) -> tuple[int, Any]:
    event = http_api_event(
        method=method,
        route_key=f"{method} {route}",
        raw_path=path,
        raw_query="",
        headers={"Host": "api.example"},
        body=b"",
        path_parameters=parameters,
    )
    response = api.handler(event, LambdaContext(function_name="callrecap-api"))
    return response["statusCode"], json.loads(response["body"] or "null")


def test_throttled_model_leaves_a_visible_failed_version_retried_through_the_api(flow: Flow) -> None:
    ended = ended_call(flow)
    # The Stubber answers before botocore's retries run: one throttled reply is the run's last word.
    flow.bedrock.add_client_error("converse", "ThrottlingException", "Too many requests", 429)

    assert flow.summarize(ended)["action"] == "failed"
    routed = flow.aws.bus_events()
    assert [e["detail-type"] for e in routed] == ["SummaryFailed"]  # nothing for the CRM hook
    assert "ThrottlingException" in routed[0]["detail"]["error"]

    status, body = api_call("GET", f"/calls/{CALL}/summaries", "/calls/{callId}/summaries", {"callId": CALL})
    assert status == 200
    [failed] = body["summaries"]
    assert (failed["version"], failed["status"], failed["sections"]) == (1, "FAILED", {})
    assert "ThrottlingException" in failed["error"]
    record = DynamoTranscriptStore(flow.aws.table_name, client=flow.aws.dynamodb).get_call(CALL)
    assert record is not None and record[CallAttr.LATEST_SUMMARY_STATUS.value] == "FAILED"

    status, _ = api_call(
        "POST",
        f"/calls/{CALL}/summaries/1/retry",
        "/calls/{callId}/summaries/{version}/retry",
        {"callId": CALL, "version": "1"},
    )
    assert status == 202
    [retry] = flow.routed("SummaryRequested")
    assert (retry["detail"]["reason"], retry["detail"]["version"]) == ("retry", 1)

    flow.bedrock.add_response("converse", converse_response(json.dumps(SECTIONS)))
    assert flow.summarize(retry)["action"] == "completed"
    [summarized] = flow.routed("CallSummarized")
    assert summarized["detail"]["version"] == 2 and summarized["detail"]["sections"] == SECTIONS
    statuses = {s.version: s.status.value for s in flow.summaries.list_summaries(CALL)}
    assert statuses == {1: "FAILED", 2: "COMPLETED"}

    # the routed CallSummarized is what the CRM hook receives
    assert crm_hook.handler(summarized, lambda_context())["outcome"] == "delivered"  # type: ignore[arg-type]
    assert (
        DynamoDeliveryStore(flow.aws.table_name, client=flow.aws.dynamodb).get_delivery(CALL, 2) is not None
    )
    assert DynamoDeliveryStore(flow.aws.table_name, client=flow.aws.dynamodb).get_delivery(CALL, 1) is None


def test_unusable_model_reply_is_failed_with_the_raw_reply_and_never_routed_to_the_crm(flow: Flow) -> None:
    ended = ended_call(flow)
    flow.bedrock.add_response("converse", converse_response("Sorry, I can't help with that."))
    flow.bedrock.add_response("converse", converse_response("{}"))  # the one repair attempt

    assert flow.summarize(ended)["action"] == "failed"
    flow.bedrock.assert_no_pending_responses()
    [stored] = flow.summaries.list_summaries(CALL)
    assert stored.status.value == "FAILED" and stored.sections == {}
    assert stored.raw_reply == "{}" and stored.llm_calls == 2
    assert [e["detail-type"] for e in flow.aws.bus_events()] == ["SummaryFailed"]
