"""Quarantine of malformed Kinesis records in SQS: kept whole for a person to inspect and redrive.

The message body is JSON: the record's raw base64 `data` exactly as received, its
`sequenceNumber`, `partitionKey`, `eventSourceARN`, `approximateArrivalTimestamp`, the `reason`
it was refused and `quarantinedAt`. Message attributes repeat reason and sequence number so a
console user can filter without opening bodies.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from callrecap.adapters.aws_clients import LazyClient
from callrecap.clock import utc_now_iso
from callrecap.domain.ports import QuarantinedRecord

__all__ = ["QuarantinedRecord", "SqsQuarantine"]

MAX_SQS_BODY = 1_048_576
"""SQS message size limit (1 MiB); a Kinesis record can be larger once base64-encoded."""


class SqsQuarantine:
    def __init__(self, queue_url: str, *, client: Any | None = None) -> None:
        if not queue_url:
            raise ValueError("a quarantine queue URL is required")
        self.queue_url = queue_url
        self._client = client

    client = LazyClient("sqs")

    def put(self, record: QuarantinedRecord) -> None:
        """Send one record; raises on failure (the caller then reports the record as failed)."""
        fields = asdict(record)
        body: dict[str, Any] = {
            "sequenceNumber": fields["sequence_number"],
            "partitionKey": fields["partition_key"],
            "eventSourceARN": fields["event_source_arn"],
            "approximateArrivalTimestamp": fields["approximate_arrival_timestamp"],
            "reason": fields["reason"][:2000],
            "quarantinedAt": utc_now_iso("seconds"),
            "data": fields["data"],
        }
        text = json.dumps(body)
        if len(text.encode()) > MAX_SQS_BODY:
            # Too big for SQS: keep everything but the payload, which Kinesis still holds for its
            # retention period (sequence number + stream ARN find it).
            body["data"] = ""
            body["dataTruncated"] = True
            body["dataLength"] = len(fields["data"])
            text = json.dumps(body)
        self.client.send_message(
            QueueUrl=self.queue_url,
            MessageBody=text,
            MessageAttributes={
                "reason": {"DataType": "String", "StringValue": body["reason"][:256] or "unknown"},
                "sequenceNumber": {"DataType": "String", "StringValue": record.sequence_number or "unknown"},
            },
        )
