"""No provider sees the PII the rules find, and no CallSummarized carries it (issue 14): the
OpenAI-compatible provider's request over a real socket, and the offline extractive provider,
whose sections quote the transcript, through the summary service and its published event."""

from __future__ import annotations

import json
from typing import Any

import pytest

from callrecap.adapters.configured_engine import build_engine
from callrecap.contracts import BusEvent
from callrecap.domain.models import Speaker, SummaryKind, Turn
from callrecap.domain.summaries.runs import ReasonCode, SummaryRunRequest, SummaryService
from callrecap.settings import EnvVar, Settings
from tests.helpers.sections import complete
from tests.helpers.standin import Reply, scripted
from tests.unit.summary_fakes import FakePublisher, FakeSummaries, FakeTranscripts

CARD_SPOKEN = "four one one one, one one one one, one one one one, one one one one"
TURNS = [
    Turn("AGENT", "Thanks for calling, how can I help?"),
    Turn("CUSTOMER", f"I want to update my card, the new one is {CARD_SPOKEN}."),
    Turn("AGENT", "Done. Can I reach you at jane.doe@example.org if anything changes?"),
    Turn("CUSTOMER", "Yes, or on (206) 555-0142."),
]
SECTIONS = complete(
    {
        "summary": "The customer updated the card on file.",
        "topic": "Card update",
        "action_items": [],
        "resolved": "yes",
        "customer_sentiment": "neutral",
    }
)


def test_the_model_is_sent_tags_not_the_numbers() -> None:
    answer = {"choices": [{"message": {"content": json.dumps(SECTIONS)}, "finish_reason": "stop"}]}
    with scripted(Reply(body=answer)) as server:
        settings = Settings.from_env(
            {
                EnvVar.TABLE_NAME.value: "t",
                EnvVar.LLM_PROVIDER.value: "openai",
                EnvVar.OPENAI_BASE_URL.value: f"{server.url}/v1",
                EnvVar.OPENAI_MODEL.value: "m",
            }
        )
        result = build_engine(settings)(TURNS, "c1")
    ((_, body),) = server.requests
    sent = json.loads(body)["messages"][1]["content"]
    assert "[CARD]" in sent and "[EMAIL]" in sent and "[PHONE]" in sent
    assert "four one one one" not in sent and "jane.doe" not in sent and "555-0142" not in sent
    assert dict(result.pii_redactions) == {"CARD": 1, "EMAIL": 1, "PHONE": 1}


def test_off_sends_the_transcript_as_it_is() -> None:
    settings = Settings.from_env({EnvVar.TABLE_NAME.value: "t", EnvVar.PII_REDACT_BEFORE_MODEL.value: "off"})
    result = build_engine(settings)(TURNS, "c1")
    assert not result.pii_redactions


@pytest.mark.parametrize("setting", ["all", "CARD,EMAIL,PHONE"])
def test_the_crm_event_carries_counts_never_the_text(setting: str) -> None:
    transcripts = FakeTranscripts()
    transcripts.add_call("c1")
    for turn in TURNS:
        transcripts.add_segment("c1", Speaker(turn.speaker), turn.text)
    publisher = FakePublisher()
    summaries = FakeSummaries(transcripts)
    engine = build_engine(
        Settings.from_env({EnvVar.TABLE_NAME.value: "t", EnvVar.PII_REDACT_BEFORE_MODEL.value: setting})
    )
    service = SummaryService(transcripts=transcripts, summaries=summaries, publisher=publisher, engine=engine)
    outcome = service.handle(SummaryRunRequest("c1", SummaryKind.FINAL, ReasonCode.CALL_ENDED))
    assert outcome.action == "completed" and outcome.summary is not None
    assert outcome.summary.pii_redactions == {"CARD": 1, "EMAIL": 1, "PHONE": 1}
    (event,) = publisher.of(BusEvent.CALL_SUMMARIZED)
    text: Any = json.dumps(event)
    assert "one one one one" not in text and "jane.doe" not in text and "0142" not in text
    assert event["piiRedactions"] == {"CARD": 1, "EMAIL": 1, "PHONE": 1}
