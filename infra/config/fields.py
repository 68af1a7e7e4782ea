"""How a context key is declared: once, on its DeployConfig field, with the parser of its kind.

`setting("llmMaxConcurrency", 25, number(2, 1000))` is the whole declaration of a key: its name in
cdk.json, its default and how a raw context value (a JSON value in cdk.json, a string from `-c`)
becomes the field's value. A parser appends a readable problem instead of raising, so one synth
reports every bad key at once.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import Field, field
from enum import StrEnum
from typing import Any, Final

Parser = Callable[[str, Any, list[str]], Any]
"""(context key, raw value, problems) -> the field's value, or None to keep the default."""

CONTEXT_KEY: Final = "contextKey"
PARSER: Final = "parser"


def text(_key: str, raw: Any, _problems: list[str]) -> str:
    return str(raw).strip()


def flag(key: str, raw: Any, problems: list[str]) -> bool:
    if isinstance(raw, bool):
        return raw
    value = str(raw).strip().lower()
    if value in {"true", "1", "yes"}:
        return True
    if value in {"false", "0", "no", ""}:
        return False
    problems.append(f"{key} must be true or false, got {raw!r}")
    return False


def number(low: int, high: int) -> Parser:
    def parse(key: str, raw: Any, problems: list[str]) -> int:
        try:
            value = int(str(raw).strip())
        except ValueError:
            problems.append(f"{key} must be an integer, got {raw!r}")
            return low
        if not low <= value <= high:
            problems.append(f"{key} must be between {low} and {high}, got {value}")
        return value

    return parse


def choice(enum: type[StrEnum], *, auto: bool = False) -> Parser:
    """One of the enum's values (any case); with `auto`, also "auto", read as None (decided from the
    rest of the configuration)."""

    def parse(key: str, raw: Any, problems: list[str]) -> Any:
        wanted = str(raw).strip().lower()
        if auto and wanted == "auto":
            return None
        for member in enum:
            if member.value.lower() == wanted:
                return member
        allowed = ", ".join([*(["auto"] if auto else []), *(e.value for e in enum)])
        problems.append(f"{key} must be one of {allowed}, got {raw!r}")
        return None

    return parse


def id_list(_key: str, raw: Any, _problems: list[str]) -> str:
    """Resource ids given as a JSON list or a comma-separated string, kept comma-separated."""
    items = raw if isinstance(raw, list) else str(raw).split(",")
    return ",".join(str(item).strip() for item in items if str(item).strip())


def json_list(_key: str, raw: Any, _problems: list[str]) -> str:
    """A list given as JSON or comma-separated text, kept as JSON list text ("" when empty)."""
    from callrecap.settings import parse_list

    items = raw if isinstance(raw, list) else list(parse_list(str(raw)))
    return json.dumps([str(item).strip() for item in items]) if items else ""


def price_table_json(key: str, raw: Any, problems: list[str]) -> str:
    """An object or a JSON string in context; checked with the summarizer's own parser."""
    from callrecap.domain.summaries.cost import PriceTable, PriceTableError

    value = raw if isinstance(raw, str) else json.dumps(raw)
    try:
        PriceTable.from_json(value)
    except (PriceTableError, ValueError) as error:
        problems.append(f"{key}: {error}")
    return value.strip()


def setting(context_key: str, default: Any, parser: Parser = text) -> Any:
    """A DeployConfig field read from the context key `context_key`."""
    return field(default=default, metadata={CONTEXT_KEY: context_key, PARSER: parser})


def context_key(of: Field[Any]) -> str:
    return str(of.metadata[CONTEXT_KEY])


def parser(of: Field[Any]) -> Parser:
    found: Parser = of.metadata[PARSER]
    return found
