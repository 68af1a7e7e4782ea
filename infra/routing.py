"""How an event reaches a function: EventBridge rules deliver with bounded retries and park what
they cannot deliver; a function invoked asynchronously retries twice, then parks the event. Every
asynchronous hop keeps a poison event for an operator instead of retrying it forever or dropping it."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_destinations as destinations
from aws_cdk import aws_sqs as sqs

# EventBridge -> Lambda delivery: retries with back-off for up to two hours, then the rule's DLQ.
RULE_RETRY_ATTEMPTS = 8
RULE_MAX_EVENT_AGE = cdk.Duration.hours(2)
# Lambda async invocation (after EventBridge delivered): two retries, then the on-failure queue.
ASYNC_RETRY_ATTEMPTS = 2
ASYNC_MAX_EVENT_AGE = cdk.Duration.hours(1)


def event_pattern(pattern: dict[str, Any]) -> events.EventPattern:
    """contracts patterns are plain EventBridge JSON; map the keys the L2 type names differently."""
    names = {"source": "source", "detail-type": "detail_type", "detail": "detail", "account": "account"}
    unknown = set(pattern) - set(names)
    if unknown:
        raise ValueError(f"pattern keys not mapped: {sorted(unknown)}")
    return events.EventPattern(**{names[key]: value for key, value in pattern.items()})


def park_failures(fn: lambda_.Function, dlq: sqs.IQueue) -> None:
    """EventBridge invokes asynchronously: after the function's own retries, keep the event."""
    fn.configure_async_invoke(
        retry_attempts=ASYNC_RETRY_ATTEMPTS,
        max_event_age=ASYNC_MAX_EVENT_AGE,
        on_failure=destinations.SqsDestination(dlq),
    )


def lambda_target(fn: lambda_.IFunction, dlq: sqs.IQueue) -> targets.LambdaFunction:
    return targets.LambdaFunction(
        fn, retry_attempts=RULE_RETRY_ATTEMPTS, max_event_age=RULE_MAX_EVENT_AGE, dead_letter_queue=dlq
    )
