"""Typed readers for untrusted inbound JSON, and the errors they raise.

Every inbound parser reads fields through these helpers so that a missing or mistyped field
always produces the same kind of error with a precise path (e.g. `UtteranceEvent.IsPartial`),
instead of a bare KeyError/TypeError deep inside a handler.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

from callrecap.domain.summaries.languages import is_language_code


class MalformedRecord(ValueError):
    """An inbound record that cannot be turned into observations.

    Raised for bad base64, non-JSON, a non-object, an unknown type, a missing or mistyped field.
    Callers quarantine the record under `record_id` (e.g. the Kinesis sequence number).
    """

    def __init__(self, record_id: str, reason: str) -> None:
        super().__init__(f"malformed record {record_id}: {reason}")
        self.record_id = record_id
        self.reason = reason


class InvalidField(ValueError):
    """A reason without a record id; the facade turns it into MalformedRecord."""


JsonObject = Mapping[str, Any]


def _path(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


def as_object(value: Any, where: str) -> JsonObject:
    if not isinstance(value, Mapping):
        raise InvalidField(f"{where or 'record'} must be a JSON object, got {type(value).__name__}")
    return value


def require_object(obj: JsonObject, key: str, where: str = "") -> JsonObject:
    if obj.get(key) is None:
        raise InvalidField(f"missing field {_path(where, key)}")
    return as_object(obj[key], _path(where, key))


def optional_object(obj: JsonObject, key: str, where: str = "") -> JsonObject | None:
    if obj.get(key) is None:
        return None
    return as_object(obj[key], _path(where, key))


def object_or_json_string(obj: JsonObject, key: str, where: str = "") -> JsonObject:
    """A field that producers write either as an object or as a JSON-encoded string of one.

    Chime SDK call analytics does both for `metadata` depending on the record type.
    """
    value = obj.get(key)
    if value is None:
        raise InvalidField(f"missing field {_path(where, key)}")
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError as exc:
            raise InvalidField(f"{_path(where, key)} is a string but not JSON: {exc}") from exc
    return as_object(value, _path(where, key))


def require_str(obj: JsonObject, key: str, where: str = "") -> str:
    value = obj.get(key)
    if value is None:
        raise InvalidField(f"missing field {_path(where, key)}")
    if not isinstance(value, str):
        raise InvalidField(f"{_path(where, key)} must be a string, got {type(value).__name__}")
    if not value:
        raise InvalidField(f"{_path(where, key)} must not be empty")
    return value


def optional_str(obj: JsonObject, key: str, where: str = "") -> str | None:
    value = obj.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise InvalidField(f"{_path(where, key)} must be a string, got {type(value).__name__}")
    return value


MAX_LANGUAGE_CODE_LENGTH = 35
"""BCP 47 tags this long exist; anything longer is not a language."""


def language_code(obj: JsonObject, key: str = "LanguageCode") -> str:
    """A language code the producer reported (`es-US`), else "": a value that is not one is
    dropped rather than failing the record, since the words matter more than their label, and
    never reaches the prompt (domain.languages names the language from it)."""
    value = obj.get(key)
    if not isinstance(value, str) or len(value) > MAX_LANGUAGE_CODE_LENGTH:
        return ""
    return value.strip() if is_language_code(value) else ""


def text_field(obj: JsonObject, key: str, where: str = "") -> str:
    """A transcript text: must be present and a string, may be empty."""
    value = obj.get(key)
    if value is None:
        raise InvalidField(f"missing field {_path(where, key)}")
    if not isinstance(value, str):
        raise InvalidField(f"{_path(where, key)} must be a string, got {type(value).__name__}")
    return value


def require_number(obj: JsonObject, key: str, where: str = "") -> float:
    value = obj.get(key)
    if value is None:
        raise InvalidField(f"missing field {_path(where, key)}")
    # bool is an int subclass; a boolean time is a producer bug, not a number.
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidField(f"{_path(where, key)} must be a number, got {type(value).__name__}")
    try:
        number = float(value)
    except OverflowError as exc:
        raise InvalidField(f"{_path(where, key)} is out of range") from exc
    if not math.isfinite(number):
        raise InvalidField(f"{_path(where, key)} must be a finite number, got {value}")
    return number


def number_or_numeric_string(obj: JsonObject, key: str, where: str = "") -> float:
    """A number, or a string holding one (LCA's standard-mode producers write times with
    `.toString()`); anything else is an error with the field's path."""
    value = obj.get(key)
    if isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError as exc:
            raise InvalidField(f"{_path(where, key)} must be a number, got {value[:40]!r}") from exc
        if not math.isfinite(number):
            raise InvalidField(f"{_path(where, key)} must be a finite number, got {value[:40]!r}")
        return number
    return require_number(obj, key, where)


def require_bool(obj: JsonObject, key: str, where: str = "") -> bool:
    value = obj.get(key)
    if value is None:
        raise InvalidField(f"missing field {_path(where, key)}")
    if not isinstance(value, bool):
        raise InvalidField(f"{_path(where, key)} must be a boolean, got {type(value).__name__}")
    return value


def require_list(obj: JsonObject, key: str, where: str = "") -> list[Any]:
    value = obj.get(key)
    if value is None:
        raise InvalidField(f"missing field {_path(where, key)}")
    if not isinstance(value, list):
        raise InvalidField(f"{_path(where, key)} must be a list, got {type(value).__name__}")
    return value


def str_list(obj: JsonObject, key: str, where: str = "") -> tuple[str, ...]:
    items = require_list(obj, key, where)
    for index, item in enumerate(items):
        if not isinstance(item, str):
            raise InvalidField(f"{_path(where, key)}[{index}] must be a string")
    return tuple(items)
