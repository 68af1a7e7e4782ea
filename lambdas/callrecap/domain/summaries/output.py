"""Turn a model's reply into validated sections, leniently, or say precisely what is wrong.

Models wrap JSON in code fences, add a sentence before or after it, leave trailing commas, write
raw newlines inside strings and vary the case of enum values; none of that should fail a summary.
What cannot be fixed here (no JSON object, a missing section, a value outside an enum) comes back
as an `OutputError`
whose message is written to be sent back to the model in the one repair attempt.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from callrecap.domain.models import SectionSpec, SectionType

_CODE_FENCE = re.compile(r"```[a-zA-Z0-9_-]*\s*\n?(.*?)```", re.DOTALL)
_BULLET = re.compile(r"^\s*(?:[-*\u2022]|\d+[.)])\s+")
_ENUM_JUNK = re.compile(r"[^a-z0-9]+")
_KEY_JUNK = re.compile(r"[^a-z0-9]+")
_NONE_WORDS = frozenset({"none", "n/a", "na", "nothing", "no action items", "-"})


@dataclass(frozen=True)
class OutputError:
    """Why a reply is unusable; `message` is phrased for the model (repair) and for operators."""

    message: str
    problems: tuple[str, ...] = ()


def parse_reply(
    text: str, sections: Sequence[SectionSpec], *, last_attempt: bool = False
) -> dict[str, Any] | OutputError:
    """Extract the JSON object of a reply and validate it against the section list
    (`last_attempt`: after the repair, an enum with a catch-all takes it; see validate_sections)."""
    found = extract_json_object(text)
    if isinstance(found, OutputError):
        return found
    return validate_sections(found, sections, last_attempt=last_attempt)


def extract_json_object(text: str) -> dict[str, Any] | OutputError:
    """The first JSON object in `text`: inside a code fence or not, trailing commas tolerated."""
    if not text or not text.strip():
        return OutputError("the reply was empty; expected one JSON object")
    candidates = [match.group(1) for match in _CODE_FENCE.finditer(text)] + [text]
    for candidate in candidates:
        for span in _object_spans(candidate):
            parsed = _loads_lenient(span)
            if isinstance(parsed, dict):
                return parsed
    return OutputError("the reply did not contain a valid JSON object")


def validate_sections(
    data: Mapping[str, Any], sections: Sequence[SectionSpec], *, last_attempt: bool = False
) -> dict[str, Any] | OutputError:
    """Values per section, normalized (key case, enum case, list shape) and held within the
    section's bounds (reply_schema); every problem listed.

    `last_attempt`: an enum value outside the list of a section with a catch-all (`unlisted`,
    e.g. a disposition not in the deployment's list) is stored as the catch-all, with the model's
    answer kept as `<name>_answer`, instead of failing the summary; a section that is not
    `required` and still has no usable value is left out."""
    by_key = {_normalize_key(str(key)): value for key, value in data.items()}
    result: dict[str, Any] = {}
    problems: list[str] = []
    for spec in sections:
        before = len(problems)
        _validate_section(spec, by_key, result, problems, last_attempt=last_attempt)
        if last_attempt and not spec.required and len(problems) > before:
            del problems[before:]  # an optional section the model could not write is left out
    text_sections = [spec.name for spec in sections if spec.type is SectionType.TEXT]
    if not problems and text_sections and not any(result.get(name) for name in text_sections):
        # Enums always hold a value, so "all text empty" is what an empty summary looks like.
        problems.append("every text section is empty: " + ", ".join(f'"{name}"' for name in text_sections))
    if problems:
        return OutputError("the JSON object is not valid: " + "; ".join(problems), tuple(problems))
    return result


def _validate_section(
    spec: SectionSpec,
    by_key: Mapping[str, Any],
    result: dict[str, Any],
    problems: list[str],
    *,
    last_attempt: bool,
) -> None:
    """One section's value into `result`, or its problem into `problems`."""
    key = _normalize_key(spec.name)
    if key not in by_key:
        problems.append(f'missing key "{spec.name}"')
        return
    value = by_key[key]
    if spec.type is SectionType.TEXT:
        text = _as_text(value)
        if text is None:
            problems.append(f'"{spec.name}" must be a string')
        else:
            result[spec.name] = clip(text, spec.char_bound)
    elif spec.type is SectionType.LIST:
        items = _as_list(value)
        if items is None:
            problems.append(f'"{spec.name}" must be an array of strings')
        else:
            result[spec.name] = [clip(item, spec.char_bound) for item in items[: spec.item_bound]]
    else:
        chosen = _as_enum(value, spec.allowed)
        if chosen is None and last_attempt and spec.unlisted:
            result[spec.name] = spec.unlisted
            result[f"{spec.name}_answer"] = (_as_text(value) or json.dumps(value))[:200]
        elif chosen is None:
            allowed = ", ".join(f'"{option}"' for option in spec.allowed)
            problems.append(f'"{spec.name}" must be one of {allowed}, got {json.dumps(value)[:80]}')
        else:
            result[spec.name] = chosen


# --------------------------------------------------------------------------- helpers


def clip(text: str, limit: int) -> str:
    """`text` within `limit` characters, cut at a word boundary and marked with an ellipsis: the
    reply schema's bounds hold for replies no decoder constrained too (plain-text mode)."""
    if len(text) <= limit:
        return text
    cut = text[: max(1, limit - 1)]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:") + "\u2026"


def _object_spans(text: str) -> list[str]:
    """Balanced `{...}` substrings, outermost first, scanning strings so braces in them don't count."""
    spans: list[str] = []
    start = text.find("{")
    while start != -1:
        end = _matching_brace(text, start)
        if end is None:
            spans.append(text[start:])  # truncated reply: let the lenient loader try
            break
        spans.append(text[start : end + 1])
        start = text.find("{", end + 1)
    return spans


def _matching_brace(text: str, start: int) -> int | None:
    depth = 0
    in_string = False
    escaped = False
    for index in range(start, len(text)):
        char = text[index]
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return index
    return None


def _loads_lenient(span: str) -> Any:
    """`strict=False` takes raw control characters inside strings: a grammar-constrained decoder
    (llama.cpp's JSON grammar allows any character but `"` and `\\` in a string) writes newlines
    there unescaped (measured with llama-cpp-python's server)."""
    for text in (span, _strip_trailing_commas(span)):
        try:
            return json.loads(text, strict=False)
        except json.JSONDecodeError:
            continue
    return None


def _strip_trailing_commas(text: str) -> str:
    """Drop commas directly before `}` or `]` outside strings."""
    out: list[str] = []
    in_string = False
    escaped = False
    for index, char in enumerate(text):
        if in_string:
            out.append(char)
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
            continue
        if char == '"':
            in_string = True
        elif char == ",":
            rest = text[index + 1 :].lstrip()
            if rest[:1] in ("}", "]"):
                continue
        out.append(char)
    return "".join(out)


def _normalize_key(key: str) -> str:
    return _KEY_JUNK.sub("", key.lower())


def _as_text(value: Any) -> str | None:
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return " ".join(item.strip() for item in value if item.strip())
    return None


def _as_list(value: Any) -> list[str] | None:
    if value is None:
        return []
    if isinstance(value, str):
        lines = [_BULLET.sub("", line).strip() for line in value.splitlines()]
        items = [line for line in lines if line]
        if len(items) == 1 and items[0].lower().rstrip(".") in _NONE_WORDS:
            return []
        return items
    if isinstance(value, list):
        items = []
        for item in value:
            if isinstance(item, str):
                if item.strip():
                    items.append(item.strip())
            elif isinstance(item, int | float) and not isinstance(item, bool):
                items.append(str(item))
            elif isinstance(item, dict) and item:
                items.append("; ".join(f"{k}: {v}" for k, v in item.items()))
            else:
                return None
        return items
    return None


def _as_enum(value: Any, allowed: Sequence[str]) -> str | None:
    if isinstance(value, bool):
        value = "yes" if value else "no"
    if not isinstance(value, str):
        return None
    wanted = _ENUM_JUNK.sub("", value.lower())
    for option in allowed:
        if _ENUM_JUNK.sub("", option.lower()) == wanted:
            return option
    return None
