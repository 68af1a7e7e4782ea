"""Provider `extractive`: wraps domain.extractive (offline, deterministic, no network, no tokens)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from callrecap.domain.models import SectionSpec, Turn
from callrecap.domain.summaries.extractive import MODEL_ID, PROVIDER_NAME, summarize_extractive

SectionFunction = Callable[[list[Turn], list[SectionSpec]], dict[str, Any]]


class ExtractiveSummarizer:
    """`SectionSummarizer` over a `(turns, sections) -> {name: value}` function.

    The name and model come from domain.extractive, so the label on a summary always matches
    the code that wrote it.
    """

    name = PROVIDER_NAME
    model = MODEL_ID

    def __init__(self, function: SectionFunction | None = None) -> None:
        self._function: SectionFunction = function or summarize_extractive

    def summarize_sections(self, turns: Sequence[Turn], sections: Sequence[SectionSpec]) -> dict[str, Any]:
        return self._function(list(turns), list(sections))
