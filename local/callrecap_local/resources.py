"""Create, in moto, the same table, stream, bus, rules and queues as the CDK stacks.

The table comes from `adapters.dynamo.schema` (the store's key schema and indexes, names from
contracts), the rule patterns from `callrecap.contracts`: the definitions the CDK stacks and the
handlers use, so the local stack cannot drift from the deployed one.
EventBridge targets are SQS queues (moto delivers matched events to SQS, not to Lambda): each
queue stands for one rule -> Lambda target and has a dead-letter queue like the deployed target,
except the final-summary queue, which is a real queue in AWS too (CallEnded waits there for
`DelaySeconds` before the summarizer consumes it, so the call's last segments land first).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field, replace
from typing import Any

from callrecap import contracts
from callrecap.adapters.dynamo.schema import create_table
from callrecap.choices import CrmSendOn
from callrecap.contracts import Function

TARGET_MAX_RECEIVES = 3
"""Attempts before a rule target's message goes to its DLQ (initial try + 2 retries, like async invoke)."""

FINAL_SUMMARY_DELAY_SECONDS = 3
"""The longest a local call may settle (`finalSummaryDelaySeconds`; deployed default 10 s): the
final-summary queue's first look is at min(2 s, this) and a call still settling is put back until
then (contracts.first_look_seconds; docs/summarization.md, "Settling"). docs/local.md."""


@dataclass(frozen=True)
class RuleTarget:
    """One EventBridge rule whose target (a Lambda in AWS) is a queue polled locally."""

    name: str
    bus: str
    pattern: dict[str, Any]
    function: Function
    queue_url: str = ""
    dlq_url: str = ""
    delay_seconds: int = 0
    """SQS DelaySeconds of the target queue (moto honours it)."""
    max_receives: int = TARGET_MAX_RECEIVES
    queue_of: str = ""
    """The name of another target whose queue this rule delivers to (the same queue in AWS too);
    that target's poller consumes it."""
    sqs_source: bool = False
    """True: in AWS the function consumes this queue itself (SQS event source mapping, the handler
    gets an SQS batch); False: the queue stands in for a rule -> Lambda target (the handler gets
    the EventBridge event)."""


@dataclass(frozen=True)
class LocalResources:
    prefix: str
    table_name: str
    stream_name: str
    stream_arn: str
    bus_name: str
    quarantine_queue_url: str
    sweeper_rule_arn: str
    targets: tuple[RuleTarget, ...] = field(default_factory=tuple)
    live_key_id: str = ""
    """The KMS HMAC key of live tickets (infra/live.py creates the same kind)."""
    user_pool_id: str = ""
    smoke_client_id: str = ""
    """The Cognito user pool with the stack's groups and its AdminInitiateAuth client
    (infra/web.py), as `callrecap smoke` uses them (moto's cognito-idp)."""

    @property
    def final_summary_queue_url(self) -> str:
        """The queue the summarizer consumes itself (CallEnded, stale requests) and puts a settling
        or throttled request back on (CALLRECAP_FINAL_SUMMARY_QUEUE_URL, as deployed)."""
        return next((t.queue_url for t in self.targets if t.name.endswith("-final-summary")), "")


WRAP_UP_SECONDS = 600
"""wrapUpMinutes' default (10) as the wrap-up queue's delay; tests pass a few seconds."""


def rule_targets(
    prefix: str,
    bus_name: str,
    final_summary_delay_seconds: int = FINAL_SUMMARY_DELAY_SECONDS,
    *,
    crm_send_on: CrmSendOn = CrmSendOn.FINAL,
    wrap_up_seconds: int = WRAP_UP_SECONDS,
) -> tuple[RuleTarget, ...]:
    """The rules of the pipeline stack, with the same patterns (contracts) and targets, for the
    deployment's crmSendOn (approval-or-timeout adds the wrap-up delay queue and its function)."""
    wrap_up = (
        (
            RuleTarget(
                f"{prefix}-wrap-up",
                bus_name,
                contracts.wrap_up_pattern(),
                Function.WRAP_UP,
                delay_seconds=wrap_up_seconds,
                sqs_source=True,
            ),
        )
        if crm_send_on is CrmSendOn.APPROVAL_OR_TIMEOUT
        else ()
    )
    return (
        RuleTarget(f"{prefix}-lifecycle", "default", contracts.chime_streaming_pattern(), Function.LIFECYCLE),
        RuleTarget(
            f"{prefix}-connect-agent", "default", contracts.connect_agent_pattern(), Function.LIFECYCLE
        ),
        RuleTarget(
            f"{prefix}-summarizer", bus_name, contracts.summary_requested_pattern(), Function.SUMMARIZER
        ),
        RuleTarget(
            f"{prefix}-final-summary",
            bus_name,
            contracts.call_ended_pattern(),
            Function.SUMMARIZER,
            delay_seconds=contracts.first_look_seconds(final_summary_delay_seconds),
            max_receives=contracts.FINAL_SUMMARY_MAX_RECEIVES,
            sqs_source=True,
        ),
        RuleTarget(
            f"{prefix}-stale-summary",
            bus_name,
            contracts.stale_summary_pattern(),
            Function.SUMMARIZER,
            queue_of=f"{prefix}-final-summary",
            sqs_source=True,
        ),
        RuleTarget(
            f"{prefix}-crm-hook",
            bus_name,
            contracts.crm_hook_pattern(send_on=crm_send_on.value),
            Function.CRM_HOOK_EXAMPLE,
        ),
        *wrap_up,
    )


def create_resources(
    clients: Any,
    prefix: str = "callrecap-local",
    *,
    final_summary_delay_seconds: int = FINAL_SUMMARY_DELAY_SECONDS,
    crm_send_on: CrmSendOn = CrmSendOn.FINAL,
    wrap_up_seconds: int = WRAP_UP_SECONDS,
) -> LocalResources:
    """Create everything in the (empty) moto server; `clients(service)` returns a boto3 client."""
    dynamodb, kinesis, events, sqs = (clients(s) for s in ("dynamodb", "kinesis", "events", "sqs"))

    table_name = f"{prefix}-table"
    create_table(dynamodb, table_name)  # the store's own definition: keys, GSIs, LSI, TTL

    stream_name = f"{prefix}-inbound"
    kinesis.create_stream(StreamName=stream_name, StreamModeDetails={"StreamMode": "ON_DEMAND"})
    stream_arn = _wait_stream_active(kinesis, stream_name)

    bus_name = f"{prefix}-bus"
    events.create_event_bus(Name=bus_name)

    quarantine_url = sqs.create_queue(QueueName=f"{prefix}-quarantine")["QueueUrl"]

    targets: list[RuleTarget] = []
    chosen = rule_targets(
        prefix,
        bus_name,
        final_summary_delay_seconds,
        crm_send_on=crm_send_on,
        wrap_up_seconds=wrap_up_seconds,
    )
    for target in chosen:
        if target.queue_of:  # a second rule into an existing queue
            shared = next(t for t in targets if t.name == target.queue_of)
            queue_url, dlq_url = shared.queue_url, shared.dlq_url
        else:
            dlq_url = sqs.create_queue(QueueName=f"{target.name}-dlq")["QueueUrl"]
            queue_url = sqs.create_queue(
                QueueName=target.name,
                Attributes={
                    "VisibilityTimeout": "30",
                    "DelaySeconds": str(target.delay_seconds),
                    "RedrivePolicy": json.dumps(
                        {
                            "deadLetterTargetArn": _queue_arn(sqs, dlq_url),
                            "maxReceiveCount": str(target.max_receives),
                        }
                    ),
                },
            )["QueueUrl"]
        events.put_rule(
            Name=target.name,
            EventBusName=target.bus,
            EventPattern=json.dumps(target.pattern),
            State="ENABLED",
        )
        events.put_targets(
            Rule=target.name,
            EventBusName=target.bus,
            Targets=[{"Id": target.function.value, "Arn": _queue_arn(sqs, queue_url)}],
        )
        targets.append(replace(target, queue_url=queue_url, dlq_url=dlq_url))

    sweeper_rule = events.put_rule(
        Name=f"{prefix}-sweeper", ScheduleExpression="rate(1 minute)", State="ENABLED"
    )["RuleArn"]
    live_key = clients("kms").create_key(
        KeySpec="HMAC_256", KeyUsage="GENERATE_VERIFY_MAC", Description=f"{prefix} live tickets"
    )["KeyMetadata"]["KeyId"]
    user_pool_id, smoke_client_id = _user_pool(clients("cognito-idp"), prefix)
    return LocalResources(
        user_pool_id=user_pool_id,
        smoke_client_id=smoke_client_id,
        prefix=prefix,
        table_name=table_name,
        stream_name=stream_name,
        stream_arn=stream_arn,
        bus_name=bus_name,
        quarantine_queue_url=quarantine_url,
        sweeper_rule_arn=sweeper_rule,
        targets=tuple(targets),
        live_key_id=live_key,
    )


def _user_pool(cognito: Any, prefix: str) -> tuple[str, str]:
    """A user pool with one group per role (domain.access.GROUP_ROLES) and the smoke-test client."""
    from callrecap.domain.calls.access import GROUP_ROLES

    pool_id = str(cognito.create_user_pool(PoolName=f"{prefix}-users")["UserPool"]["Id"])
    for group in GROUP_ROLES:
        cognito.create_group(UserPoolId=pool_id, GroupName=group)
    client = cognito.create_user_pool_client(
        UserPoolId=pool_id, ClientName=f"{prefix}-smoke", ExplicitAuthFlows=["ALLOW_ADMIN_USER_PASSWORD_AUTH"]
    )
    return pool_id, str(client["UserPoolClient"]["ClientId"])


def _wait_stream_active(kinesis: Any, stream_name: str) -> str:
    for _ in range(100):
        description = kinesis.describe_stream_summary(StreamName=stream_name)["StreamDescriptionSummary"]
        if description["StreamStatus"] == "ACTIVE":
            return str(description["StreamARN"])
        time.sleep(0.05)
    raise RuntimeError(f"kinesis stream {stream_name} did not become ACTIVE")


def _queue_arn(sqs: Any, queue_url: str) -> str:
    attributes = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])
    return str(attributes["Attributes"]["QueueArn"])
