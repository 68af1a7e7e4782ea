"""PII the transcript should not carry to a model: found by rules, replaced by typed tags.

Independent of Transcribe's own redaction (which misses spoken card numbers in many languages and
is off for plain Transcribe by default), this runs between the stored transcript and every
provider. Each finding is replaced by its entity's tag (`[CARD]`, `[EMAIL]`...), so the model can
still write "the card on file was updated" without seeing the number, and the count per entity
type is stored on the summary.

What the rules find (docs/summarization.md, "PII before the model"):
- CARD: 13-19 digits that pass the Luhn check, written (`4111 1111 1111 1111`, dashes) or spoken
  digit by digit ("four one one one, one one one one, ..."; "oh" and "double"/"triple" count; in
  the call's language too: "cuatro uno uno uno", domain.spoken_digits). A
  run that fails Luhn is kept (an order number, a tracking id). Card *endings* ("ending in two two
  zero one") are four digits: kept, as PCI DSS lets them be shown.
- SSN: `123-45-6789` / `123 45 6789` with valid area, group and serial; nine spoken or written
  digits within a few words after "social security" or "SSN".
- EMAIL: `name@example.com`, and spoken "john dot smith at example dot com".
- PHONE: NANP numbers (10 digits, or 11 starting with 1), written or spoken, and `+` numbers of
  8-15 digits.
- IBAN: two letters, two check digits and 11-30 letters or digits, mod-97 valid.

Whole transcripts (numbers read out over several turns, a detector beside the rules): domain.pii_turns.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache

from callrecap.domain.privacy.spoken_digits import DIGITS, digit_words


class PiiEntity(StrEnum):
    CARD = "CARD"
    SSN = "SSN"
    EMAIL = "EMAIL"
    PHONE = "PHONE"
    IBAN = "IBAN"


ALL_ENTITIES: frozenset[PiiEntity] = frozenset(PiiEntity)

DIGIT_WORDS: Mapping[str, str] = DIGITS["en"]
"""English digit words; other languages' come with the call's language (domain.spoken_digits)."""
REPEATERS: Mapping[str, int] = {"double": 2, "triple": 3}

# A token of a digit run: digits, a digit word, or a repeater; separators between them are
# spaces, commas, dashes, dots, slashes, brackets and the word "dash" (_candidates).


@dataclass(frozen=True)
class Finding:
    start: int
    end: int
    entity: str
    """A PiiEntity, or another type a detector reports (Amazon Comprehend's NAME, ADDRESS...)."""
    counted: bool = True
    """False for the later pieces of a number read out over several turns (domain.pii_turns)."""


@dataclass(frozen=True)
class Redaction:
    text: str
    counts: Counter[str] = field(default_factory=Counter)


def luhn_valid(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def iban_valid(candidate: str) -> bool:
    compact = candidate.replace(" ", "").upper()
    if not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{11,30}", compact):
        return False
    moved = compact[4:] + compact[:4]
    number = "".join(str(int(c, 36)) for c in moved)
    return int(number) % 97 == 1


def ssn_valid(digits: str) -> bool:
    area, group, serial = digits[:3], digits[3:5], digits[5:]
    return area not in ("000", "666") and area[0] != "9" and group != "00" and serial != "0000"


@dataclass(frozen=True)
class DigitRun:
    start: int
    end: int
    digits: str


def digit_runs(text: str, words: Mapping[str, str] = DIGIT_WORDS) -> list[DigitRun]:
    """Stretches of the text made of digits and digit words (`words`: domain.spoken_digits, with
    separators between), as the digits they spell: "four one one one, one one" -> "411111".

    Only the tokens that can be part of a run are matched (one regex scan, in C); anything else
    between two of them ends the run, as any other word would."""
    runs: list[DigitRun] = []
    digits = ""
    start = end = -1
    pending_repeat = 1
    previous_end = 0
    for match in _candidates(tuple(words)).finditer(text):
        gap = text[previous_end : match.start()]
        if gap and not gap.isspace():
            if not _SEPARATORS_ONLY.fullmatch(gap):  # another word or sign in between
                if digits:
                    runs.append(DigitRun(start, end, digits))
                digits, pending_repeat = "", 1
            elif not digits:  # "double, five": the separator before any digit cancels "double"
                pending_repeat = 1
        previous_end = match.end()
        token = match.group(0)
        lower = token.lower()
        if token.isdigit() or lower in words:
            value = token if token.isdigit() else words[lower]
            if not digits and pending_repeat == 1:
                start = match.start()
            digits += value * pending_repeat if len(value) == 1 else value
            pending_repeat = 1
            end = match.end()
            continue
        if not digits:  # "double five": 55
            start = match.start()
        pending_repeat = REPEATERS[lower]
    if digits:
        runs.append(DigitRun(start, end, digits))
    return runs


@lru_cache(maxsize=16)
def _candidates(words: tuple[str, ...]) -> re.Pattern[str]:
    """Digits, the digit words and repeaters, each a whole token (no letter touching it)."""
    spelled = sorted({*words, *REPEATERS}, key=len, reverse=True)
    alternatives = "|".join(re.escape(word) for word in spelled)
    letter_before, letter_after = r"(?<![^\W\d_])", r"(?![^\W\d_])"  # letters of any script
    return re.compile(rf"\d+|{letter_before}(?:{alternatives}){letter_after}", re.IGNORECASE)


_SEPARATORS_ONLY = re.compile(r"(?:[\s,\-./()]|(?<![^\W\d_])dash(?![^\W\d_]))*", re.IGNORECASE)
"""What may stand between two tokens of one run."""


_EMAIL = re.compile(r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\b")
_SPOKEN_EMAIL = re.compile(
    r"\b[A-Za-z0-9]+(?:\s+(?:dot|underscore|dash)\s+[A-Za-z0-9]+)*\s+at\s+[A-Za-z0-9]+"
    r"(?:\s+dot\s+[A-Za-z0-9]+)*\s+dot\s+(?:com|net|org|edu|gov|io|co|uk|de|es|fr|it|nl|ca|au|info|biz)\b",
    re.IGNORECASE,
)
_SSN_WRITTEN = re.compile(r"\b(\d{3})[- ](\d{2})[- ](\d{4})\b")
_SSN_CONTEXT = re.compile(r"\b(social security|ssn|social)\b", re.IGNORECASE)
_PLUS_PHONE = re.compile(r"\+\d[\d\s().-]{6,20}\d")
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?:\s?[A-Z0-9]{4}){2,7}(?:\s?[A-Z0-9]{1,4})?\b")


def find_pii(
    text: str, entities: Iterable[PiiEntity] = ALL_ENTITIES, *, language: str = "en"
) -> list[Finding]:
    """Every finding of the chosen entity types, non-overlapping, in text order (`language`: the
    call's, whose spoken digits are read beside English ones)."""
    wanted = frozenset(entities)
    found: list[Finding] = []
    if PiiEntity.EMAIL in wanted:
        found += [Finding(m.start(), m.end(), PiiEntity.EMAIL) for m in _EMAIL.finditer(text)]
        found += [Finding(m.start(), m.end(), PiiEntity.EMAIL) for m in _SPOKEN_EMAIL.finditer(text)]
    if PiiEntity.IBAN in wanted:
        found += [
            Finding(m.start(), m.end(), PiiEntity.IBAN)
            for m in _IBAN.finditer(text)
            if iban_valid(m.group(0))
        ]
    if PiiEntity.SSN in wanted:
        for m in _SSN_WRITTEN.finditer(text):
            if ssn_valid("".join(m.groups())):
                found.append(Finding(m.start(), m.end(), PiiEntity.SSN))
    if PiiEntity.PHONE in wanted:
        found += [
            Finding(m.start(), m.end(), PiiEntity.PHONE)
            for m in _PLUS_PHONE.finditer(text)
            if 8 <= len(re.sub(r"\D", "", m.group(0))) <= 15
        ]
    for run in digit_runs(text, digit_words(language)):
        entity = _classify_run(text, run, wanted)
        if entity is not None:
            opening = run.start > 0 and text[run.start - 1] == "("  # "(206) 555-0142"
            found.append(Finding(run.start - 1 if opening else run.start, run.end, entity))
    return _without_overlaps(found)


def _classify_run(text: str, run: DigitRun, wanted: frozenset[PiiEntity]) -> PiiEntity | None:
    return classify_digits(run.digits, text[max(0, run.start - 40) : run.start], wanted)


def classify_digits(digits: str, before: str, wanted: frozenset[PiiEntity]) -> PiiEntity | None:
    """The entity a run of digits is, if any (`before`: the words leading up to it, for SSN)."""
    if PiiEntity.CARD in wanted and 13 <= len(digits) <= 19 and luhn_valid(digits):
        return PiiEntity.CARD
    if PiiEntity.SSN in wanted and len(digits) == 9 and ssn_valid(digits) and _SSN_CONTEXT.search(before):
        return PiiEntity.SSN
    if PiiEntity.PHONE in wanted and (len(digits) == 10 or (len(digits) == 11 and digits[0] == "1")):
        local = digits[-10:]
        if local[0] in "23456789" and local[3] in "23456789":  # NANP area and exchange codes
            return PiiEntity.PHONE
    return None


def _without_overlaps(findings: Sequence[Finding]) -> list[Finding]:
    """The earliest (then longest) finding wins where two overlap."""
    kept: list[Finding] = []
    for finding in sorted(findings, key=lambda f: (f.start, -(f.end - f.start))):
        if kept and finding.start < kept[-1].end:
            continue
        kept.append(finding)
    return kept


def redact(
    text: str,
    entities: Iterable[PiiEntity] = ALL_ENTITIES,
    *,
    extra: Sequence[Finding] = (),
    language: str = "en",
) -> Redaction:
    """`text` with each finding (the rules', plus `extra` from a detector) replaced by its tag,
    and the count per entity type."""
    return apply_findings(text, [*find_pii(text, entities, language=language), *extra])


def apply_findings(text: str, findings: Sequence[Finding]) -> Redaction:
    """`text` with the findings (the earliest, then the longest, where they overlap) replaced by
    their tags, and the count per entity type."""
    if not findings:
        return Redaction(text)
    parts: list[str] = []
    position = 0
    kept = _without_overlaps(findings)
    for finding in kept:
        parts.append(text[position : finding.start])
        parts.append(f"[{finding.entity}]")
        position = finding.end
    parts.append(text[position:])
    return Redaction("".join(parts), Counter(f.entity for f in kept if f.counted))


def parse_entities(raw: str) -> tuple[frozenset[PiiEntity], list[str]]:
    """`CARD,EMAIL` / `all` / `off` (CALLRECAP_PII_REDACT_BEFORE_MODEL, context piiRedactBeforeModel)."""
    value = raw.strip().lower()
    if value in ("", "all", "on", "true"):
        return ALL_ENTITIES, []
    if value in ("off", "none", "false"):
        return frozenset(), []
    chosen: set[PiiEntity] = set()
    problems: list[str] = []
    for part in (p.strip().upper() for p in raw.split(",") if p.strip()):
        try:
            chosen.add(PiiEntity(part))
        except ValueError:
            allowed = ", ".join(e.value for e in PiiEntity)
            problems.append(f"unknown PII entity {part!r} (one of {allowed}, or all / off)")
    return frozenset(chosen), problems
