"""The summarizer inside the customer's VPC, for a self-hosted model there (vLLM, TGI, Ollama on
an instance or EKS): its ENIs in the given subnets with the given security groups, and the VPC
endpoints it then needs, since those subnets may have no route to the internet.

Only the summarizer moves: it is the one function that sends the transcript to the model. What it
calls from inside the VPC, and so the endpoints created (`summarizerVpcEndpoints`, on by default):
DynamoDB and S3 (gateway endpoints on the subnets' route tables: the table, the prompt overrides),
EventBridge (CallSummarized), SQS (putting a final back on its queue), and per provider of the
chain Bedrock Runtime, Lambda (a summarizer Lambda) or Secrets Manager (the OpenAI key). Interface
endpoints get a security group of their own that admits HTTPS from the summarizer's groups only.
Imported by id (no `Vpc.from_lookup`): synth needs no AWS credentials, as everywhere in this app.
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from callrecap.settings import Provider
from infra.config import DeployConfig
from infra.nag import acknowledge

ENI_ACTIONS = [
    "ec2:CreateNetworkInterface",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DeleteNetworkInterface",
    "ec2:AssignPrivateIpAddresses",
    "ec2:UnassignPrivateIpAddresses",
]
"""What Lambda needs of the function's role to attach it to the subnets (the managed
AWSLambdaVPCAccessExecutionRole, inline here like every other grant of this app)."""

GATEWAY_SERVICES = ("dynamodb", "s3")


def interface_services(providers: list[Provider], config: DeployConfig) -> list[str]:
    """The interface endpoints the summarizer calls through, for its provider chain."""
    services = ["events", "sqs"]
    if Provider.BEDROCK in providers:
        services.append("bedrock-runtime")
    if Provider.LAMBDA in providers:
        services.append("lambda")
    if Provider.OPENAI in providers and config.openai_api_key_secret_arn:
        services.append("secretsmanager")
    return services


def place_in_vpc(
    scope: Construct, fn: lambda_.Function, config: DeployConfig, providers: list[Provider]
) -> None:
    """Attach `fn` to the configured subnets and create the endpoints it needs."""
    role = fn.role
    assert role is not None
    policy = iam.Policy(
        scope,
        "SummarizerVpcAccess",
        statements=[iam.PolicyStatement(actions=ENI_ACTIONS, resources=["*"])],
    )
    policy.attach_to_role(role)
    acknowledge(
        policy,
        "AwsSolutions-IAM5[Resource::*]",
        "SummarizerVpcAccess: Lambda creates and deletes the function's network interfaces in the "
        "configured subnets; EC2's ENI actions take no resource ARN known at deploy time "
        "(AWSLambdaVPCAccessExecutionRole grants the same on *).",
    )
    cfn = fn.node.default_child
    assert isinstance(cfn, lambda_.CfnFunction)
    cfn.vpc_config = lambda_.CfnFunction.VpcConfigProperty(
        subnet_ids=list(config.subnet_ids), security_group_ids=list(config.security_group_ids)
    )
    # Lambda checks the ENI permissions when it creates the function: the policy must exist first.
    cfn.node.add_dependency(policy)
    if config.summarizer_vpc_endpoints:
        _endpoints(scope, config, interface_services(providers, config))


def _endpoints(scope: Construct, config: DeployConfig, services: list[str]) -> None:
    region = cdk.Stack.of(scope).region
    group = ec2.CfnSecurityGroup(
        scope,
        "SummarizerEndpointsSg",
        group_description="callrecap: HTTPS from the summarizer to its VPC endpoints",
        vpc_id=config.summarizer_vpc_id,
        security_group_ingress=[
            ec2.CfnSecurityGroup.IngressProperty(
                ip_protocol="tcp",
                from_port=443,
                to_port=443,
                source_security_group_id=source,
                description="the summarizer",
            )
            for source in config.security_group_ids
        ],
    )
    for service in GATEWAY_SERVICES:
        ec2.CfnVPCEndpoint(
            scope,
            f"SummarizerEndpoint{_logical(service)}",
            vpc_id=config.summarizer_vpc_id,
            service_name=f"com.amazonaws.{region}.{service}",
            vpc_endpoint_type="Gateway",
            route_table_ids=list(config.route_table_ids),
        )
    for service in services:
        ec2.CfnVPCEndpoint(
            scope,
            f"SummarizerEndpoint{_logical(service)}",
            vpc_id=config.summarizer_vpc_id,
            service_name=f"com.amazonaws.{region}.{service}",
            vpc_endpoint_type="Interface",
            subnet_ids=list(config.subnet_ids),
            security_group_ids=[group.attr_group_id],
            private_dns_enabled=True,
        )


def _logical(service: str) -> str:
    return "".join(part.capitalize() for part in service.split("-"))
