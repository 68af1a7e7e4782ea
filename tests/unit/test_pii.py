"""PII before the model (domain.pii): what the rules find in written and spoken form, what they
leave alone, and what they do to the repository's sample calls."""

from __future__ import annotations

from pathlib import Path

import pytest

from callrecap.domain.models import Turn
from callrecap.domain.privacy.across_turns import redact_turns
from callrecap.domain.privacy.pii import DIGIT_WORDS, PiiEntity, luhn_valid, parse_entities, redact
from callrecap_local.transcript_files import read_transcript

SAMPLES = Path(__file__).resolve().parents[2] / "samples"


@pytest.mark.parametrize(
    ("text", "redacted"),
    [
        ("My card is 4111 1111 1111 1111.", "My card is [CARD]."),
        ("It's 4111-1111-1111-1111, expiry next May", "It's [CARD], expiry next May"),
        (
            "Sure, four one one one, one one one one, one one one one, one one one one.",
            "Sure, [CARD].",
        ),
        ("five five five five, five five five five, five five five five, four four four four", "[CARD]"),
        (
            "it's double five double five, five five five five, five five five five, four four four four",
            "it's [CARD]",
        ),
        ("Amex three seven eight two eight two two four six three one zero zero zero five", "Amex [CARD]"),
        ("email me at jane.doe@example.org thanks", "email me at [EMAIL] thanks"),
        ("it's john dot smith at example dot com", "it's [EMAIL]"),
        ("call me back on (206) 555-0142", "call me back on [PHONE]"),
        ("my cell is two oh six, five five five, oh one four two", "my cell is [PHONE]"),
        ("the toll-free one is 1 800 555 0199", "the toll-free one is [PHONE]"),
        ("from abroad +44 20 7946 0958", "from abroad [PHONE]"),
        ("my SSN is 123-45-6789", "my SSN is [SSN]"),
        ("case 123-45-6789", "case [SSN]"),  # a written SSN shape goes wherever it stands
        (
            "social security number one two three, four five, six seven eight nine",
            "social security number [SSN]",
        ),
        ("the IBAN is DE89 3704 0044 0532 0130 00 for the refund", "the IBAN is [IBAN] for the refund"),
    ],
)
def test_found_and_replaced_by_its_tag(text: str, redacted: str) -> None:
    assert redact(text).text == redacted


@pytest.mark.parametrize(
    "text",
    [
        "order number 4111 1111 1111 1112",  # 16 digits that fail Luhn: not a card
        "one ending in two two zero one, and one ending in eight six five five",  # endings may be shown
        "your reference number is seven seven three, nine zero two",
        "the refund of seventy dollars, 12.50 in fees",
        "the IBAN is DE89 3704 0044 0532 0130 01",  # fails mod 97
        "call 555-123-4567",  # not a NANP number: an exchange cannot start with 1
        "I was double charged",
    ],
)
def test_left_alone(text: str) -> None:
    assert redact(text).text == text


def test_luhn() -> None:
    assert luhn_valid("4111111111111111") and luhn_valid("378282246310005")
    assert not luhn_valid("4111111111111112")


def test_only_the_chosen_entities() -> None:
    text = "card 4111 1111 1111 1111, mail a@b.co"
    assert redact(text, {PiiEntity.EMAIL}).text == "card 4111 1111 1111 1111, mail [EMAIL]"
    assert redact(text, set()).text == text


def test_turns_keep_speakers_and_times_and_count_by_type() -> None:
    turns = [
        Turn("CUSTOMER", "it's 4111 1111 1111 1111 and my cell is (206) 555-0142", 1.0, 4.0),
        Turn("AGENT", "Thanks, updated.", 4.5, 5.0),
    ]
    seen, counts = redact_turns(turns)
    assert seen[0] == Turn("CUSTOMER", "it's [CARD] and my cell is [PHONE]", 1.0, 4.0)
    assert seen[1] is turns[1]
    assert counts == {"CARD": 1, "PHONE": 1}


@pytest.mark.parametrize(
    ("raw", "chosen", "problems"),
    [
        ("", set(PiiEntity), 0),
        ("all", set(PiiEntity), 0),
        ("off", set(), 0),
        ("card, email", {PiiEntity.CARD, PiiEntity.EMAIL}, 0),
        ("CARD,PASSPORT", {PiiEntity.CARD}, 1),
    ],
)
def test_setting(raw: str, chosen: set[PiiEntity], problems: int) -> None:
    entities, found = parse_entities(raw)
    assert set(entities) == chosen and len(found) == problems


def test_what_the_sample_calls_hide_from_the_model() -> None:
    """The decision, documented in docs/summarization.md: full phone numbers, e-mail addresses and
    card numbers go; card endings, reference and case numbers, amounts stay."""
    expected = {
        "billing_dispute.jsonl": {"PHONE": 1},  # the caller's number; the card ending 4418 stays
        "cancellation_retention.jsonl": {"EMAIL": 1},  # two card endings stay
        "long_business_migration.jsonl": {"PHONE": 3},
        "missing_parcel.jsonl": {},
        "order_status.jsonl": {},  # case number C S 551 80 stays
        "password_reset.jsonl": {},
        "technical_support.jsonl": {},  # ticket B L 448 219 stays
        "unresolved_complaint.jsonl": {},
    }
    found = {
        path.name: redact_turns(read_transcript(path).turns)[1] for path in sorted(SAMPLES.glob("*.jsonl"))
    }
    assert found == expected
    billing = " ".join(
        t.text for t in redact_turns(read_transcript(SAMPLES / "billing_dispute.jsonl").turns)[0]
    )
    assert "four four one eight" in billing and "[PHONE]" in billing


def test_the_stored_transcript_is_redacted_only_when_asked() -> None:
    from callrecap.settings import EnvVar, Settings

    base = {EnvVar.TABLE_NAME.value: "t"}
    assert Settings.from_env(base).stored_transcript_redaction == frozenset()
    on = {**base, EnvVar.REDACT_STORED_TRANSCRIPT.value: "true"}
    assert Settings.from_env(on).stored_transcript_redaction == frozenset(PiiEntity)
    chosen = {**on, EnvVar.PII_REDACT_BEFORE_MODEL.value: "CARD"}
    assert Settings.from_env(chosen).stored_transcript_redaction == {PiiEntity.CARD}
    off = {**on, EnvVar.PII_REDACT_BEFORE_MODEL.value: "off"}  # the model may see it all; the table not
    assert Settings.from_env(off).stored_transcript_redaction == frozenset(PiiEntity)


def _turns(*lines: str) -> list[Turn]:
    return [Turn("CUSTOMER" if line.startswith("C:") else "AGENT", line[2:].strip()) for line in lines]


@pytest.mark.parametrize(
    ("lines", "counts"),
    [
        (  # groups with the agent's acknowledgements between them
            ("C: it's four one one one", "A: okay", "C: one one one one", "A: mm-hmm",
             "C: one one one one", "A: go on", "C: one one one one"),
            {"CARD": 1},
        ),
        (  # the agent reads each group back
            ("C: four one one one", "A: four one one one", "C: one one one one", "A: one one one one",
             "C: one one one one", "A: one one one one", "C: and one one one one",
             "A: one one one one, got it"),
            {"CARD": 2},
        ),
        (  # Transcribe cut one utterance into segments
            ("C: my card number is 4111 1111", "C: 1111 1111 thanks"),
            {"CARD": 1},
        ),
        (  # a phone number in three answers
            ("A: what's the best number?", "C: two oh six", "A: yep", "C: five five five", "A: okay",
             "C: oh one four two"),
            {"PHONE": 1},
        ),
    ],
)  # fmt: skip
def test_numbers_read_out_over_several_turns(lines: tuple[str, ...], counts: dict[str, int]) -> None:
    seen, found = redact_turns(_turns(*lines))
    assert found == counts
    assert not any(word in DIGIT_WORDS or word.isdigit() for t in seen for word in t.text.lower().split())


@pytest.mark.parametrize(
    "lines",
    [
        ("C: four one one one", "A: okay", "C: one one one one", "A: okay", "C: one one one one",
         "A: okay", "C: one one one two"),  # fails Luhn
        ("C: it's four one one one", "A: and what is the expiry date on that card please",
         "C: one one one one"),  # a question between: not one number
        ("C: ending in two two zero one", "A: okay", "C: and the other ending in eight six five five"),
        ("C: order four one one one", "A: okay", "C: it was one one one one one one one one one one one one"),
    ],
)  # fmt: skip
def test_numbers_across_turns_left_alone(lines: tuple[str, ...]) -> None:
    turns = _turns(*lines)
    seen, found = redact_turns(turns)
    assert found == {} and seen == turns


def test_a_long_pause_ends_a_number() -> None:
    turns = [Turn("CUSTOMER", "four one one one one one one one", 1.0, 3.0),
             Turn("CUSTOMER", "one one one one one one one one", 40.0, 42.0)]  # fmt: skip
    assert redact_turns(turns)[1] == {}
    close = [turns[0], Turn("CUSTOMER", turns[1].text, 4.0, 6.0)]
    assert redact_turns(close)[1] == {"CARD": 1}


@pytest.mark.parametrize("var", ["CALLRECAP_REDACT_STORED_TRANSCRIPT", "CALLRECAP_FOLLOW_UP_EMAIL"])
def test_a_misspelt_switch_is_refused_not_guessed(var: str) -> None:
    from callrecap.settings import EnvVar, Settings, SettingsError

    with pytest.raises(SettingsError, match=f"{var} must be true or false, got 'ture'"):
        Settings.from_env({EnvVar.TABLE_NAME.value: "t", var: "ture"})
    assert Settings.from_env({EnvVar.TABLE_NAME.value: "t", var: "Off"}) is not None


@pytest.mark.parametrize(
    ("language", "text", "redacted"),
    [
        ("es-US", "mi tarjeta es cuatro uno uno uno, uno uno uno uno, uno uno uno uno, uno uno uno uno",
         "mi tarjeta es [CARD]"),
        ("de-DE", "Karte vier eins eins eins eins eins eins eins eins eins eins eins eins eins eins eins",
         "Karte [CARD]"),
        ("de-DE", "meine Nummer ist zwo null sechs, fünf fünf fünf, null eins vier zwo",
         "meine Nummer ist [PHONE]"),
        ("fr-FR", "c'est quatre un un un un un un un un un un un un un un un", "c'est [CARD]"),
        ("it-IT", "è quattro uno uno uno uno uno uno uno uno uno uno uno uno uno uno uno", "è [CARD]"),
        ("pt-BR", "é quatro um um um um um um um um um um um um um um um", "é [CARD]"),
    ],
)  # fmt: skip
def test_digits_spoken_in_the_calls_language(language: str, text: str, redacted: str) -> None:
    assert redact(text, language=language).text == redacted
    assert redact(text).text == text  # read as English, these are just words


def test_a_number_over_several_turns_in_the_calls_language() -> None:
    turns = [
        Turn("CUSTOMER", "es cuatro uno uno uno"),
        Turn("AGENT", "vale"),
        Turn("CUSTOMER", "uno uno uno uno"),
        Turn("AGENT", "sí, siga"),
        Turn("CUSTOMER", "uno uno uno uno"),
        Turn("AGENT", "ajá"),
        Turn("CUSTOMER", "y uno uno uno uno"),
    ]
    seen, counts = redact_turns(turns, language="es-ES")
    assert counts == {"CARD": 1} and "uno" not in " ".join(t.text for t in seen)
    assert redact_turns(turns)[1] == {}  # English rules alone see no digits here
