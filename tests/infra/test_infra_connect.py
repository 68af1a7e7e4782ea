"""Amazon Connect as a source: the stream associated as the instance's real-time voice segment
stream, the key usable by Connect's service-linked role, the agent rule, and the call-identity
rule resolved for a stream without a Voice Connector of the stack's own."""

from __future__ import annotations

import json

from infra_helpers import data_keys, function_id, http_api_resources
from infra_synth import CONNECT_INSTANCE_ARN, Synthesized

from callrecap import contracts
from callrecap.contracts import Function
from callrecap.settings import EnvVar


def test_the_stream_is_the_instances_real_time_voice_segment_stream(connect_synth: Synthesized) -> None:
    (config,) = connect_synth.resources("AWS::Connect::InstanceStorageConfig").values()
    props = config["Properties"]
    assert props["InstanceArn"] == CONNECT_INSTANCE_ARN
    assert (props["ResourceType"], props["StorageType"]) == (
        "REAL_TIME_CONTACT_ANALYSIS_VOICE_SEGMENTS",
        "KINESIS_STREAM",
    )
    (stream_id,) = connect_synth.resources("AWS::Kinesis::Stream")
    assert props["KinesisStreamConfig"]["StreamArn"] == {"Fn::GetAtt": [stream_id, "Arn"]}


def test_connects_service_linked_role_may_encrypt_records_through_kinesis_only(
    connect_synth: Synthesized,
) -> None:
    (key,) = data_keys(connect_synth.raw).values()
    statements = key["Properties"]["KeyPolicy"]["Statement"]
    (grant,) = [s for s in statements if s.get("Sid") == "ConnectServiceLinkedRoleWritesTheStream"]
    assert grant["Action"] == "kms:GenerateDataKey"
    text = json.dumps(grant["Condition"])
    assert "AWSServiceRoleForAmazonConnect_*" in text and "aws-service-role/connect.amazonaws.com" in text
    assert "kinesis." in json.dumps(grant["Condition"]["StringEquals"]["kms:ViaService"])


def test_the_agent_rule_targets_the_lifecycle_function(connect_synth: Synthesized) -> None:
    rules = connect_synth.resources("AWS::Events::Rule")
    patterns = [r["Properties"].get("EventPattern") for r in rules.values()]
    assert contracts.connect_agent_pattern([CONNECT_INSTANCE_ARN]) in patterns
    assert not any(p and p.get("source") == [contracts.CHIME_SOURCE] for p in patterns)  # no VC here
    function_id(connect_synth.raw, Function.LIFECYCLE)  # exists


def ingest_env(synth: Synthesized) -> dict[str, str]:
    fn = synth.raw["Resources"][function_id(synth.raw, Function.INGEST)]
    return fn["Properties"]["Environment"]["Variables"]


def test_chime_records_are_keyed_by_call_id_without_a_voice_connector_of_the_stacks_own(
    connect_synth: Synthesized, main_synth: Synthesized
) -> None:
    assert ingest_env(connect_synth)[EnvVar.CHIME_CALL_KEY.value] == "callId"
    assert ingest_env(main_synth)[EnvVar.CHIME_CALL_KEY.value] == "transactionId"


def test_without_an_instance_nothing_of_connect_is_deployed(main_synth: Synthesized) -> None:
    assert main_synth.resources("AWS::Connect::InstanceStorageConfig") == {}


def test_the_stack_creates_one_cognito_group_per_role(main_synth: Synthesized) -> None:
    from callrecap.domain.calls.access import GROUP_ROLES

    groups = {
        g["Properties"]["GroupName"] for g in main_synth.resources("AWS::Cognito::UserPoolGroup").values()
    }
    assert groups == set(GROUP_ROLES)


def test_the_api_knows_the_identity_claim_and_who_sees_unassigned_calls(main_synth: Synthesized) -> None:
    fn = main_synth.raw["Resources"][function_id(main_synth.raw, Function.API)]
    env = fn["Properties"]["Environment"]["Variables"]
    assert env[EnvVar.AGENT_IDENTITY_CLAIM.value] == "username"
    assert env[EnvVar.UNASSIGNED_CALLS_VISIBLE_TO.value] == "supervisors"


def test_every_api_route_still_carries_the_jwt_authorizer(main_synth: Synthesized) -> None:
    routes = http_api_resources(main_synth.raw, "AWS::ApiGatewayV2::Route").values()
    assert routes and all(r["Properties"].get("AuthorizationType") == "JWT" for r in routes)


def test_the_api_throttle_follows_the_open_pages_the_deployment_expects(main_synth: Synthesized) -> None:
    from infra.config import DeployConfig

    (stage,) = http_api_resources(main_synth.raw, "AWS::ApiGatewayV2::Stage").values()
    settings = stage["Properties"]["DefaultRouteSettings"]
    default = DeployConfig()
    assert settings["ThrottlingRateLimit"] == default.api_throttle_rps == 13  # 25 pages x 0.5
    assert settings["ThrottlingBurstLimit"] == 2 * default.api_throttle_rps
    assert DeployConfig(expected_open_pages=1000).api_throttle_rps == 500
    assert DeployConfig(api_throttle=400).api_throttle_rps == 400


def test_a_throttle_over_the_account_quota_is_refused_at_synth() -> None:
    import pytest

    from infra.config import ConfigError, parse_config

    with pytest.raises(ConfigError, match="over the account's default API quota"):
        parse_config({"expectedOpenPages": 30_000})  # x 0.5 = 15,000 requests a second
    assert parse_config({"apiThrottleRps": 9000}).api_throttle_rps == 9000


def test_the_crm_hook_gets_finals_only_unless_the_deployment_opts_in() -> None:
    from callrecap import contracts
    from infra.config import parse_config

    assert parse_config({}).crm_include_interim is False
    assert contracts.crm_hook_pattern()["detail"] == {"kind": ["final"], "crmRelease": [{"exists": False}]}
    assert parse_config({"crmIncludeInterim": "true"}).crm_include_interim is True
    assert contracts.crm_hook_pattern(include_interim=True)["detail"] == {
        "$or": [{"kind": ["final"], "crmRelease": [{"exists": False}]}, {"kind": ["interim"]}]
    }


def test_crm_send_on_chooses_what_the_crm_hook_rule_passes() -> None:
    from callrecap import contracts
    from infra.config import ConfigError, parse_config

    assert parse_config({}).crm_send_on == "final"
    assert contracts.crm_hook_pattern(send_on="approval")["detail"] == {"kind": ["approved"]}
    assert contracts.crm_hook_pattern(send_on="approval-or-timeout")["detail"] == {
        "$or": [{"kind": ["approved"]}, {"crmRelease": ["wrap-up-timeout"]}]
    }
    assert parse_config({"crmSendOn": "approval-or-timeout", "wrapUpMinutes": 15}).wrap_up_minutes == 15
    import pytest

    for bad in ({"crmSendOn": "later"}, {"wrapUpMinutes": 16}, {"wrapUpMinutes": 0}):
        with pytest.raises(ConfigError):
            parse_config(bad)


def test_llm_fallback_is_checked_at_synth() -> None:
    import pytest

    from infra.config import ConfigError, parse_config

    assert parse_config({"llmFallback": "extractive"}).llm_fallback == "extractive"
    chain, problems = parse_config(
        {"llmFallback": "bedrock:amazon.nova-pro-v1:0,extractive"}
    ).fallback_chain()
    assert [str(link) for link in chain] == ["bedrock:amazon.nova-pro-v1:0", "extractive"] and not problems
    with pytest.raises(ConfigError, match="openai needs context key openaiBaseUrl"):
        parse_config({"llmFallback": "openai:llama3"})
    with pytest.raises(ConfigError, match="unknown provider 'bedrok'"):
        parse_config({"llmFallback": "bedrok:amazon.nova-pro-v1:0"})
    with pytest.raises(ConfigError, match="bedrock is already in the chain"):
        parse_config({"llmFallback": "bedrock"})  # the primary's own model
    with pytest.raises(ConfigError, match="already in the chain"):
        parse_config({"llmProvider": "extractive", "llmFallback": "extractive,bedrock:amazon.nova-lite-v1:0"})
    # The default (extractive behind the model) stands behind nothing when the primary is extractive.
    assert parse_config({"llmProvider": "extractive"}).fallback_chain() == ((), [])
    assert parse_config({"llmFallback": ""}).fallback_chain() == ((), [])
    with pytest.raises(ConfigError, match="lambda needs context key summarizerLambdaArn"):
        parse_config({"llmFallback": "lambda"})


def test_with_piidetector_comprehend_the_summarizer_may_call_it(connect_synth: Synthesized) -> None:
    from infra_helpers import actions_of, function_role_id, role_statements

    raw = connect_synth.raw
    statements = role_statements(raw, function_role_id(raw, Function.SUMMARIZER))
    assert any("comprehend:DetectPiiEntities" in actions_of(s) for s in statements)
    env = raw["Resources"][function_id(raw, Function.SUMMARIZER)]["Properties"]["Environment"]["Variables"]
    assert env[EnvVar.PII_DETECTOR.value] == "comprehend"
