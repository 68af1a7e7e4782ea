"""Storage: the data key, the single DynamoDB table, the quarantine queue, the prompt-override bucket.

The table's keys and indexes come from `adapters.dynamo.schema.table_definition`, the same
definition the local stack and the integration tests create, so the deployed schema cannot drift
from what the store queries.
"""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from callrecap import contracts
from callrecap.adapters.dynamo.schema import table_definition
from infra.nag import acknowledge

RETENTION_14_DAYS = cdk.Duration.days(14)


def _attribute(definitions: list[dict[str, str]], name: str) -> dynamodb.Attribute:
    types = {d["AttributeName"]: d["AttributeType"] for d in definitions}
    kind = {"S": dynamodb.AttributeType.STRING, "N": dynamodb.AttributeType.NUMBER}[types[name]]
    return dynamodb.Attribute(name=name, type=kind)


def _key(schema: list[dict[str, str]], key_type: str) -> str:
    return next(k["AttributeName"] for k in schema if k["KeyType"] == key_type)


def parked_queue(scope: Construct, construct_id: str, *, purpose: str) -> sqs.Queue:
    """A dead-letter style queue: SSE-SQS (EventBridge and Lambda can write to it without a key
    policy), TLS only, 14 days of retention so a long weekend loses nothing."""
    queue = sqs.Queue(
        scope,
        construct_id,
        encryption=sqs.QueueEncryption.SQS_MANAGED,
        enforce_ssl=True,
        retention_period=RETENTION_14_DAYS,
    )
    acknowledge(
        queue,
        "AwsSolutions-SQS3",
        f"{construct_id} is itself the dead-letter destination of {purpose}; messages are inspected "
        "and redriven by an operator, so it has no DLQ of its own.",
    )
    return queue


class Storage(Construct):
    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)

        self.key = kms.Key(
            self,
            "DataKey",
            description="callrecap: transcripts, summaries, the ingest stream and prompt overrides",
            enable_key_rotation=True,
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )

        self.table = self._table()

        self.quarantine = sqs.Queue(
            self,
            "Quarantine",
            encryption=sqs.QueueEncryption.KMS,
            encryption_master_key=self.key,
            enforce_ssl=True,
            retention_period=RETENTION_14_DAYS,
        )
        acknowledge(
            self.quarantine,
            "AwsSolutions-SQS3",
            "Quarantine holds malformed Kinesis records for a person to inspect; nothing consumes it, "
            "so a dead-letter queue behind it would never receive anything.",
        )

        self.access_logs = s3.Bucket(
            self,
            "AccessLogs",
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            # CloudFront standard logging writes with ACLs, so the log bucket keeps object-writer ownership.
            object_ownership=s3.ObjectOwnership.OBJECT_WRITER,
            lifecycle_rules=[s3.LifecycleRule(expiration=cdk.Duration.days(365))],
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        acknowledge(
            self.access_logs,
            "AwsSolutions-S1",
            "AccessLogs is the destination of the other buckets' and CloudFront's access logs; logging "
            "it into itself would loop.",
        )

        self.prompt_bucket = s3.Bucket(
            self,
            "PromptOverrides",
            versioned=True,
            encryption=s3.BucketEncryption.KMS,
            encryption_key=self.key,
            bucket_key_enabled=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            server_access_logs_bucket=self.access_logs,
            server_access_logs_prefix="prompt-overrides/",
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )

    def _table(self) -> dynamodb.Table:
        schema: dict[str, Any] = table_definition("unused")
        attrs = schema["AttributeDefinitions"]
        table = dynamodb.Table(
            self,
            "Table",
            partition_key=_attribute(attrs, contracts.PK),
            sort_key=_attribute(attrs, contracts.SK),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            encryption=dynamodb.TableEncryption.CUSTOMER_MANAGED,
            encryption_key=self.key,
            # Items without expiresAt (ttlDays 0) never expire, so TTL can always be on.
            time_to_live_attribute=contracts.TTL_ATTRIBUTE,
            deletion_protection=True,
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        for index in schema.get("GlobalSecondaryIndexes", []):
            key_schema = index["KeySchema"]
            table.add_global_secondary_index(
                index_name=index["IndexName"],
                partition_key=_attribute(attrs, _key(key_schema, "HASH")),
                sort_key=_attribute(attrs, _key(key_schema, "RANGE")),
                projection_type=dynamodb.ProjectionType(index["Projection"]["ProjectionType"]),
            )
        for index in schema.get("LocalSecondaryIndexes", []):
            table.add_local_secondary_index(
                index_name=index["IndexName"],
                sort_key=_attribute(attrs, _key(index["KeySchema"], "RANGE")),
                projection_type=dynamodb.ProjectionType(index["Projection"]["ProjectionType"]),
            )
        return table
