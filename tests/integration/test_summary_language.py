"""The language of the summary (issue 14): `summaryLanguage` (CALLRECAP_SUMMARY_LANGUAGE) wins,
else the call's own language code, else English; the prompt the model receives says so. Spanish
and German calls through the `openai` provider against a stand-in on loopback that reads the
prompt it was sent."""

from __future__ import annotations

import json

import pytest

from callrecap.adapters.configured_engine import build_engine
from callrecap.contracts import CallAttr
from callrecap.domain.models import Speaker, SummaryKind, Turn
from callrecap.domain.summaries.runs import ReasonCode, SummaryRunRequest, SummaryService
from callrecap.settings import EnvVar, Settings, SettingsError
from tests.helpers.sections import complete
from tests.helpers.standin import Reply, scripted
from tests.unit.summary_fakes import FakePublisher, FakeSummaries, FakeTranscripts

SPANISH = [
    Turn("AGENT", "Buenos días, gracias por llamar. ¿En qué puedo ayudarle?"),
    Turn("CUSTOMER", "Hola, mi factura de este mes tiene un cargo doble por el mismo servicio."),
    Turn("AGENT", "Lo siento mucho. He anulado el cargo duplicado; verá el reembolso en cinco días."),
]
GERMAN = [
    Turn("AGENT", "Guten Tag, Sie sprechen mit dem Kundenservice. Wie kann ich helfen?"),
    Turn("CUSTOMER", "Mein Internet fällt seit gestern Abend immer wieder aus."),
    Turn("AGENT", "Ich habe eine Störung in Ihrer Straße gefunden; ein Techniker kommt morgen früh."),
]


def answer(summary: str) -> Reply:
    sections = complete(
        {
            "summary": summary,
            "topic": "-",
            "action_items": [],
            "resolved": "yes",
            "customer_sentiment": "neutral",
        }
    )
    return Reply(body={"choices": [{"message": {"content": json.dumps(sections)}, "finish_reason": "stop"}]})


def settings_for(url: str, **extra: str) -> Settings:
    return Settings.from_env(
        {
            EnvVar.TABLE_NAME.value: "t",
            EnvVar.LLM_PROVIDER.value: "openai",
            EnvVar.OPENAI_BASE_URL.value: f"{url}/v1",
            EnvVar.OPENAI_MODEL.value: "m",
            **extra,
        }
    )


def system_prompt(body: bytes) -> str:
    return str(json.loads(body)["messages"][0]["content"])


def test_a_configured_language_is_asked_for() -> None:
    with scripted(answer("El cliente tenía un cargo doble; el agente lo anuló.")) as server:
        engine = build_engine(settings_for(server.url, **{EnvVar.SUMMARY_LANGUAGE.value: "es"}))
        result = engine(SPANISH, "c-es")
    assert result.ok and result.sections["summary"].startswith("El cliente")
    ((_, body),) = server.requests
    assert "Write every section in Spanish" in system_prompt(body)


def test_without_one_the_calls_language_is_used_through_the_summary_service() -> None:
    transcripts = FakeTranscripts()
    transcripts.add_call("c-de")
    transcripts.calls["c-de"][CallAttr.LANGUAGE_CODE.value] = "de-DE"  # as Contact Lens reports it
    for turn in GERMAN:
        transcripts.add_segment("c-de", Speaker(turn.speaker), turn.text)
    with scripted(answer("Der Kunde meldete Ausfälle; ein Techniker kommt morgen.")) as server:
        service = SummaryService(
            transcripts=transcripts,
            summaries=FakeSummaries(transcripts),
            publisher=FakePublisher(),
            engine=build_engine(settings_for(server.url)),
        )
        outcome = service.handle(SummaryRunRequest("c-de", SummaryKind.FINAL, ReasonCode.CALL_ENDED))
    assert outcome.action == "completed"
    ((_, body),) = server.requests
    assert "Write every section in German" in system_prompt(body)


def test_english_when_nobody_says() -> None:
    with scripted(answer("The customer had a double charge.")) as server:
        build_engine(settings_for(server.url))(SPANISH, "c")
    ((_, body),) = server.requests
    assert "Write every section in English" in system_prompt(body)


def test_a_language_that_is_not_a_code_fails_at_cold_start() -> None:
    with pytest.raises(SettingsError, match="CALLRECAP_SUMMARY_LANGUAGE must be a language code"):
        Settings.from_env({EnvVar.TABLE_NAME.value: "t", EnvVar.SUMMARY_LANGUAGE.value: "Spanish please"})
