"""The summarizer in the customer's VPC (alt variant): its VpcConfig, the ENI grant Lambda needs
before the function exists, and the endpoints it calls through; the context checks at synth."""

from __future__ import annotations

from typing import Any

import pytest
from infra_helpers import function_id, resources
from infra_synth import ALT_CONTEXT, Synthesized

from callrecap.contracts import Function
from infra.config import ConfigError, parse_config

VPC = {k: v for k, v in ALT_CONTEXT.items() if k.startswith("summarizer") and k != "summarizerLambdaArn"}


def test_only_the_summarizer_is_placed_in_the_vpc(alt_synth: Synthesized) -> None:
    functions = resources(alt_synth.raw, "AWS::Lambda::Function")
    placed = [k for k, v in functions.items() if "VpcConfig" in v["Properties"]]
    assert placed == [function_id(alt_synth.raw, Function.SUMMARIZER)]
    assert functions[placed[0]]["Properties"]["VpcConfig"] == {
        "SubnetIds": list(VPC["summarizerSubnetIds"]),
        "SecurityGroupIds": [VPC["summarizerSecurityGroupIds"]],
    }


def test_the_eni_grant_exists_before_the_function(alt_synth: Synthesized) -> None:
    raw = alt_synth.raw
    summarizer = raw["Resources"][function_id(raw, Function.SUMMARIZER)]
    (policy_id,) = [
        k
        for k, v in resources(raw, "AWS::IAM::Policy").items()
        if "ec2:CreateNetworkInterface" in str(v["Properties"]["PolicyDocument"])
    ]
    assert policy_id in summarizer["DependsOn"]


def service_of(endpoint: dict[str, Any]) -> str:
    """`dynamodb` of com.amazonaws.<region>.dynamodb (the region is a token: an Fn::Join)."""
    name = endpoint["Properties"]["ServiceName"]
    last = name["Fn::Join"][1][-1] if isinstance(name, dict) else name
    return str(last).rsplit(".", 1)[-1]


def test_the_endpoints_the_summarizer_calls_are_created(alt_synth: Synthesized) -> None:
    raw = alt_synth.raw
    endpoints = {service_of(e): e["Properties"] for e in resources(raw, "AWS::EC2::VPCEndpoint").values()}
    # alt's provider is a summarizer Lambda: no Bedrock, no Secrets Manager endpoint
    assert set(endpoints) == {"dynamodb", "s3", "events", "sqs", "lambda"}
    for service in ("dynamodb", "s3"):
        assert endpoints[service]["VpcEndpointType"] == "Gateway"
        assert endpoints[service]["RouteTableIds"] == VPC["summarizerRouteTableIds"]
    for service in ("events", "sqs", "lambda"):
        assert endpoints[service]["VpcEndpointType"] == "Interface"
        assert endpoints[service]["PrivateDnsEnabled"] is True
        assert endpoints[service]["SubnetIds"] == VPC["summarizerSubnetIds"]
    (group,) = resources(raw, "AWS::EC2::SecurityGroup").values()
    (ingress,) = group["Properties"]["SecurityGroupIngress"]
    assert (ingress["FromPort"], ingress["SourceSecurityGroupId"]) == (443, VPC["summarizerSecurityGroupIds"])


def test_http_only_to_a_private_address_inside_the_vpc() -> None:
    model = {"llmProvider": "openai", "openaiModel": "llama3.1"}
    in_vpc = {**model, **VPC}
    assert parse_config({**in_vpc, "openaiBaseUrl": "http://10.0.1.5:8000/v1"}).summarizer_in_vpc
    assert parse_config({**in_vpc, "openaiBaseUrl": "http://llm.models.internal:8000/v1"})
    with pytest.raises(ConfigError, match="only to a private address"):
        parse_config({**in_vpc, "openaiBaseUrl": "http://54.1.2.3:8000/v1"})
    with pytest.raises(
        ConfigError, match="allowed only to a private address with the summarizer in your VPC"
    ):
        parse_config({**model, "openaiBaseUrl": "http://10.0.1.5:8000/v1"})
    assert parse_config({**model, "openaiBaseUrl": "https://models.example.com/v1"})


@pytest.mark.parametrize(
    ("context", "message"),
    [
        ({"summarizerVpcId": "vpc-0a1b2c3d4e5f60718"}, "needs summarizerSubnetIds"),
        ({**VPC, "summarizerSubnetIds": "subnet-nope"}, "'subnet-nope' is not a subnet id"),
        ({**VPC, "summarizerSecurityGroupIds": "default"}, "'default' is not a security group id"),
        ({**VPC, "summarizerRouteTableIds": ""}, "gateway endpoints need the subnets' route tables"),
        ({"summarizerRouteTableIds": "rtb-0a1b2c3d4e5f60004"}, "needs the summarizer's VPC"),
    ],
)
def test_vpc_placement_is_checked_at_synth(context: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_config(context)


def test_existing_endpoints_can_be_used_instead() -> None:
    config = parse_config({**VPC, "summarizerRouteTableIds": "", "summarizerVpcEndpoints": False})
    assert config.summarizer_in_vpc and not config.summarizer_vpc_endpoints
