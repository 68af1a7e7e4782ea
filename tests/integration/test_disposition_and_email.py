"""The disposition from the deployment's own list and the follow-up email (issue 14): what the
model is asked for, what happens to an answer outside the list, how the offline provider fills
both, and the context checks at synth."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from callrecap.adapters.configured_engine import build_engine
from callrecap.settings import EnvVar, Settings
from callrecap_local.transcript_files import read_transcript
from tests.helpers.sections import complete
from tests.helpers.standin import Reply, scripted

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
OWN_LIST = '["Billing", "Repair", "Sales"]'


def reply(**sections: object) -> Reply:
    content = json.dumps(complete(dict(sections)))
    return Reply(body={"choices": [{"message": {"content": content}, "finish_reason": "stop"}]})


def engine_for(url: str, **extra: str):  # type: ignore[no-untyped-def]
    env = {
        EnvVar.TABLE_NAME.value: "t",
        EnvVar.LLM_PROVIDER.value: "openai",
        EnvVar.OPENAI_BASE_URL.value: f"{url}/v1",
        EnvVar.OPENAI_MODEL.value: "m",
        EnvVar.DISPOSITIONS.value: OWN_LIST,
        **extra,
    }
    return build_engine(Settings.from_env(env))


def test_the_model_is_asked_to_pick_from_the_deployments_list() -> None:
    turns = read_transcript(SAMPLES / "billing_dispute.jsonl").turns
    with scripted(reply(disposition="billing")) as server:
        result = engine_for(server.url)(turns, "c1")
    ((_, body),) = server.requests
    prompt = json.loads(body)["messages"][1]["content"]
    assert '"Billing", "Repair", "Sales", "other"' in prompt
    assert "follow_up_email" in prompt
    assert result.ok and result.sections["disposition"] == "Billing"  # case folded to the list's


def test_an_answer_outside_the_list_is_repaired_once_then_stored_as_other_with_the_answer() -> None:
    turns = read_transcript(SAMPLES / "billing_dispute.jsonl").turns
    with scripted(reply(disposition="Refund request"), reply(disposition="Refunds")) as server:
        # A server without structured output (the prompt alone): the repair step applies.
        result = engine_for(server.url, **{EnvVar.OPENAI_RESPONSE_FORMAT.value: "none"})(turns, "c1")
    assert len(server.requests) == 2  # the reply and its one repair
    repair = json.loads(server.requests[1][1])["messages"][1]["content"]
    assert "disposition" in repair and "Refund request" in repair
    assert result.ok
    assert (result.sections["disposition"], result.sections["disposition_answer"]) == ("other", "Refunds")


def test_the_email_can_be_turned_off() -> None:
    turns = read_transcript(SAMPLES / "order_status.jsonl").turns
    with scripted(reply()) as server:
        result = engine_for(server.url, **{EnvVar.FOLLOW_UP_EMAIL.value: "false"})(turns, "c1")
    prompt = json.loads(server.requests[0][1])["messages"][1]["content"]
    assert "follow_up_email" not in prompt and "follow_up_email" not in result.sections


@pytest.mark.parametrize(
    ("sample", "disposition"),
    [
        ("billing_dispute.jsonl", "billing"),
        ("cancellation_retention.jsonl", "cancellation"),
        ("missing_parcel.jsonl", "order status"),
        ("order_status.jsonl", "order status"),
        ("password_reset.jsonl", "account access"),
        ("technical_support.jsonl", "technical support"),
        ("unresolved_complaint.jsonl", "complaint"),
    ],
)
def test_the_offline_provider_matches_the_call_to_the_list(sample: str, disposition: str) -> None:
    engine = build_engine(Settings.from_env({EnvVar.TABLE_NAME.value: "t"}))
    sections = engine(read_transcript(SAMPLES / sample).turns, sample).sections
    assert sections["disposition"] == disposition
    email = sections["follow_up_email"]
    assert email.startswith("Subject: Following up on your call: ") and "\n\nHello,\n\n" in email
    assert email.rstrip().endswith("Customer care")


def test_the_offline_email_says_only_what_was_said() -> None:
    engine = build_engine(Settings.from_env({EnvVar.TABLE_NAME.value: "t"}))
    turns = read_transcript(SAMPLES / "order_status.jsonl").turns
    sections = engine(turns, "c").sections
    said = " ".join(t.text for t in turns)
    for line in sections["follow_up_email"].splitlines():
        if line.startswith("- "):
            assert line[2:] in said  # each commitment quoted from the call


def test_the_dispositions_are_checked_at_synth() -> None:
    from infra.config import ConfigError, parse_config

    assert json.loads(parse_config({"dispositions": ["Billing", "Repair"]}).dispositions) == [
        "Billing",
        "Repair",
    ]
    for value, message in (
        (["Only"], "2 to 50"),
        (["A", "a"], "listed twice"),
        (["x" * 61, "y"], "longer than 60"),
    ):
        with pytest.raises(ConfigError, match=message):
            parse_config({"dispositions": value})


def test_under_the_schema_an_answer_outside_the_list_is_stored_as_other_without_a_repair() -> None:
    """The schema's enum is the list, so only a decoder that ignored it answers outside: no repair
    request can do better than that, and the catch-all takes the answer at once."""
    turns = read_transcript(SAMPLES / "billing_dispute.jsonl").turns
    with scripted(reply(disposition="Refunds")) as server:
        result = engine_for(server.url)(turns, "c1")
    ((_, body),) = server.requests
    assert json.loads(body)["response_format"]["json_schema"]["schema"]["properties"]["disposition"][
        "enum"
    ] == [
        "Billing",
        "Repair",
        "Sales",
        "other",
    ]
    assert (result.sections["disposition"], result.sections["disposition_answer"]) == ("other", "Refunds")
