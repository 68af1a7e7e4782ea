"""Explicit IAM statements where the L2 `grant_*` helpers would add wildcards.

`Table.grant_read_write_data` adds `index/*`, `kms:ReEncrypt*` and `kms:GenerateDataKey*`;
cdk-nag (rightly) flags those. These helpers name each index and each KMS action instead.
"""

from __future__ import annotations

from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3

from callrecap.adapters.dynamo.schema import table_definition

OPERATION_ACTIONS: dict[tuple[str, str], tuple[str, ...]] = {
    # (boto3 service, operation the adapters call): the IAM actions it needs.
    ("dynamodb", "get_item"): ("dynamodb:GetItem",),
    ("dynamodb", "batch_get_item"): ("dynamodb:BatchGetItem",),
    ("dynamodb", "query"): ("dynamodb:Query",),
    ("dynamodb", "put_item"): ("dynamodb:PutItem",),
    ("dynamodb", "update_item"): ("dynamodb:UpdateItem",),
    ("dynamodb", "delete_item"): ("dynamodb:DeleteItem",),  # ingest forgets a closed page's watcher
    # A transaction is authorized per item action (the store's transactions hold Put and Update;
    # a ConditionCheck item would need dynamodb:ConditionCheckItem).
    ("dynamodb", "transact_write_items"): ("dynamodb:PutItem", "dynamodb:UpdateItem"),
    ("dynamodb", "batch_write_item"): ("dynamodb:BatchWriteItem",),  # the call_data function's deletes
    ("events", "put_events"): ("events:PutEvents",),
    ("sqs", "send_message"): ("sqs:SendMessage",),
    ("s3", "list_objects_v2"): ("s3:ListBucket",),
    ("s3", "get_object"): ("s3:GetObject",),
    ("bedrock-runtime", "converse"): ("bedrock:InvokeModel",),
    ("comprehend", "detect_pii_entities"): ("comprehend:DetectPiiEntities",),
    ("lambda", "invoke"): ("lambda:InvokeFunction",),
    ("secretsmanager", "get_secret_value"): ("secretsmanager:GetSecretValue",),
    ("kms", "generate_mac"): ("kms:GenerateMac",),  # live tickets: the api function signs
    ("kms", "verify_mac"): ("kms:VerifyMac",),  # ... the live_connect function verifies
    ("apigatewaymanagementapi", "post_to_connection"): ("execute-api:ManageConnections",),
}
"""The one list of what each AWS call made by lambdas/callrecap/adapters costs in IAM.

tests/infra reads the adapters' calls from their source and checks that each is listed here and
that every function's role grants what its handler's adapters call, and nothing more.
"""
LOCAL_ONLY_OPERATIONS = frozenset({("dynamodb", "create_table"), ("dynamodb", "update_time_to_live")})
"""adapters.dynamo.schema's helpers that create the table for the local stack and tests, never in a Lambda."""

TABLE_READ_ACTIONS = ("dynamodb:GetItem", "dynamodb:Query")
TABLE_BATCH_READ_ACTIONS = ("dynamodb:BatchGetItem",)
"""Call records read many at a time (adapters/dynamo/call_batches.py): ingest, sweeper, API."""
TABLE_WRITE_ACTIONS = ("dynamodb:PutItem", "dynamodb:UpdateItem")
KMS_DECRYPT = ("kms:Decrypt", "kms:DescribeKey")
KMS_ENCRYPT = ("kms:Encrypt", "kms:GenerateDataKey")


def index_names() -> list[str]:
    schema = table_definition("unused")
    return [
        index["IndexName"]
        for kind in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes")
        for index in schema.get(kind, [])
    ]


def grant_table(
    grantee: iam.IGrantable, table: dynamodb.ITable, key: kms.IKey, *, write: bool, batch_read: bool = True
) -> None:
    """Item-level access to the table and each of its indexes by name, plus the table key
    (`batch_read=False` for a function that does not use the transcript store)."""
    resources = [table.table_arn, *(f"{table.table_arn}/index/{name}" for name in index_names())]
    actions = [
        *TABLE_READ_ACTIONS,
        *(TABLE_BATCH_READ_ACTIONS if batch_read else ()),
        *(TABLE_WRITE_ACTIONS if write else ()),
    ]
    grantee.grant_principal.add_to_principal_policy(iam.PolicyStatement(actions=actions, resources=resources))
    grant_key(grantee, key, encrypt=write)


def grant_call_data(grantee: iam.IGrantable, table: dynamodb.ITable, key: kms.IKey) -> None:
    """One call's items: read them (export), BatchWriteItem to delete them; the table only, no index."""
    actions = [*TABLE_READ_ACTIONS, "dynamodb:BatchWriteItem"]
    grantee.grant_principal.add_to_principal_policy(
        iam.PolicyStatement(actions=actions, resources=[table.table_arn])
    )
    grant_key(grantee, key, encrypt=False)


def grant_approvals(grantee: iam.IGrantable, table: dynamodb.ITable, key: kms.IKey) -> None:
    """Read a call and its summaries; write an approved version and the call's approval marker in
    one TransactWriteItems (which needs PutItem and UpdateItem on the table: DynamoDB's API
    permissions reference); the table only, no index."""
    grantee.grant_principal.add_to_principal_policy(
        iam.PolicyStatement(
            actions=[*TABLE_READ_ACTIONS, *TABLE_BATCH_READ_ACTIONS, *TABLE_WRITE_ACTIONS],
            resources=[table.table_arn],
        )
    )
    grant_key(grantee, key, encrypt=True)


def grant_wrap_up(grantee: iam.IGrantable, table: dynamodb.ITable, key: kms.IKey) -> None:
    """Read a summary version; UpdateItem the call record's release marker; the table only."""
    grantee.grant_principal.add_to_principal_policy(
        iam.PolicyStatement(actions=[*TABLE_READ_ACTIONS, "dynamodb:UpdateItem"], resources=[table.table_arn])
    )
    grant_key(grantee, key, encrypt=True)


def grant_key(grantee: iam.IGrantable, key: kms.IKey, *, encrypt: bool) -> None:
    actions = [*KMS_DECRYPT, *(KMS_ENCRYPT if encrypt else ())]
    grantee.grant_principal.add_to_principal_policy(
        iam.PolicyStatement(actions=actions, resources=[key.key_arn])
    )


def grant_prompt_read(grantee: iam.IGrantable, bucket: s3.IBucket, key: kms.IKey, prefix: str) -> None:
    """Read prompt overrides under `prefix` only."""
    grantee.grant_principal.add_to_principal_policy(
        iam.PolicyStatement(actions=["s3:GetObject"], resources=[bucket.arn_for_objects(f"{prefix}*")])
    )
    grantee.grant_principal.add_to_principal_policy(
        iam.PolicyStatement(
            actions=["s3:ListBucket"],
            resources=[bucket.bucket_arn],
            conditions={"StringLike": {"s3:prefix": [f"{prefix}*"]}},
        )
    )
    grant_key(grantee, key, encrypt=False)


def grant_table_items(
    grantee: iam.IGrantable, table: dynamodb.ITable, key: kms.IKey, actions: list[str], *, encrypt: bool
) -> None:
    """Exactly `actions` on the table's items (no index): the live-updates watcher items."""
    grantee.grant_principal.add_to_principal_policy(
        iam.PolicyStatement(actions=actions, resources=[table.table_arn])
    )
    grant_key(grantee, key, encrypt=encrypt)
