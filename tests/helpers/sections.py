"""Model replies for tests: the sections a test cares about, completed with a valid value for
every other section of the bundled prompts/sections.toml, so a new section there does not make
every scripted reply invalid."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from callrecap.adapters.prompt_files import load_prompt_set
from callrecap.domain.models import SectionType


def complete(sections: Mapping[str, Any]) -> dict[str, Any]:
    """`sections` plus a plausible valid value for each section it leaves out."""
    filled: dict[str, Any] = {}
    for spec in load_prompt_set().sections:
        if spec.type is SectionType.LIST:
            filled[spec.name] = []
        elif spec.type is SectionType.ENUM:
            filled[spec.name] = spec.unlisted or spec.allowed[0]
        else:
            filled[spec.name] = f"(the {spec.name.replace('_', ' ')})"
    filled.update(sections)
    return filled
