"""cdk-nag acknowledgements: one place that says which rule is waived on which construct and why."""

from __future__ import annotations

import aws_cdk as cdk
from constructs import IConstruct

PLUGIN = "AwsSolutions"
"""cdk-nag 3 names findings `<plugin>::<rule>[finding]`."""


def acknowledge(construct: IConstruct, rule_id: str, reason: str) -> None:
    """Acknowledge one AwsSolutions finding on `construct` (and its children) with a specific reason."""
    cdk.Validations.of(construct).acknowledge(cdk.Acknowledgment(id=f"{PLUGIN}::{rule_id}", reason=reason))


# Stack-level singletons that aws-cdk-lib adds for BucketDeployment and AwsCustomResource.
CDK_HELPER_PREFIXES = ("Custom::CDKBucketDeployment", "AWS679f53fac002430cb0da5b7982bd2287")
BASIC_EXECUTION_ROLE = "Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"


def acknowledge_cdk_helpers(stack: cdk.Stack) -> list[IConstruct]:
    """Acknowledge, on each aws-cdk-lib helper function only, the findings the stack cannot change."""
    helpers = [c for c in stack.node.children if c.node.id.startswith(CDK_HELPER_PREFIXES)]
    for helper in helpers:
        kind = "BucketDeployment" if helper.node.id.startswith("Custom::") else "AwsCustomResource"
        acknowledge(
            helper,
            f"AwsSolutions-IAM4[{BASIC_EXECUTION_ROLE}]",
            f"{helper.node.id}: the {kind} provider function's role is created by aws-cdk-lib with "
            "AWSLambdaBasicExecutionRole (its own logs only); it runs only during deployments.",
        )
        acknowledge(
            helper,
            "AwsSolutions-L1",
            f"{helper.node.id}: the {kind} provider function's runtime is pinned by aws-cdk-lib; it runs "
            "only during deployments.",
        )
    return helpers
