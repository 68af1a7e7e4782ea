"""The one DynamoDB codec every store uses: plain Python <-> attribute values, and API cursors.

boto3's TypeSerializer / TypeDeserializer do the attribute-value work; this module only adds what
they leave to the caller: floats travel as Decimals (DynamoDB numbers), numbers come back as int
or float rather than Decimal, and string sets as sorted lists, so the API can return records as
JSON without another conversion.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from decimal import Decimal
from functools import cache
from typing import Any

from callrecap import contracts as c


class InvalidCursor(ValueError):
    """A pagination or "since" cursor that this store did not issue."""


@cache
def _serializer() -> Any:
    from boto3.dynamodb.types import TypeSerializer  # deferred: boto3 is imported with the first client

    return TypeSerializer()


@cache
def _deserializer() -> Any:
    from boto3.dynamodb.types import TypeDeserializer

    return TypeDeserializer()


def _to_dynamo(value: Any) -> Any:
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, float):
        return Decimal(int(value)) if value.is_integer() else Decimal(repr(value))
    if isinstance(value, Mapping):
        return {str(k): _to_dynamo(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_to_dynamo(v) for v in value]
    return value


def _to_plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, Mapping):
        return {k: _to_plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_to_plain(v) for v in value]
    if isinstance(value, set | frozenset):
        return sorted(_to_plain(v) for v in value)
    return value


def attr(value: Any) -> dict[str, Any]:
    """One attribute value, e.g. attr("x") == {"S": "x"}, attr(1.5) == {"N": "1.5"}."""
    encoded: dict[str, Any] = _serializer().serialize(_to_dynamo(value))
    return encoded


def string_set(values: list[str]) -> dict[str, Any]:
    """A string set (a plain list would be encoded as a DynamoDB list)."""
    return {"SS": list(values)}


def value_of(encoded: Mapping[str, Any]) -> Any:
    """One attribute value decoded to plain Python."""
    return _to_plain(_deserializer().deserialize(encoded))


def to_item(record: Mapping[str, Any]) -> dict[str, Any]:
    return {name: attr(value) for name, value in record.items()}


def from_item(item: Mapping[str, Any]) -> dict[str, Any]:
    return {name: value_of(value) for name, value in item.items()}


def encode_cursor(key: Mapping[str, Any]) -> str:
    """An opaque API cursor for a LastEvaluatedKey."""
    return base64.urlsafe_b64encode(json.dumps(key, separators=(",", ":")).encode()).decode()


def decode_cursor(
    cursor: str, *, key_attributes: frozenset[str] = frozenset({c.PK}), fixed: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """The ExclusiveStartKey an `encode_cursor` cursor stands for; InvalidCursor otherwise.

    A cursor is data from the client: it must hold exactly `key_attributes`, each a string
    attribute value, and the `fixed` ones must have the value of the query it continues (real
    DynamoDB rejects any other ExclusiveStartKey with a ValidationException; moto accepts it).
    """
    refused = InvalidCursor(f"not a cursor issued by this API: {cursor[:40]!r}")
    try:
        key = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError) as error:
        raise refused from error
    if not isinstance(key, dict) or set(key) != set(key_attributes):
        raise refused
    for value in key.values():
        if not isinstance(value, dict) or set(value) != {"S"} or not isinstance(value["S"], str):
            raise refused
    for name, expected in (fixed or {}).items():
        if key[name]["S"] != expected:
            raise refused
    return key
