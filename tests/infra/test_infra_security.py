"""Least privilege, encryption everywhere, cdk-nag clean, cfn-lint clean."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from infra_helpers import (
    actions_of,
    data_keys,
    function_id,
    function_role_id,
    resources,
    resources_of,
    role_statements,
)
from infra_synth import FALLBACK_MODEL, Synthesized

from callrecap.adapters.dynamo.schema import table_definition
from callrecap.contracts import TTL_ATTRIBUTE, Function
from callrecap.settings import EnvVar
from infra.summarizer_vpc import ENI_ACTIONS

CFN_LINT = str(Path(sys.executable).parent / "cfn-lint")

# Statements that must use Resource "*": the API has no resource type for these actions.
STAR_ALLOWED = {
    "transcribe:StartCallAnalyticsStreamTranscription",
    "transcribe:StartStreamTranscription",
    "cloudfront:CreateInvalidation",  # aws-cdk-lib BucketDeployment
    "cloudfront:GetInvalidation",
    # A summarizer placed in a VPC (alt): the ENI actions of AWSLambdaVPCAccessExecutionRole, which
    # Lambda checks on the role, with Resource "*" (DescribeNetworkInterfaces has no resource type).
    *ENI_ACTIONS,
}


def _all_statements(raw: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        statement
        for policy in resources(raw, "AWS::IAM::Policy").values()
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]


@pytest.mark.parametrize("variant", ["main_synth", "alt_synth"])
def test_no_star_resource_where_aws_offers_a_narrower_one(
    variant: str, request: pytest.FixtureRequest
) -> None:
    synth: Synthesized = request.getfixturevalue(variant)
    for statement in _all_statements(synth.raw):
        if "*" in resources_of(statement):
            assert set(actions_of(statement)) <= STAR_ALLOWED, statement


@pytest.mark.parametrize("variant", ["main_synth", "alt_synth"])
def test_no_wildcard_actions(variant: str, request: pytest.FixtureRequest) -> None:
    synth: Synthesized = request.getfixturevalue(variant)
    own = [
        s
        for f in Function
        if f not in (Function.CRM_HOOK_EXAMPLE, Function.WRAP_UP) or variant == "main_synth"
        for s in role_statements(synth.raw, function_role_id(synth.raw, f))
    ]
    assert own
    for statement in own:
        assert all("*" not in action for action in actions_of(statement)), statement


def test_table_access_names_the_table_and_each_index(main_synth: Synthesized) -> None:
    raw = main_synth.raw
    (table,) = resources(raw, "AWS::DynamoDB::Table")
    table_arn = {"Fn::GetAtt": [table, "Arn"]}
    schema = table_definition("x")
    indexes = [
        i["IndexName"] for i in schema["GlobalSecondaryIndexes"] + schema.get("LocalSecondaryIndexes", [])
    ]
    statements = role_statements(raw, function_role_id(raw, Function.INGEST))
    (dynamo,) = [
        s
        for s in statements
        if any(a.startswith("dynamodb:") for a in actions_of(s)) and len(resources_of(s)) > 1
    ]
    assert dynamo["Resource"][0] == table_arn
    assert sorted(r["Fn::Join"][1][1] for r in dynamo["Resource"][1:]) == sorted(
        f"/index/{n}" for n in indexes
    )
    assert "dynamodb:Scan" not in actions_of(dynamo)


def test_ingest_may_send_only_to_the_quarantine_queue(main_synth: Synthesized) -> None:
    raw = main_synth.raw
    (quarantine,) = [k for k in resources(raw, "AWS::SQS::Queue") if k.startswith("StorageQuarantine")]
    sends = [
        s
        for s in role_statements(raw, function_role_id(raw, Function.INGEST))
        if "sqs:SendMessage" in actions_of(s)
    ]
    resources_sent = [r for s in sends for r in resources_of(s)]
    assert {"Fn::GetAtt": [quarantine, "Arn"]} in resources_sent


def test_function_logs_go_only_to_their_own_log_group(main_synth: Synthesized) -> None:
    raw = main_synth.raw
    for function in Function:
        fn = raw["Resources"][function_id(raw, function)]["Properties"]
        group = fn["LoggingConfig"]["LogGroup"]["Ref"]
        logs = [
            s
            for s in role_statements(raw, fn["Role"]["Fn::GetAtt"][0])
            if "logs:PutLogEvents" in actions_of(s)
        ]
        assert [r for s in logs for r in resources_of(s)] == [{"Fn::GetAtt": [group, "Arn"]}]
        role = raw["Resources"][fn["Role"]["Fn::GetAtt"][0]]["Properties"]
        assert "ManagedPolicyArns" not in role


def test_bedrock_invoke_is_limited_to_the_configured_model_and_its_fallback(main_synth: Synthesized) -> None:
    raw = main_synth.raw
    statements = role_statements(raw, function_role_id(raw, Function.SUMMARIZER))
    (bedrock,) = [s for s in statements if "bedrock:InvokeModel" in actions_of(s)]
    assert resources_of(bedrock) == [
        {
            "Fn::Join": [
                "",
                ["arn:", {"Ref": "AWS::Partition"}, f":bedrock:us-west-2::foundation-model/{model}"],
            ]
        }
        for model in ("amazon.nova-lite-v1:0", FALLBACK_MODEL)
    ]
    env = raw["Resources"][function_id(raw, Function.SUMMARIZER)]["Properties"]["Environment"]["Variables"]
    assert env[EnvVar.LLM_FALLBACK.value] == f"bedrock:{FALLBACK_MODEL},extractive"
    assert env[EnvVar.BEDROCK_MODEL_ID.value] == "amazon.nova-lite-v1:0"


def test_data_at_rest_is_encrypted(main_synth: Synthesized) -> None:
    raw = main_synth.raw
    (key,) = data_keys(raw)
    assert raw["Resources"][key]["Properties"]["EnableKeyRotation"] is True
    key_arn = {"Fn::GetAtt": [key, "Arn"]}
    (table,) = resources(raw, "AWS::DynamoDB::Table").values()
    assert table["Properties"]["SSESpecification"] == {
        "KMSMasterKeyId": key_arn,
        "SSEEnabled": True,
        "SSEType": "KMS",
    }
    (stream,) = resources(raw, "AWS::Kinesis::Stream").values()
    assert stream["Properties"]["StreamEncryption"] == {"EncryptionType": "KMS", "KeyId": key_arn}
    for name, queue in resources(raw, "AWS::SQS::Queue").items():
        props = queue["Properties"]
        assert props.get("KmsMasterKeyId") or props.get("SqsManagedSseEnabled"), name
        assert props["MessageRetentionPeriod"] == 14 * 24 * 3600, name
    for name, bucket in resources(raw, "AWS::S3::Bucket").items():
        assert bucket["Properties"]["BucketEncryption"], name
        assert bucket["Properties"]["PublicAccessBlockConfiguration"] == {
            "BlockPublicAcls": True,
            "BlockPublicPolicy": True,
            "IgnorePublicAcls": True,
            "RestrictPublicBuckets": True,
        }, name
    for topic in resources(raw, "AWS::SNS::Topic").values():
        assert topic["Properties"]["KmsMasterKeyId"]


def test_queues_and_buckets_refuse_plain_http(main_synth: Synthesized) -> None:
    raw = main_synth.raw

    def denies_insecure(policy: dict[str, Any]) -> bool:
        return any(
            s["Effect"] == "Deny"
            and s.get("Condition", {}).get("Bool", {}).get("aws:SecureTransport") == "false"
            for s in policy["PolicyDocument"]["Statement"]
        )

    bucket_policies = {
        p["Properties"]["Bucket"]["Ref"]: p["Properties"]
        for p in resources(raw, "AWS::S3::BucketPolicy").values()
    }
    for bucket in resources(raw, "AWS::S3::Bucket"):
        assert denies_insecure(bucket_policies[bucket]), bucket
    queue_policies: dict[str, dict[str, Any]] = {}
    for policy in resources(raw, "AWS::SQS::QueuePolicy").values():
        for queue in policy["Properties"]["Queues"]:
            queue_policies.setdefault(queue["Ref"], {"PolicyDocument": {"Statement": []}})
            queue_policies[queue["Ref"]]["PolicyDocument"]["Statement"] += policy["Properties"][
                "PolicyDocument"
            ]["Statement"]
    for queue in resources(raw, "AWS::SQS::Queue"):
        assert denies_insecure(queue_policies[queue]), queue


def test_table_is_on_demand_with_pitr_ttl_and_the_store_indexes(main_synth: Synthesized) -> None:
    (table,) = resources(main_synth.raw, "AWS::DynamoDB::Table").values()
    props = table["Properties"]
    schema = table_definition("x")
    assert props["BillingMode"] == "PAY_PER_REQUEST"
    assert props["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    assert props["TimeToLiveSpecification"] == {"AttributeName": TTL_ATTRIBUTE, "Enabled": True}
    assert props["KeySchema"] == schema["KeySchema"]
    assert sorted(props["AttributeDefinitions"], key=str) == sorted(schema["AttributeDefinitions"], key=str)

    def shape(indexes: list[dict[str, Any]]) -> list[tuple[str, Any, Any]]:
        return sorted((i["IndexName"], i["KeySchema"], i["Projection"]) for i in indexes)

    assert shape(props["GlobalSecondaryIndexes"]) == shape(schema["GlobalSecondaryIndexes"])
    assert shape(props.get("LocalSecondaryIndexes", [])) == shape(schema.get("LocalSecondaryIndexes", []))
    assert table["DeletionPolicy"] == "Retain"


def test_prompt_bucket_is_versioned(main_synth: Synthesized) -> None:
    (bucket,) = [
        v
        for k, v in resources(main_synth.raw, "AWS::S3::Bucket").items()
        if k.startswith("StoragePromptOverrides")
    ]
    assert bucket["Properties"]["VersioningConfiguration"] == {"Status": "Enabled"}


@pytest.mark.parametrize("variant", ["main_synth", "alt_synth"])
def test_every_nag_acknowledgement_is_on_one_resource_with_its_own_reason(
    variant: str, request: pytest.FixtureRequest
) -> None:
    """Synth already proved there is no unacknowledged finding (cdk-nag raises in app.synth())."""
    synth: Synthesized = request.getfixturevalue(variant)
    assert synth.acknowledgements
    for path, rule, reason in synth.acknowledgements:
        assert rule.startswith("AwsSolutions::AwsSolutions-"), rule
        assert path.count("/") >= 1, f"{rule} acknowledged stack-wide"
        assert reason.startswith(path.rsplit("/", 1)[1]), (
            f"{path}: the reason must name its resource: {reason}"
        )
        assert len(reason) > 60, reason


@pytest.mark.parametrize("variant", ["main_synth", "alt_synth"])
def test_cfn_lint_reports_no_errors(variant: str, request: pytest.FixtureRequest) -> None:
    synth: Synthesized = request.getfixturevalue(variant)
    result = subprocess.run(
        [CFN_LINT, "--ignore-checks", "W", "I", "--", str(synth.template_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
