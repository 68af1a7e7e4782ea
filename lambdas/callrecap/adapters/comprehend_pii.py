"""Amazon Comprehend `DetectPiiEntities` as a PII detector beside the rules (domain.pii), for
the entity types and languages the rules do not cover (names, addresses, Spanish digits...).

Opt-in (`piiDetector: comprehend`): it adds a request per summary (one for the whole transcript,
up to Comprehend's 100 KB; a longer one is sent in pieces) and Comprehend's price per 100
characters. Its types map onto the rules' tags where they are the same thing (a credit card is
`[CARD]`) and keep their own name otherwise (`[NAME]`, `[ADDRESS]`).
"""

from __future__ import annotations

from typing import Any

from callrecap.adapters.aws_clients import LazyClient
from callrecap.domain.privacy.pii import Finding, PiiEntity

COMPREHEND_TYPES = {
    "CREDIT_DEBIT_NUMBER": PiiEntity.CARD.value,
    "SSN": PiiEntity.SSN.value,
    "EMAIL": PiiEntity.EMAIL.value,
    "PHONE": PiiEntity.PHONE.value,
    "INTERNATIONAL_BANK_ACCOUNT_NUMBER": PiiEntity.IBAN.value,
}
LANGUAGES = frozenset({"en", "es"})
"""What DetectPiiEntities accepts; other calls are checked as English (the rules still run)."""
MAX_BYTES = 100_000
MIN_SCORE = 0.8


class ComprehendPiiDetector:
    def __init__(self, *, client: Any = None, min_score: float = MIN_SCORE) -> None:
        self._client = client
        self.min_score = min_score

    client = LazyClient("comprehend")

    def find(self, text: str, language: str) -> list[Finding]:
        code = language.split("-", 1)[0].lower()
        code = code if code in LANGUAGES else "en"
        findings: list[Finding] = []
        for offset, piece in _pieces(text):
            reply = self.client.detect_pii_entities(Text=piece, LanguageCode=code)
            for entity in reply.get("Entities", []):
                if float(entity.get("Score", 0)) < self.min_score:
                    continue
                kind = str(entity.get("Type", "PII"))
                findings.append(
                    Finding(
                        offset + int(entity["BeginOffset"]),
                        offset + int(entity["EndOffset"]),
                        COMPREHEND_TYPES.get(kind, kind),
                    )
                )
        return findings


def _pieces(text: str) -> list[tuple[int, str]]:
    """The text in pieces under Comprehend's size limit, cut at line ends (turns), with offsets."""
    if len(text.encode()) <= MAX_BYTES:
        return [(0, text)]
    pieces: list[tuple[int, str]] = []
    start = 0
    while start < len(text):
        end = min(len(text), start + MAX_BYTES // 4)  # UTF-8: at most 4 bytes a character
        cut = text.rfind("\n", start, end)
        end = cut + 1 if cut > start and end < len(text) else end
        pieces.append((start, text[start:end]))
        start = end
    return pieces
