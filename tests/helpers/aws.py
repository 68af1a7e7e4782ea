"""moto-backed resources for integration tests: the table, the bus (observed through an SQS
target, since moto delivers EventBridge events to SQS but not to Lambda) and the quarantine."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import boto3

from callrecap.adapters.dynamo.schema import create_table
from callrecap.contracts import BUS_SOURCE

TABLE = "callrecap-test"
BUS = "callrecap-test-bus"


@dataclass
class AwsResources:
    dynamodb: Any
    events: Any
    sqs: Any
    table_name: str
    bus_name: str
    bus_queue_url: str
    quarantine_url: str

    def bus_events(self) -> list[dict[str, Any]]:
        """Every event delivered so far (drains the observer queue)."""
        events: list[dict[str, Any]] = []
        while True:
            messages = self.sqs.receive_message(
                QueueUrl=self.bus_queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0
            ).get("Messages", [])
            if not messages:
                return events
            for message in messages:
                events.append(json.loads(message["Body"]))
                self.sqs.delete_message(QueueUrl=self.bus_queue_url, ReceiptHandle=message["ReceiptHandle"])

    def quarantined(self) -> list[dict[str, Any]]:
        messages: list[dict[str, Any]] = []
        while True:
            batch = self.sqs.receive_message(
                QueueUrl=self.quarantine_url, MaxNumberOfMessages=10, WaitTimeSeconds=0
            ).get("Messages", [])
            if not batch:
                return messages
            for message in batch:
                messages.append(json.loads(message["Body"]))
                self.sqs.delete_message(QueueUrl=self.quarantine_url, ReceiptHandle=message["ReceiptHandle"])


def create_resources() -> AwsResources:
    """Call inside `mock_aws()`."""
    dynamodb = boto3.client("dynamodb")
    events = boto3.client("events")
    sqs = boto3.client("sqs")
    create_table(dynamodb, TABLE)
    events.create_event_bus(Name=BUS)
    observer_url = sqs.create_queue(QueueName="bus-observer")["QueueUrl"]
    observer_arn = sqs.get_queue_attributes(QueueUrl=observer_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    events.put_rule(Name="observe-all", EventBusName=BUS, EventPattern=json.dumps({"source": [BUS_SOURCE]}))
    events.put_targets(
        Rule="observe-all", EventBusName=BUS, Targets=[{"Id": "observer", "Arn": observer_arn}]
    )
    quarantine_url = sqs.create_queue(QueueName="quarantine")["QueueUrl"]
    return AwsResources(dynamodb, events, sqs, TABLE, BUS, observer_url, quarantine_url)
