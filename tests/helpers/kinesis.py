"""Build Lambda Kinesis Data Streams events shaped like AWS's documented sample
(../shared/data/aws-events/lambda_kinesis_data_streams_event.json) around any payloads."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable, Mapping
from typing import Any

STREAM_ARN = "arn:aws:kinesis:us-east-1:123456789012:stream/callrecap-inbound"
FIRST_SEQUENCE = 49590338271490256608559692538361571095921575989136588898


def encode(payload: Any) -> str:
    """base64 of a payload: bytes as they are, str as UTF-8, anything else as JSON."""
    if isinstance(payload, bytes):
        raw = payload
    elif isinstance(payload, str):
        raw = payload.encode()
    else:
        raw = json.dumps(payload).encode()
    return base64.b64encode(raw).decode()


def kinesis_record(
    payload: Any,
    *,
    sequence_number: str,
    partition_key: str = "call",
    raw_data: str | None = None,
    arrival: float = 1545084650.987,
) -> dict[str, Any]:
    """One record; `raw_data` puts a literal (possibly invalid) base64 string in `data`."""
    return {
        "kinesis": {
            "kinesisSchemaVersion": "1.0",
            "partitionKey": partition_key,
            "sequenceNumber": sequence_number,
            "data": raw_data if raw_data is not None else encode(payload),
            "approximateArrivalTimestamp": arrival,
        },
        "eventSource": "aws:kinesis",
        "eventVersion": "1.0",
        "eventID": f"shardId-000000000000:{sequence_number}",
        "eventName": "aws:kinesis:record",
        "invokeIdentityArn": "arn:aws:iam::123456789012:role/lambda-role",
        "awsRegion": "us-east-1",
        "eventSourceARN": STREAM_ARN,
    }


def sequence_number(index: int) -> str:
    return str(FIRST_SEQUENCE + index)


def kinesis_event(payloads: Iterable[Any], *, partition_key: str = "call", first: int = 0) -> dict[str, Any]:
    """A Lambda event with one record per payload; sequence numbers increase from `first`."""
    return {
        "Records": [
            kinesis_record(payload, sequence_number=sequence_number(first + i), partition_key=partition_key)
            for i, payload in enumerate(payloads)
        ]
    }


def raw_event(records: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """A Lambda event around records already built with `kinesis_record`."""
    return {"Records": list(records)}


def failed_sequence_numbers(response: Mapping[str, Any]) -> list[str]:
    """itemIdentifiers of a partial batch response."""
    return [failure["itemIdentifier"] for failure in response.get("batchItemFailures", [])]
