"""The Amazon Comprehend PII detector beside the rules (piiDetector: comprehend), against
botocore's Stubber with DetectPiiEntities' documented request and response shapes."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from callrecap.adapters.comprehend_pii import ComprehendPiiDetector
from callrecap.domain.models import Turn
from callrecap.domain.privacy.across_turns import redact_turns

TURNS = [
    Turn("AGENT", "Thanks for calling, who am I speaking with?"),
    Turn("CUSTOMER", "This is Maria Lopez, I live at 12 Calle Mayor."),
    Turn("CUSTOMER", "My card is 4111 1111 1111 1111."),
]


def joined() -> str:
    return "\n".join(t.text for t in TURNS)


def entity(text: str, phrase: str, kind: str, score: float = 0.99) -> dict[str, Any]:
    start = text.index(phrase)
    return {"Score": score, "Type": kind, "BeginOffset": start, "EndOffset": start + len(phrase)}


@pytest.fixture
def comprehend() -> Any:
    return boto3.client("comprehend", region_name="us-east-1")


def test_one_request_for_the_transcript_and_its_types_become_tags(comprehend: Any) -> None:
    text = joined()
    reply = {
        "Entities": [
            entity(text, "Maria Lopez", "NAME"),
            entity(text, "12 Calle Mayor", "ADDRESS"),
            entity(text, "4111 1111 1111 1111", "CREDIT_DEBIT_NUMBER"),
            entity(text, "speaking", "NAME", score=0.3),  # unsure: left alone
        ]
    }
    with Stubber(comprehend) as stub:
        stub.add_response("detect_pii_entities", reply, {"Text": text, "LanguageCode": "es"})
        seen, counts = redact_turns(
            TURNS, detector=ComprehendPiiDetector(client=comprehend), language="es-US"
        )
        stub.assert_no_pending_responses()
    assert [t.text for t in seen] == [
        "Thanks for calling, who am I speaking with?",
        "This is [NAME], I live at [ADDRESS].",
        "My card is [CARD].",  # the rules found it too: one tag, counted once
    ]
    assert counts == {"ADDRESS": 1, "CARD": 1, "NAME": 1}


def test_a_language_comprehend_does_not_take_is_checked_as_english(comprehend: Any) -> None:
    with Stubber(comprehend) as stub:
        stub.add_response("detect_pii_entities", {"Entities": []}, {"Text": joined(), "LanguageCode": "en"})
        redact_turns(TURNS, detector=ComprehendPiiDetector(client=comprehend), language="de-DE")
        stub.assert_no_pending_responses()  # Comprehend was asked, in English
