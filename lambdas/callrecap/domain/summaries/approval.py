"""An agent's correction of a final summary: the edit checked against the section list, and what
it changed (the only measure of summary quality a deployment has on its own calls).

The edit is the whole set of sections as the agent wants them stored: every required section,
each of its declared type and within its bounds (the same ones the reply schema gives the model),
an enum value from its list. Text is kept as text: the page renders it escaped.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from callrecap.domain.models import SectionSpec, SectionType
from callrecap.domain.summaries.similarity import normalized_edit_distance, rouge_l, words

DISPOSITION = "disposition"
ACTION_ITEMS = "action_items"


class InvalidEdit(ValueError):
    """An edit that cannot be stored; `field` names the section (or "sections")."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


def section_spec_view(spec: SectionSpec) -> dict[str, Any]:
    """A section as the page's edit form needs it (bounds 0 where they do not apply)."""
    return {
        "name": spec.name,
        "type": spec.type.value,
        "allowed": list(spec.allowed),
        "required": spec.required,
        "maxChars": spec.char_bound if spec.type is not SectionType.ENUM else 0,
        "maxItems": spec.item_bound if spec.type is SectionType.LIST else 0,
    }


def checked_sections(edited: Any, sections: Sequence[SectionSpec]) -> dict[str, Any]:
    """The edit as it will be stored, or InvalidEdit for its first problem."""
    if not isinstance(edited, Mapping):
        raise InvalidEdit("sections", "must be an object of section name to value")
    known = {spec.name: spec for spec in sections}
    for name in edited:
        if name not in known:
            raise InvalidEdit(str(name), f"unknown section (expected one of {', '.join(known)})")
    checked: dict[str, Any] = {}
    for spec in sections:
        if spec.name not in edited or edited[spec.name] in (None, ""):
            if spec.required and spec.type is not SectionType.LIST:
                raise InvalidEdit(spec.name, "is required")
            if spec.type is SectionType.LIST:
                checked[spec.name] = []
            continue
        checked[spec.name] = _checked_value(spec, edited[spec.name])
    return checked


def _checked_value(spec: SectionSpec, value: Any) -> Any:
    if spec.type is SectionType.LIST:
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise InvalidEdit(spec.name, "must be a list of strings")
        items = [item.strip() for item in value if item.strip()]
        if len(items) > spec.item_bound:
            raise InvalidEdit(spec.name, f"has {len(items)} items; at most {spec.item_bound}")
        for item in items:
            if len(item) > spec.char_bound:
                raise InvalidEdit(spec.name, f"an item is over {spec.char_bound} characters")
        return items
    if not isinstance(value, str):
        raise InvalidEdit(spec.name, "must be a string")
    text = value.strip()
    if spec.type is SectionType.ENUM:
        chosen = next((option for option in spec.allowed if option.lower() == text.lower()), None)
        if chosen is None:
            raise InvalidEdit(spec.name, f"must be one of {', '.join(spec.allowed)}; got {text[:60]!r}")
        return chosen
    if len(text) > spec.char_bound:
        raise InvalidEdit(spec.name, f"is {len(text)} characters; at most {spec.char_bound}")
    return text


def corrections(
    draft: Mapping[str, Any], approved: Mapping[str, Any], sections: Sequence[SectionSpec]
) -> dict[str, Any]:
    """What the agent changed, per section: whether, and how much (the word-level edit distance
    over the longer text, and ROUGE-L between draft and approved), the disposition's from -> to,
    the action items added and removed."""
    per_section: dict[str, dict[str, Any]] = {}
    for spec in sections:
        before, after = _as_text(draft.get(spec.name)), _as_text(approved.get(spec.name))
        old, new = words(before), words(after)
        per_section[spec.name] = {
            "changed": old != new,
            "editDistance": normalized_edit_distance(old, new),
            "rougeL": round(rouge_l(old, new), 4),
        }
    changed = [name for name, figures in per_section.items() if figures["changed"]]
    result: dict[str, Any] = {"unchanged": not changed, "changedSections": changed, "sections": per_section}
    if DISPOSITION in per_section and per_section[DISPOSITION]["changed"]:
        result["disposition"] = {
            "from": str(draft.get(DISPOSITION, "")),
            "to": str(approved.get(DISPOSITION, "")),
        }
    if ACTION_ITEMS in per_section:
        before_items = {_item_key(item) for item in _items(draft.get(ACTION_ITEMS))}
        after_items = {_item_key(item) for item in _items(approved.get(ACTION_ITEMS))}
        result["actionItems"] = {
            "added": len(after_items - before_items),
            "removed": len(before_items - after_items),
        }
    return result


def _as_text(value: Any) -> str:
    if isinstance(value, list):
        return "\n".join(str(item) for item in value)
    return "" if value is None else str(value)


def _items(value: Any) -> list[str]:
    return [str(item) for item in value] if isinstance(value, list) else []


def _item_key(item: str) -> str:
    return " ".join(words(item))
