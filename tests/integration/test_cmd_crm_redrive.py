"""`callrecap crm-redrive` on moto: both parked shapes go back on the bus as CallSummarized and
leave the queue; anything else stays."""

from __future__ import annotations

import json
from typing import Any

import pytest
from moto import mock_aws

from callrecap_local.cli import main as cli_main
from tests.helpers.aws import create_resources


def call_summarized(version: int) -> dict[str, Any]:
    return {
        "version": "0",
        "id": f"evt-{version}",
        "source": "callrecap",
        "detail-type": "CallSummarized",
        "detail": {"callId": "c1", "version": version, "kind": "final"},
    }


def test_parked_events_are_put_back_once(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with mock_aws():
        aws = create_resources()
        parked = aws.sqs.create_queue(QueueName="crm-hook-dlq")["QueueUrl"]
        bodies = [
            call_summarized(1),  # the rule could not invoke the hook: the event itself
            {"requestContext": {"condition": "RetriesExhausted"}, "requestPayload": call_summarized(2)},
            {"something": "else"},  # not ours: stays for a person to look at
        ]
        for body in bodies:
            aws.sqs.send_message(QueueUrl=parked, MessageBody=json.dumps(body))
        status = cli_main(["crm-redrive", "--queue-url", parked, "--bus", aws.bus_name])
        assert status == 0
        assert json.loads(capsys.readouterr().out) == {"redriven": 2, "notCallSummarized": 1}
        put_back = sorted(
            e["detail"]["version"] for e in aws.bus_events() if e["detail-type"] == "CallSummarized"
        )
        assert put_back == [1, 2]
        left = aws.sqs.get_queue_attributes(
            QueueUrl=parked,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        assert (
            int(left["ApproximateNumberOfMessages"]) + int(left["ApproximateNumberOfMessagesNotVisible"]) == 1
        )


def test_it_needs_a_stack_or_a_queue_and_a_bus(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main(["crm-redrive", "--queue-url", "https://sqs/x"]) == 2
    assert "--stack" in capsys.readouterr().err
