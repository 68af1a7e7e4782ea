"""Provider `extractive`: wraps domain.extractive (offline, deterministic, no network, no tokens)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from callrecap.domain.models import SectionSpec, Turn

SectionFunction = Callable[[list[Turn], list[SectionSpec]], dict[str, Any]]

EXTRACTIVE_MODEL = "extractive-v1"


def _default_function() -> SectionFunction:
    # Imported on first use: the extractive module is only needed when it is the provider.
    from callrecap.domain.extractive import summarize_extractive

    return summarize_extractive


class ExtractiveSummarizer:
    """`SectionSummarizer` over a `(turns, sections) -> {name: value}` function."""

    name = "extractive"
    model = EXTRACTIVE_MODEL

    def __init__(self, function: SectionFunction | None = None) -> None:
        self._function = function

    def summarize_sections(self, turns: Sequence[Turn], sections: Sequence[SectionSpec]) -> dict[str, Any]:
        if self._function is None:
            self._function = _default_function()
        return self._function(list(turns), list(sections))
