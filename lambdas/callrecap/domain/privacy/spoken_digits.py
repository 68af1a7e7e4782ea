"""Digits as callers say them, per language, for the PII rules (domain.pii, domain.pii_turns).

Transcribe writes a number read out digit by digit as words in the call's language ("cuatro uno
uno uno", "vier eins eins eins"), and its own PII redaction covers few languages, so the rules
must read those words. English is always understood beside the call's language (callers switch
to it for numbers, and a call without a reported language is read as English). Only the words
for single digits: card, phone and account numbers are read digit by digit or in groups of
written digits; "forty-one" is left alone in every language.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache

from callrecap.domain.summaries.languages import base_code

DIGITS: Mapping[str, Mapping[str, str]] = {
    "en": {
        "zero": "0", "oh": "0", "o": "0", "one": "1", "two": "2", "three": "3", "four": "4",
        "five": "5", "six": "6", "seven": "7", "eight": "8", "nine": "9",
    },
    "es": {
        "cero": "0", "uno": "1", "una": "1", "dos": "2", "tres": "3", "cuatro": "4", "cinco": "5",
        "seis": "6", "siete": "7", "ocho": "8", "nueve": "9",
    },
    "de": {
        "null": "0", "eins": "1", "zwei": "2", "zwo": "2", "drei": "3", "vier": "4", "fünf": "5",
        "sechs": "6", "sieben": "7", "acht": "8", "neun": "9",
    },
    "fr": {
        "zéro": "0", "zero": "0", "un": "1", "deux": "2", "trois": "3", "quatre": "4", "cinq": "5",
        "six": "6", "sept": "7", "huit": "8", "neuf": "9",
    },
    "it": {
        "zero": "0", "uno": "1", "due": "2", "tre": "3", "quattro": "4", "cinque": "5", "sei": "6",
        "sette": "7", "otto": "8", "nove": "9",
    },
    "pt": {
        "zero": "0", "um": "1", "uma": "1", "dois": "2", "duas": "2", "três": "3", "tres": "3",
        "quatro": "4", "cinco": "5", "seis": "6", "meia": "6", "sete": "7", "oito": "8", "nove": "9",
    },
    "nl": {
        "nul": "0", "één": "1", "een": "1", "twee": "2", "drie": "3", "vier": "4", "vijf": "5",
        "zes": "6", "zeven": "7", "acht": "8", "negen": "9",
    },
}  # fmt: skip
"""Per base language code; "meia" is the Brazilian "six" (half a dozen) in phone numbers."""

FILLERS: Mapping[str, frozenset[str]] = {
    "en": frozenset(
        {
            "and", "then", "um", "uh", "er", "erm", "ah", "okay", "ok", "yes", "yeah", "yep", "yup",
            "right", "so", "mm", "hmm", "mhm", "mm-hmm", "uh-huh", "got", "it", "it's", "its", "is",
            "are", "that's", "go", "on", "ahead", "sure", "correct", "next", "sorry", "again",
            "continue", "the", "rest", "last", "number", "digits",
        }
    ),
    "es": frozenset(
        {"y", "luego", "después", "vale", "sí", "si", "ajá", "claro", "bueno", "okey", "es", "son",
         "el", "número", "sigue", "siga", "perfecto", "correcto", "eh", "este"}
    ),
    "de": frozenset(
        {"und", "dann", "ja", "genau", "gut", "okay", "mhm", "weiter", "bitte", "die", "nummer",
         "ist", "lautet", "richtig", "äh", "ähm"}
    ),
    "fr": frozenset(
        {"et", "puis", "ensuite", "oui", "d'accord", "ok", "bien", "voilà", "c'est", "le", "numéro",
         "allez-y", "euh", "parfait", "exact"}
    ),
    "it": frozenset(
        {"e", "poi", "sì", "si", "va", "bene", "ok", "certo", "prego", "il", "numero", "è",
         "perfetto", "esatto", "ehm"}
    ),
    "pt": frozenset(
        {"e", "depois", "sim", "certo", "tá", "ok", "pode", "continuar", "o", "número", "é",
         "isso", "perfeito", "ahn"}
    ),
    "nl": frozenset(
        {"en", "dan", "ja", "oké", "ok", "goed", "prima", "het", "nummer", "is", "verder", "eh"}
    ),
}  # fmt: skip
"""Words that may stand between two pieces of one number (acknowledgements, fillers, lead-ins)."""


@lru_cache(maxsize=64)
def digit_words(language: str = "en") -> Mapping[str, str]:
    """English digit words, plus the call language's (its words win where both have one); cached,
    since ingest asks once a segment."""
    base = base_code(language)
    if base in ("", "en") or base not in DIGITS:
        return DIGITS["en"]
    return {**DIGITS["en"], **DIGITS[base]}


@lru_cache(maxsize=64)
def filler_words(language: str = "en") -> frozenset[str]:
    base = base_code(language)
    return FILLERS["en"] | FILLERS.get(base, frozenset())
