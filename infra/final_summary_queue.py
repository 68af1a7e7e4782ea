"""CallEnded (and stale requests) -> a delay queue -> the summarizer: the final covers the call's
last segments, and the queue's consumer concurrency governs how many model calls run at once."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from callrecap import contracts
from callrecap.contracts import FINAL_SUMMARY_MAX_RECEIVES, FUNCTION_TIMEOUT_SECONDS, Function
from callrecap.settings import EnvVar
from infra.config import DeployConfig
from infra.routing import RULE_MAX_EVENT_AGE, RULE_RETRY_ATTEMPTS, event_pattern
from infra.storage import RETENTION_14_DAYS, parked_queue

SUMMARIZER_TIMEOUT_SECONDS = FUNCTION_TIMEOUT_SECONDS[Function.SUMMARIZER]
FINAL_SUMMARY_BATCH_SIZE = 1
"""One call a batch: a final can take minutes of model time."""


def final_summary_queue(
    scope: Construct, fn: lambda_.Function, bus: events.IEventBus, config: DeployConfig
) -> tuple[sqs.Queue, sqs.Queue]:
    """CallEnded -> a delay queue -> the summarizer, so the final covers the call's last segments.

    The Chime ENDED status reaches the bus while the last segments can still be in the Kinesis
    batching window; `finalSummaryDelaySeconds` of SQS DelaySeconds lets them land first.
    """
    dlq = parked_queue(scope, "FinalSummaryDlq", purpose="the final-summary delay queue (CallEnded records)")
    queue = sqs.Queue(
        scope,
        "FinalSummaryQueue",
        # The first look; a call still settling is put back by the summarizer, up to
        # finalSummaryDelaySeconds (docs/summarization.md, "Settling").
        delivery_delay=cdk.Duration.seconds(contracts.first_look_seconds(config.final_summary_delay_seconds)),
        # AWS: at least 6x the consumer's timeout, so a throttled batch is not redriven too early.
        visibility_timeout=cdk.Duration.seconds(6 * SUMMARIZER_TIMEOUT_SECONDS),
        # SSE-SQS: EventBridge can send to it without a key policy (like the parked queues).
        encryption=sqs.QueueEncryption.SQS_MANAGED,
        enforce_ssl=True,
        retention_period=RETENTION_14_DAYS,
        dead_letter_queue=sqs.DeadLetterQueue(queue=dlq, max_receive_count=FINAL_SUMMARY_MAX_RECEIVES),
    )
    for rule_id, description, pattern in (
        (
            "CallEndedRule",
            "CallEnded -> final-summary delay queue -> summarizer",
            contracts.call_ended_pattern(),
        ),
        (
            "StaleSummaryRule",
            "SummaryRequested (stale) -> final-summary delay queue: late segments settle into one final",
            contracts.stale_summary_pattern(),
        ),
    ):
        events.Rule(
            scope,
            rule_id,
            description=description,
            event_bus=bus,
            event_pattern=event_pattern(pattern),
            targets=[
                targets.SqsQueue(
                    queue,
                    retry_attempts=RULE_RETRY_ATTEMPTS,
                    max_event_age=RULE_MAX_EVENT_AGE,
                    dead_letter_queue=dlq,
                )
            ],
        )
    fn.add_environment(EnvVar.FINAL_SUMMARY_QUEUE_URL.value, queue.queue_url)
    fn.add_to_role_policy(  # put a CallEnded back while its call settles
        iam.PolicyStatement(actions=["sqs:SendMessage"], resources=[queue.queue_arn])
    )
    fn.add_event_source(
        sources.SqsEventSource(
            queue,
            batch_size=FINAL_SUMMARY_BATCH_SIZE,
            report_batch_item_failures=True,
            # The throughput governor: a burst of call ends waits in the queue instead of
            # becoming a burst of model calls (and of throttled, FAILED summaries).
            max_concurrency=config.llm_max_concurrency,
        )
    )
    return queue, dlq
