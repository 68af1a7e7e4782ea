"""Offline extractive summarizer: every section filled from the transcript's own words.

It is the provider used when no LLM is configured (and the floor an LLM has to beat in
`callrecap eval`): no network, no model, no randomness, stdlib only, linear in the transcript
length. Everything it writes is copied or picked from what was said, never invented, so its
output is labelled provider "extractive", model `MODEL_ID`.

The summary is the most central sentences of the main speakers, in spoken order, each labelled
with its speaker ("Customer: ... Agent: ..."): human call notes are phrased as who said what,
and the label keeps an extract readable. Tuning knobs live in `ExtractiveTuning`; the defaults
were chosen on the even rows of the evaluation sets and reported on the odd rows
(docs/evaluation.md).
"""

from __future__ import annotations

from typing import Any

from callrecap.domain.models import SectionSpec, SectionType, Turn
from callrecap.domain.summaries.extractive.action_items import find_action_items
from callrecap.domain.summaries.extractive.disposition import find_disposition
from callrecap.domain.summaries.extractive.email import follow_up_email
from callrecap.domain.summaries.extractive.resolution import find_resolution
from callrecap.domain.summaries.extractive.sentiment import find_sentiment
from callrecap.domain.summaries.extractive.summary import (
    DEFAULT_TUNING,
    ExtractiveTuning,
    central_sentence,
    pick_summary,
)
from callrecap.domain.summaries.extractive.text import centrality, clean_text, split_sentences
from callrecap.domain.summaries.extractive.topic import find_topic

__all__ = ["MODEL_ID", "PROVIDER_NAME", "ExtractiveTuning", "clean_text", "summarize_extractive"]

MODEL_ID = "extractive-v1"
"""Model id recorded on summaries this module writes (bump when its output changes)."""

PROVIDER_NAME = "extractive"


def pick_allowed(value: str, spec: SectionSpec) -> str:
    """`value` if the section allows it, else a non-committal allowed value, else the first."""
    if not spec.allowed or value in spec.allowed:
        return value
    lowered = {allowed.lower(): allowed for allowed in spec.allowed}
    if value.lower() in lowered:
        return lowered[value.lower()]
    for fallback in ("unclear", "neutral", "unknown", "none", "n/a", "other"):
        if fallback in lowered:
            return lowered[fallback]
    return spec.allowed[0]


def summarize_extractive(
    turns: list[Turn], sections: list[SectionSpec], tuning: ExtractiveTuning = DEFAULT_TUNING
) -> dict[str, Any]:
    """Fill every section in `sections` from the transcript, by name where known, else by type.

    Deterministic: the same turns and sections always give the same output.
    """
    sentences = split_sentences(turns)
    central = centrality(sentences)
    outcome = find_resolution(sentences)
    summary = pick_summary(sentences, central, tuning)
    result: dict[str, Any] = {}
    emails: list[SectionSpec] = []
    for spec in sections:
        name = spec.name.lower()
        value: Any
        if spec.type is SectionType.TEXT and "email" in name:
            emails.append(spec)  # written last, from the other sections
            continue
        if spec.type is SectionType.ENUM and "disposition" in name:
            value = find_disposition(sentences, spec)
        elif spec.type is SectionType.LIST:
            value = find_action_items(sentences) if "action" in name or "next" in name else []
        elif spec.type is SectionType.ENUM:
            if "resolv" in name:
                value = pick_allowed(outcome, spec)
            elif "sentiment" in name:
                value = pick_allowed(find_sentiment(sentences, outcome), spec)
            else:
                value = pick_allowed("unclear", spec)
        elif name == "summary":
            value = summary
        elif "topic" in name or "keyword" in name or "subject" in name:
            value = find_topic(sentences)
        else:
            value = central_sentence(sentences, central) if sentences else ""
        result[spec.name] = value
    if emails:
        topic = next((v for k, v in result.items() if "topic" in k and isinstance(v, str)), "")
        topic = topic or find_topic(sentences)
        items = next((v for k, v in result.items() if "action" in k and isinstance(v, list)), None)
        email = follow_up_email(topic, outcome, items if items is not None else find_action_items(sentences))
        for spec in emails:
            result[spec.name] = email
    return {spec.name: result[spec.name] for spec in sections}
