"""crmSendOn approval-or-timeout: each final's CallSummarized -> a delay queue (wrapUpMinutes) -> the
wrap-up function, which releases the final to the CRM unless the agent approved the call first."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from callrecap import contracts
from callrecap.contracts import FUNCTION_TIMEOUT_SECONDS, Function
from infra.config import DeployConfig
from infra.routing import RULE_MAX_EVENT_AGE, RULE_RETRY_ATTEMPTS, event_pattern
from infra.storage import RETENTION_14_DAYS, parked_queue

WRAP_UP_MAX_RECEIVES = 5


def wrap_up_queue(
    scope: Construct, fn: lambda_.Function, bus: events.IEventBus, config: DeployConfig
) -> tuple[sqs.Queue, sqs.Queue]:
    dlq = parked_queue(scope, "WrapUpDlq", purpose="the wrap-up delay queue (finals waiting for approval)")
    queue = sqs.Queue(
        scope,
        "WrapUpQueue",
        delivery_delay=cdk.Duration.minutes(config.wrap_up_minutes),  # SQS: 15 minutes at most
        visibility_timeout=cdk.Duration.seconds(6 * FUNCTION_TIMEOUT_SECONDS[Function.WRAP_UP]),
        encryption=sqs.QueueEncryption.SQS_MANAGED,  # EventBridge sends to it without a key policy
        enforce_ssl=True,
        retention_period=RETENTION_14_DAYS,
        dead_letter_queue=sqs.DeadLetterQueue(queue=dlq, max_receive_count=WRAP_UP_MAX_RECEIVES),
    )
    events.Rule(
        scope,
        "WrapUpRule",
        description="CallSummarized (final) -> wrap-up delay queue -> released to the CRM unless approved",
        event_bus=bus,
        event_pattern=event_pattern(contracts.wrap_up_pattern()),
        targets=[
            targets.SqsQueue(
                queue,
                retry_attempts=RULE_RETRY_ATTEMPTS,
                max_event_age=RULE_MAX_EVENT_AGE,
                dead_letter_queue=dlq,
            )
        ],
    )
    fn.add_event_source(sources.SqsEventSource(queue, batch_size=10, report_batch_item_failures=True))
    return queue, dlq
