"""The quotas and limits the capacity rows meet, each with the page that states it."""

from __future__ import annotations

import math
from dataclasses import dataclass

BEDROCK_QUOTA = "Bedrock: 'On-demand InvokeModel {what} per minute for <model>' (Service Quotas; assumed)"


@dataclass(frozen=True)
class Limit:
    value: float
    unit: str
    source: str
    raise_hint: str


LIMITS: dict[str, Limit] = {
    "kinesis_records": Limit(
        4_000,
        "records/s",
        "Kinesis on-demand: new streams accept 4,000 records/s (4 MB/s) of writes, "
        "then scale to twice the previous peak "
        "(docs.aws.amazon.com/streams/latest/dev/how-do-i-size-a-stream.html)",
        "pre-warm the on-demand stream (or switch it to provisioned shards) before go-live",
    ),
    "kinesis_bytes": Limit(
        4 * 1024 * 1024,
        "B/s",
        "Kinesis on-demand initial write capacity 4 MB/s (same page)",
        "pre-warm the on-demand stream before go-live",
    ),
    "lambda_concurrency": Limit(
        1_000,
        "executions",
        "Lambda concurrent executions per account and Region, default 1,000 "
        "(docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html)",
        "request a Lambda concurrency increase (Service Quotas)",
    ),
    "partition_writes": Limit(
        1_000,
        "WCU/s",
        "DynamoDB: about 1,000 write units a second per partition, tables and GSIs "
        "(docs.aws.amazon.com/amazondynamodb/latest/developerguide/bp-partition-key-design.html)",
        "redesign the key: no quota raises it",
    ),
    "partition_reads": Limit(
        3_000,
        "RCU/s",
        "DynamoDB: about 3,000 read units a second per partition (same page)",
        "redesign the key: no quota raises it",
    ),
    "api_account": Limit(
        10_000,
        "requests/s",
        "API Gateway: 10,000 requests/s per account and Region for HTTP, REST and "
        "WebSocket APIs together (docs.aws.amazon.com/apigateway/latest/developerguide/limits.html)",
        "request an API Gateway throttle quota increase",
    ),
    "websocket_connects": Limit(
        500,
        "connections/s",
        "API Gateway WebSocket: 500 new connections per second per account and Region (same page)",
        "request an increase of 'New connections per second'",
    ),
    "put_events": Limit(
        10_000,
        "entries/s",
        "EventBridge PutEvents: 10,000 transactions/s in us-east-1, us-west-2 and "
        "eu-west-1, lower elsewhere (docs.aws.amazon.com/eventbridge/latest/userguide/eb-quota.html)",
        "request a PutEvents quota increase in smaller Regions",
    ),
    "sqs": Limit(
        math.inf,
        "messages/s",
        "SQS standard queues: nearly unlimited transactions per second "
        "(docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/quotas-messages.html)",
        "none",
    ),
}
