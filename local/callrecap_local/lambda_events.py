"""Event and context objects shaped exactly like the ones AWS hands to a Lambda handler.

The local stack feeds the real handlers with these, so a handler cannot tell whether it runs
behind an event source mapping / rule / HTTP API in AWS or behind a poller on a laptop.
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

LOCAL_ACCOUNT = "123456789012"
"""moto's default account id; ARNs the local stack builds use it too."""


@dataclass
class LambdaContext:
    """The attributes of the Lambda context object that handlers and Powertools read."""

    function_name: str
    region: str = "us-east-1"
    memory_limit_in_mb: int = 256
    function_version: str = "$LATEST"
    timeout_seconds: float = 60.0
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    _deadline: float = 0.0

    def __post_init__(self) -> None:
        self._deadline = time.monotonic() + self.timeout_seconds

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:{self.region}:{LOCAL_ACCOUNT}:function:{self.function_name}"

    @property
    def log_group_name(self) -> str:
        return f"/aws/lambda/{self.function_name}"

    @property
    def log_stream_name(self) -> str:
        return f"local/[{self.function_version}]{self.aws_request_id}"

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


@dataclass(frozen=True)
class KinesisRecord:
    """A record as returned by GetRecords (data already bytes)."""

    shard_id: str
    sequence_number: str
    partition_key: str
    data: bytes
    arrival: float


def kinesis_batch_event(
    records: Sequence[KinesisRecord], *, stream_arn: str, region: str = "us-east-1"
) -> dict[str, Any]:
    """The event a Kinesis event source mapping invokes its function with."""
    return {
        "Records": [
            {
                "kinesis": {
                    "kinesisSchemaVersion": "1.0",
                    "partitionKey": record.partition_key,
                    "sequenceNumber": record.sequence_number,
                    "data": base64.b64encode(record.data).decode("ascii"),
                    "approximateArrivalTimestamp": record.arrival,
                },
                "eventSource": "aws:kinesis",
                "eventVersion": "1.0",
                "eventID": f"{record.shard_id}:{record.sequence_number}",
                "eventName": "aws:kinesis:record",
                "invokeIdentityArn": f"arn:aws:iam::{LOCAL_ACCOUNT}:role/callrecap-local",
                "awsRegion": region,
                "eventSourceARN": stream_arn,
            }
            for record in records
        ]
    }


def sqs_batch_event(
    messages: Sequence[Mapping[str, Any]], *, queue_arn: str, region: str = "us-east-1"
) -> dict[str, Any]:
    """The event an SQS event source mapping invokes its function with (ReceiveMessage results)."""
    return {
        "Records": [
            {
                "messageId": message["MessageId"],
                "receiptHandle": message["ReceiptHandle"],
                "body": message["Body"],
                "attributes": dict(message.get("Attributes", {})),
                "messageAttributes": dict(message.get("MessageAttributes", {})),
                "md5OfBody": message.get("MD5OfBody", ""),
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": region,
            }
            for message in messages
        ]
    }


def failed_sequence_numbers(response: Any) -> list[str] | None:
    """Item identifiers of a partial-batch response; None when the whole batch succeeded.

    Mirrors Lambda's rules: a missing/empty `batchItemFailures` means success, an entry with an
    empty or missing identifier fails the whole batch (returned as the empty list).
    """
    if not isinstance(response, Mapping):
        return None
    failures = response.get("batchItemFailures")
    if not failures:
        return None
    identifiers: list[str] = []
    for failure in failures:
        identifier = failure.get("itemIdentifier") if isinstance(failure, Mapping) else None
        if not identifier:
            return []
        identifiers.append(str(identifier))
    return identifiers


def scheduled_event(rule_arn: str, region: str = "us-east-1") -> dict[str, Any]:
    """What an EventBridge schedule rule delivers to its target."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": LOCAL_ACCOUNT,
        "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": region,
        "resources": [rule_arn],
        "detail": {},
    }


def local_claims(viewer: str) -> dict[str, str]:
    """The claims of the local viewer `admin`, `supervisor` or `agent:<identity>` (what
    `callrecap serve --as` takes), as Cognito's JWT authorizer would pass them."""
    role, _, identity = viewer.partition(":")
    groups = {"admin": "admins", "supervisor": "supervisors", "agent": "agents"}
    if role not in groups or (role == "agent") != bool(identity):
        raise ValueError(f"viewer must be admin, supervisor or agent:<identity>, got {viewer!r}")
    username = identity or f"local-{role}"
    return {  # an access token's claims (the page sends the access token)
        "sub": f"local-{username}",
        "username": username,
        "cognito:username": username,
        "cognito:groups": f"[{groups[role]}]",
        "token_use": "access",
    }


def http_api_event(
    *,
    method: str,
    route_key: str,
    raw_path: str,
    raw_query: str,
    headers: Mapping[str, str],
    body: bytes,
    path_parameters: Mapping[str, str],
    source_ip: str = "127.0.0.1",
    claims: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """An API Gateway HTTP API (payload format 2.0) request event.

    The local stack has no sign-in, so the JWT authorizer block carries the local viewer's claims
    (`claims`; default the local admin, see `local_claims`) in the shape the Cognito authorizer
    passes them: array claims as "[a b]" strings.
    """
    lowered = {name.lower(): value for name, value in headers.items()}
    now = datetime.now(UTC)
    query: dict[str, str] = {}
    for name, value in parse_qsl(raw_query, keep_blank_values=True):
        query[name] = f"{query[name]},{value}" if name in query else value
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": raw_path,
        "rawQueryString": raw_query,
        "headers": lowered,
        "requestContext": {
            "accountId": LOCAL_ACCOUNT,
            "apiId": "local",
            "authorizer": {"jwt": {"claims": dict(claims or local_claims("admin")), "scopes": None}},
            "domainName": lowered.get("host", "127.0.0.1"),
            "domainPrefix": "local",
            "http": {
                "method": method,
                "path": raw_path,
                "protocol": "HTTP/1.1",
                "sourceIp": source_ip,
                "userAgent": lowered.get("user-agent", ""),
            },
            "requestId": str(uuid.uuid4()),
            "routeKey": route_key,
            "stage": "$default",
            "time": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "timeEpoch": int(now.timestamp() * 1000),
        },
        "isBase64Encoded": False,
    }
    if "cookie" in lowered:
        event["cookies"] = [c.strip() for c in lowered["cookie"].split(";") if c.strip()]
    if query:
        event["queryStringParameters"] = query
    if path_parameters:
        event["pathParameters"] = dict(path_parameters)
    if body:
        try:
            event["body"] = body.decode("utf-8")
        except UnicodeDecodeError:
            event["body"] = base64.b64encode(body).decode("ascii")
            event["isBase64Encoded"] = True
    return event


def http_api_response(result: Any) -> tuple[int, dict[str, str], bytes]:
    """Interpret a handler's return value the way an HTTP API (payload 2.0) does."""
    if not isinstance(result, Mapping) or "statusCode" not in result:
        # Payload 2.0 "simple response": anything else is a 200 JSON body.
        return 200, {"content-type": "application/json"}, json.dumps(result).encode()
    status = int(result["statusCode"])
    headers = {str(k).lower(): str(v) for k, v in (result.get("headers") or {}).items()}
    for name, values in (result.get("multiValueHeaders") or {}).items():
        headers[str(name).lower()] = ",".join(str(v) for v in values)
    raw_body = result.get("body") or ""
    body = base64.b64decode(raw_body) if result.get("isBase64Encoded") else str(raw_body).encode()
    cookies = result.get("cookies") or []
    if cookies:
        headers["set-cookie"] = "; ".join(cookies)
    return status, headers, body


def websocket_connect_event(
    *,
    connection_id: str,
    raw_query: str,
    headers: Mapping[str, str],
    domain_name: str,
    stage: str = "local",
    source_ip: str = "127.0.0.1",
) -> dict[str, Any]:
    """An API Gateway WebSocket API `$connect` event (Lambda proxy integration)."""
    now = datetime.now(UTC)
    query: dict[str, str] = {}
    multi: dict[str, list[str]] = {}
    for name, value in parse_qsl(raw_query, keep_blank_values=True):
        query[name] = value  # the last value wins, as API Gateway's single-value map does
        multi.setdefault(name, []).append(value)
    epoch_ms = int(now.timestamp() * 1000)
    return {
        "headers": dict(headers),
        "multiValueHeaders": {name: [value] for name, value in headers.items()},
        "queryStringParameters": query or None,
        "multiValueQueryStringParameters": multi or None,
        "requestContext": {
            "routeKey": "$connect",
            "eventType": "CONNECT",
            "extendedRequestId": str(uuid.uuid4()),
            "requestTime": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "messageDirection": "IN",
            "stage": stage,
            "connectedAt": epoch_ms,
            "requestTimeEpoch": epoch_ms,
            "identity": {"sourceIp": source_ip, "userAgent": headers.get("User-Agent", "")},
            "requestId": str(uuid.uuid4()),
            "domainName": domain_name,
            "connectionId": connection_id,
            "apiId": "local",
        },
        "isBase64Encoded": False,
    }
