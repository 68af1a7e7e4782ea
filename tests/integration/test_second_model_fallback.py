"""A second Bedrock model as the fallback (`llmFallback: bedrock:<model id>`), through the
summarizer's own wiring and real sockets: the primary model is throttled on every attempt, the
second model (a stand-in speaking Converse on loopback) writes the summary, and the summary says
which model wrote it and why the first did not."""

from __future__ import annotations

import json
from urllib.parse import unquote

import pytest

from callrecap import wiring
from callrecap.contracts import FailureReason
from callrecap.domain.models import Speaker, SummaryKind, SummaryStatus
from callrecap.domain.summaries.runs import ReasonCode, SummaryRunRequest, SummaryService
from callrecap.settings import EnvVar, Settings, SettingsError
from tests.helpers.sections import complete
from tests.helpers.standin import Reply, Request, answering, converse_reply, error, no_backoff
from tests.unit.summary_fakes import FakePublisher, FakeSummaries, FakeTranscripts

PRIMARY = "amazon.nova-lite-v1:0"
SECOND = "anthropic.claude-3-haiku-20240307-v1:0"
SECTIONS = complete(
    {
        "summary": "The caller reported an outage; the agent opened a ticket.",
        "topic": "Internet outage",
        "action_items": ["Send the technician"],
        "resolved": "no",
        "customer_sentiment": "negative",
    }
)


def two_models(request: Request) -> Reply:
    """Converse on loopback: the primary model is throttled, the second answers the sections."""
    if unquote(request.path.split("/")[2]) == PRIMARY:
        return error("ThrottlingException", 429, "Too many requests")
    return converse_reply(json.dumps(SECTIONS), input_tokens=900, output_tokens=80)


def test_a_throttled_primary_model_hands_the_call_to_the_second_model(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    no_backoff(monkeypatch)
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        EnvVar.TABLE_NAME.value: "t",
        EnvVar.EVENT_BUS_NAME.value: "b",
        EnvVar.LLM_PROVIDER.value: "bedrock",
        EnvVar.BEDROCK_MODEL_ID.value: PRIMARY,
        EnvVar.BEDROCK_REGION.value: "us-east-1",
        EnvVar.LLM_FALLBACK.value: f"bedrock:{SECOND},extractive",
    }.items():
        monkeypatch.setenv(name, value)
    with answering(two_models) as bedrock:
        monkeypatch.setenv("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", bedrock.url)
        wired = wiring.summarizer().service
        transcripts = FakeTranscripts()
        transcripts.add_call("c1")
        transcripts.add_segment("c1", Speaker.CUSTOMER, "My internet has been down since this morning.")
        transcripts.add_segment("c1", Speaker.AGENT, "I am sorry, I will send a technician tomorrow.")
        service = SummaryService(  # the wired engines over in-memory stores
            transcripts=transcripts,
            summaries=FakeSummaries(transcripts),
            publisher=FakePublisher(),
            engine=wired._engine,
            provider_name="bedrock",
            model_name=PRIMARY,
            fallbacks=wired._fallbacks.engines,
        )
        outcome = service.handle(SummaryRunRequest("c1", SummaryKind.FINAL, ReasonCode.CALL_ENDED))
    summary = outcome.summary
    assert summary is not None and summary.status is SummaryStatus.COMPLETED
    assert (summary.provider, summary.model) == ("bedrock", SECOND)
    assert (summary.fallback_from, summary.fallback_reason) == ("bedrock", FailureReason.THROTTLED)
    assert summary.sections["topic"] == "Internet outage"
    asked = [unquote(request.path.split("/")[2]) for request in bedrock.seen]
    assert PRIMARY in asked and asked[-1] == SECOND


def test_the_chain_is_resolved_and_checked_at_cold_start() -> None:
    env = {
        EnvVar.TABLE_NAME.value: "t",
        EnvVar.LLM_PROVIDER.value: "bedrock",
        EnvVar.BEDROCK_MODEL_ID.value: PRIMARY,
        EnvVar.LLM_FALLBACK.value: f" Bedrock:{SECOND} , extractive",
    }
    settings = Settings.from_env(env)
    assert [str(link) for link in settings.llm_fallback] == [f"bedrock:{SECOND}", "extractive"]
    for chain, message in (
        (f"bedrock:{PRIMARY}", "is already in the chain"),
        ("bedrock", "bedrock is already in the chain"),  # the primary's own model
        ("extractive:x", "extractive has no model"),
        ("gpt", "unknown provider 'gpt'"),
        ("openai:llama3", "provider openai needs CALLRECAP_OPENAI_BASE_URL"),
    ):
        with pytest.raises(SettingsError, match=message):
            Settings.from_env({**env, EnvVar.LLM_FALLBACK.value: chain})
