"""The language a summary is written in: the deployment's `summaryLanguage`, else the call's own
language (Transcribe, Contact Lens or the producer report it as a code such as `es-US`), else
English; named in words for the prompt, since models follow "Spanish" better than "es"."""

from __future__ import annotations

from collections.abc import Mapping

DEFAULT_LANGUAGE = "en"

LANGUAGE_NAMES: Mapping[str, str] = {
    "ar": "Arabic", "ca": "Catalan", "cs": "Czech", "da": "Danish", "de": "German", "el": "Greek",
    "en": "English", "es": "Spanish", "fi": "Finnish", "fr": "French", "he": "Hebrew", "hi": "Hindi",
    "hu": "Hungarian", "id": "Indonesian", "it": "Italian", "ja": "Japanese", "ko": "Korean",
    "ms": "Malay", "nl": "Dutch", "no": "Norwegian", "pl": "Polish", "pt": "Portuguese",
    "ro": "Romanian", "ru": "Russian", "sv": "Swedish", "th": "Thai", "tl": "Tagalog", "tr": "Turkish",
    "uk": "Ukrainian", "vi": "Vietnamese", "zh": "Chinese",
}  # fmt: skip


def base_code(code: str) -> str:
    """`es-US` / `es_us` / `ES` -> `es`."""
    return code.strip().replace("_", "-").split("-", 1)[0].lower()


def summary_language(configured: str, call_language: str) -> str:
    """The code the summary is written in: configured, else the call's, else English."""
    return base_code(configured) or base_code(call_language) or DEFAULT_LANGUAGE


def language_name(code: str) -> str:
    """The language's English name for the prompt (the code itself when unknown)."""
    base = base_code(code) or DEFAULT_LANGUAGE
    return LANGUAGE_NAMES.get(base, f"the language with code {code.strip()}")


def is_language_code(code: str) -> bool:
    """A two- or three-letter code, optionally with a region (`de`, `pt-BR`)."""
    parts = code.strip().replace("_", "-").split("-")
    return 2 <= len(parts[0]) <= 3 and parts[0].isalpha() and all(p.isalnum() for p in parts[1:])
