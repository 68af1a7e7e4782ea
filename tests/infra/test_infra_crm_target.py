"""crmTarget webhook at synth: the CRM hook gets the target's settings, may read that one secret
and nothing else of Secrets Manager, cdk-nag stays clean (synth raises otherwise), and bad
settings stop the synth."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from infra_helpers import function_id, resources
from infra_synth import CONNECT_CONTEXT, Synthesized, synthesize

from callrecap.contracts import Function
from callrecap.settings import EnvVar

SECRET_ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:crm-webhook-AbCdEf"
URL = "https://crm.example.com/hooks/callrecap"


@pytest.fixture(scope="module")
def webhook_synth(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    context = {
        **CONNECT_CONTEXT,
        "crmTarget": "webhook",
        "crmWebhookUrl": URL,
        "crmWebhookSecretArn": SECRET_ARN,
    }
    return synthesize(context, Path(tmp_path_factory.mktemp("cdk-webhook")))


def statements_of(raw: dict[str, Any], function: Function) -> list[dict[str, Any]]:
    role = raw["Resources"][function_id(raw, function)]["Properties"]["Role"]["Fn::GetAtt"][0]
    return [
        statement
        for policy in resources(raw, "AWS::IAM::Policy").values()
        if {"Ref": role} in policy["Properties"]["Roles"]
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]


def test_the_crm_hook_is_configured_and_may_read_the_one_secret(webhook_synth: Synthesized) -> None:
    raw = webhook_synth.raw
    hook = raw["Resources"][function_id(raw, Function.CRM_HOOK_EXAMPLE)]["Properties"]
    env = hook["Environment"]["Variables"]
    assert env[EnvVar.CRM_TARGET.value] == "webhook"
    assert (env[EnvVar.CRM_WEBHOOK_URL.value], env[EnvVar.CRM_WEBHOOK_SECRET_ARN.value]) == (URL, SECRET_ARN)
    secret_reads = [
        s for s in statements_of(raw, Function.CRM_HOOK_EXAMPLE) if "secretsmanager" in str(s["Action"])
    ]
    assert secret_reads == [
        {"Action": "secretsmanager:GetSecretValue", "Effect": "Allow", "Resource": SECRET_ARN}
    ]
    for function in Function:  # nobody else reads secrets in this variant
        if function in (Function.CRM_HOOK_EXAMPLE, Function.WRAP_UP, Function.LIFECYCLE):
            continue
        assert "secretsmanager" not in str(statements_of(raw, function)), function


@pytest.mark.parametrize(
    ("context", "problem"),
    [
        (
            {"crmTarget": "webhook", "crmWebhookSecretArn": SECRET_ARN},
            "crmWebhookUrl must be an https:// URL",
        ),
        (
            {
                "crmTarget": "webhook",
                "crmWebhookUrl": "http://crm.example.com",
                "crmWebhookSecretArn": SECRET_ARN,
            },
            "https://",
        ),
        (
            {"crmTarget": "webhook", "crmWebhookUrl": URL},
            "crmWebhookSecretArn must be a Secrets Manager secret ARN",
        ),
        (
            {
                "crmTarget": "webhook",
                "crmWebhookUrl": URL,
                "crmWebhookSecretArn": SECRET_ARN,
                "crmHookArn": "arn:aws:lambda:us-east-1:123456789012:function:mine",
            },
            "exclude each other",
        ),
        ({"crmWebhookUrl": URL}, "crmWebhookUrl applies to crmTarget webhook"),
        ({"crmTarget": "salesforce"}, "crmTarget"),
    ],
)
def test_bad_target_settings_stop_the_synth(context: dict[str, Any], problem: str) -> None:
    from infra.config import ConfigError, parse_config

    with pytest.raises(ConfigError, match=problem):
        parse_config(context)
