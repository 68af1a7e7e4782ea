"""`callrecap crm-redrive (--stack NAME | --queue-url URL --bus NAME) [--limit N]`: put the
CallSummarized events the CRM hook could not take back on the bus, once the hook is fixed.

The CRM hook's parked queue (stack output `CrmHookFailureQueueUrl`) holds two shapes: the event
itself (the rule's dead-letter queue: EventBridge could not invoke the hook) and Lambda's
on-failure record (`requestPayload` is the event: the hook failed after its retries). Each is put
back on the project bus as the same CallSummarized (source, detail-type and detail), so the rule
delivers it to the hook again, which delivers each version once (domain.crm_delivery); a message
is deleted only after its event was accepted. With your own AWS credentials.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from callrecap_local.cli import CliError

QUEUE_OUTPUT = "CrmHookFailureQueueUrl"
BUS_OUTPUT = "EventBusName"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--stack", help="a deployed callrecap stack (its outputs name the queue and the bus)")
    parser.add_argument("--queue-url", help="the CRM hook's parked queue")
    parser.add_argument("--bus", help="the project's event bus")
    parser.add_argument("--limit", type=int, default=1000, help="at most this many events (default 1000)")


def event_of(body: str) -> dict[str, Any]:
    """The CallSummarized event a parked message holds (either shape); ValueError otherwise."""
    message = json.loads(body)
    event = message.get("requestPayload", message) if isinstance(message, dict) else None
    if not isinstance(event, dict) or "detail" not in event or "detail-type" not in event:
        raise ValueError("not a parked CallSummarized event")
    return event


def outputs_of(stack: str) -> dict[str, str]:
    from callrecap_local.stack_outputs import stack_outputs

    return stack_outputs(stack)


def redrive(sqs: Any, events: Any, queue_url: str, bus: str, limit: int) -> tuple[int, int]:
    """(events put back, messages left as they were because they are not CallSummarized)."""
    moved = kept = 0
    while moved + kept < limit:
        messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get(
            "Messages", []
        )
        if not messages:
            break
        for message in messages:
            try:
                event = event_of(message["Body"])
            except ValueError:
                kept += 1
                continue
            entry = {
                "Source": event.get("source", "callrecap"),
                "DetailType": event["detail-type"],
                "Detail": json.dumps(event["detail"]),
                "EventBusName": bus,
            }
            reply = events.put_events(Entries=[entry])
            if reply.get("FailedEntryCount"):
                raise CliError(f"the bus refused an event: {reply['Entries'][0].get('ErrorMessage')}")
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
            moved += 1
    return moved, kept


def run(args: argparse.Namespace) -> int:
    import boto3

    if args.limit < 1:
        raise CliError("--limit must be at least 1")
    queue_url, bus = args.queue_url, args.bus
    if args.stack:
        outputs = outputs_of(args.stack)
        queue_url, bus = queue_url or outputs.get(QUEUE_OUTPUT), bus or outputs.get(BUS_OUTPUT)
    if not queue_url or not bus:
        raise CliError("name the stack (--stack) or both --queue-url and --bus")
    moved, kept = redrive(boto3.client("sqs"), boto3.client("events"), queue_url, bus, args.limit)
    print(json.dumps({"redriven": moved, "notCallSummarized": kept}))
    return 0
