"""The live-updates WebSocket API: one $connect route to the live_connect function, a logged and
throttled stage, tickets signed with an HMAC key only the api function may use to sign and only
live_connect to verify, and the ingest function allowed to post to this stage's connections."""

from __future__ import annotations

import json

from infra_helpers import actions_of, function_id, function_role_id, resources, resources_of, role_statements
from infra_synth import Synthesized

from callrecap.contracts import Function
from callrecap.settings import EnvVar
from infra.config import DeployConfig


def websocket_api(raw: dict) -> str:
    (api,) = [
        k
        for k, v in resources(raw, "AWS::ApiGatewayV2::Api").items()
        if v["Properties"].get("ProtocolType") == "WEBSOCKET"
    ]
    return api


def of_api(raw: dict, kind: str, api: str) -> list[dict]:
    return [v for v in resources(raw, kind).values() if v["Properties"].get("ApiId") == {"Ref": api}]


def env_of(raw: dict, function: Function) -> dict:
    variables: dict = raw["Resources"][function_id(raw, function)]["Properties"]["Environment"]["Variables"]
    return variables


def test_one_connect_route_to_the_live_connect_function(main_synth: Synthesized) -> None:
    raw = main_synth.raw
    api = websocket_api(raw)
    (route,) = of_api(raw, "AWS::ApiGatewayV2::Route", api)
    assert route["Properties"]["RouteKey"] == "$connect"
    (integration,) = of_api(raw, "AWS::ApiGatewayV2::Integration", api)
    assert function_id(raw, Function.LIVE_CONNECT) in json.dumps(integration["Properties"]["IntegrationUri"])


def test_the_stage_logs_access_and_throttles_connections(main_synth: Synthesized) -> None:
    raw = main_synth.raw
    (stage,) = of_api(raw, "AWS::ApiGatewayV2::Stage", websocket_api(raw))
    assert stage["Properties"]["StageName"] == "live"
    assert "connectionId" in stage["Properties"]["AccessLogSettings"]["Format"]
    limits = stage["Properties"]["DefaultRouteSettings"]
    assert limits["ThrottlingRateLimit"] == DeployConfig().live_connect_rps == 10
    assert DeployConfig(expected_open_pages=10_000).live_connect_rps == 167  # all reconnect in a minute


def test_tickets_are_signed_by_the_api_and_verified_by_live_connect_only(main_synth: Synthesized) -> None:
    raw = main_synth.raw
    (key,) = [k for k, v in resources(raw, "AWS::KMS::Key").items() if v["Properties"].get("KeySpec")]
    assert raw["Resources"][key]["Properties"]["KeySpec"] == "HMAC_256"
    key_arn = {"Fn::GetAtt": [key, "Arn"]}

    def mac_actions(function: Function) -> set[str]:
        return {
            action
            for statement in role_statements(raw, function_role_id(raw, function))
            if key_arn in resources_of(statement)
            for action in actions_of(statement)
        }

    assert mac_actions(Function.API) == {"kms:GenerateMac"}
    assert mac_actions(Function.LIVE_CONNECT) == {"kms:VerifyMac"}
    assert mac_actions(Function.INGEST) == set()
    assert env_of(raw, Function.API)[EnvVar.LIVE_KEY_ID.value] == key_arn
    assert env_of(raw, Function.LIVE_CONNECT)[EnvVar.LIVE_KEY_ID.value] == key_arn
    assert "wss://" in json.dumps(env_of(raw, Function.API)[EnvVar.LIVE_URL.value])


def test_ingest_posts_to_this_stages_connections_only(main_synth: Synthesized) -> None:
    raw = main_synth.raw
    api = websocket_api(raw)
    (statement,) = [
        s
        for s in role_statements(raw, function_role_id(raw, Function.INGEST))
        if "execute-api:ManageConnections" in actions_of(s)
    ]
    (resource,) = resources_of(statement)
    text = json.dumps(resource)
    assert {"Ref": api} in resource["Fn::Join"][1] and text.endswith('"/live/POST/@connections/*"]]}')
    endpoint = json.dumps(env_of(raw, Function.INGEST)[EnvVar.LIVE_ENDPOINT.value])
    assert "https://" in endpoint and api in endpoint


def test_the_page_may_open_websockets_to_the_regions_api_gateway(main_synth: Synthesized) -> None:
    (policy,) = main_synth.resources("AWS::CloudFront::ResponseHeadersPolicy").values()
    csp = json.dumps(policy["Properties"]["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"])
    assert "wss://*.execute-api." in csp


def test_the_stack_outputs_what_producers_and_operators_need(
    main_synth: Synthesized, alt_synth: Synthesized
) -> None:
    for synth in (main_synth, alt_synth):
        outputs = synth.raw["Outputs"]
        assert {"StreamArn", "StreamKmsKeyArn", "ApiUrl", "LiveUpdatesUrl", "WebUrl", "UserPoolId"} <= set(
            outputs
        )
    created = [s for s in (main_synth, alt_synth) if "VoiceConnectorOutboundHostName" in s.raw["Outputs"]]
    assert created, "the variant that creates a Voice Connector outputs its outbound host name"
