"""HTTP API behind Cognito JWT on every route; the UI private behind CloudFront; sign-in set up."""

from __future__ import annotations

from typing import Any

from infra_helpers import function_id, http_api_resources, resources
from infra_synth import Synthesized

from callrecap.contracts import API_ROUTES, APPROVAL_ROUTES, CALL_DATA_ROUTES, Function


def test_api_has_exactly_the_contract_routes_each_behind_the_jwt_authorizer(main_synth: Synthesized) -> None:
    raw = main_synth.raw
    (authorizer_id,) = http_api_resources(raw, "AWS::ApiGatewayV2::Authorizer")
    routes = http_api_resources(raw, "AWS::ApiGatewayV2::Route").values()
    expected = sorted(f"{m} {p}" for m, p in (*API_ROUTES, *CALL_DATA_ROUTES, *APPROVAL_ROUTES))
    assert sorted(r["Properties"]["RouteKey"] for r in routes) == expected
    for route in routes:
        assert route["Properties"]["AuthorizationType"] == "JWT", route
        assert route["Properties"]["AuthorizerId"] == {"Ref": authorizer_id}


def web_client(raw: dict[str, Any]) -> str:
    """The page's client (OAuth code flow), not the smoke test's."""
    (client,) = [k for k, v in resources(raw, "AWS::Cognito::UserPoolClient").items() if "WebClient" in k]
    return client


def smoke_client(raw: dict[str, Any]) -> str:
    (client,) = [k for k, v in resources(raw, "AWS::Cognito::UserPoolClient").items() if "SmokeTest" in k]
    return client


def test_the_smoke_test_client_allows_admin_sign_in_only(main_synth: Synthesized) -> None:
    props = resources(main_synth.raw, "AWS::Cognito::UserPoolClient")[smoke_client(main_synth.raw)][
        "Properties"
    ]
    assert sorted(props["ExplicitAuthFlows"]) == [
        "ALLOW_ADMIN_USER_PASSWORD_AUTH",
        "ALLOW_REFRESH_TOKEN_AUTH",
    ]
    assert "AllowedOAuthFlows" not in props and props.get("AllowedOAuthFlowsUserPoolClient") in (None, False)
    outputs = main_synth.raw["Outputs"]
    assert any(key.startswith("SmokeTestClientId") for key in outputs)


def test_authorizer_trusts_the_user_pool_and_the_web_client(main_synth: Synthesized) -> None:
    raw = main_synth.raw
    (authorizer,) = http_api_resources(raw, "AWS::ApiGatewayV2::Authorizer").values()
    (pool,) = resources(raw, "AWS::Cognito::UserPool")
    config = authorizer["Properties"]["JwtConfiguration"]
    assert config["Audience"] == [{"Ref": web_client(raw)}, {"Ref": smoke_client(raw)}]
    assert {"Ref": pool} in config["Issuer"]["Fn::Join"][1]


def test_api_integrates_the_api_function_and_logs_access(main_synth: Synthesized) -> None:
    raw = main_synth.raw
    integrations = {
        i: v["Properties"]["IntegrationUri"]
        for i, v in http_api_resources(raw, "AWS::ApiGatewayV2::Integration").items()
    }
    assert sorted(integrations.values(), key=str) == sorted(
        [
            {"Fn::GetAtt": [function_id(raw, f), "Arn"]}
            for f in (Function.API, Function.CALL_DATA, Function.APPROVALS)
        ],
        key=str,
    )
    routes = http_api_resources(raw, "AWS::ApiGatewayV2::Route").values()
    by_route = {
        r["Properties"]["RouteKey"]: r["Properties"]["Target"]["Fn::Join"][1][1]["Ref"] for r in routes
    }
    for method, path in CALL_DATA_ROUTES:  # the deleting routes go to the call_data function only
        assert integrations[by_route[f"{method} {path}"]] == {
            "Fn::GetAtt": [function_id(raw, Function.CALL_DATA), "Arn"]
        }
    for method, path in APPROVAL_ROUTES:  # the writing routes go to the approvals function only
        assert integrations[by_route[f"{method} {path}"]] == {
            "Fn::GetAtt": [function_id(raw, Function.APPROVALS), "Arn"]
        }
    (stage,) = http_api_resources(raw, "AWS::ApiGatewayV2::Stage").values()
    assert "DestinationArn" in stage["Properties"]["AccessLogSettings"]
    (api,) = http_api_resources(raw, "AWS::ApiGatewayV2::Api").values()
    (distribution,) = resources(raw, "AWS::CloudFront::Distribution")
    origins = api["Properties"]["CorsConfiguration"]["AllowOrigins"]
    assert origins == [{"Fn::Join": ["", ["https://", {"Fn::GetAtt": [distribution, "DomainName"]}]]}]


def test_user_pool_has_no_self_sign_up_and_hosted_sign_in(main_synth: Synthesized) -> None:
    raw = main_synth.raw
    (pool,) = resources(raw, "AWS::Cognito::UserPool").values()
    assert pool["Properties"]["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True
    assert resources(raw, "AWS::Cognito::UserPoolDomain")
    props = resources(raw, "AWS::Cognito::UserPoolClient")[web_client(raw)]["Properties"]
    assert props["AllowedOAuthFlows"] == ["code"]
    assert props["GenerateSecret"] is False
    assert "openid" in props["AllowedOAuthScopes"]


def test_ui_bucket_is_private_and_served_over_https_with_security_headers(main_synth: Synthesized) -> None:
    raw = main_synth.raw
    (distribution,) = resources(raw, "AWS::CloudFront::Distribution").values()
    config = distribution["Properties"]["DistributionConfig"]
    behaviors = [config["DefaultCacheBehavior"], *config.get("CacheBehaviors", [])]
    assert all(b["ViewerProtocolPolicy"] == "redirect-to-https" for b in behaviors)
    assert all("ResponseHeadersPolicyId" in b for b in behaviors)
    (origin,) = config["Origins"]
    assert "OriginAccessControlId" in origin
    assert origin["S3OriginConfig"]["OriginAccessIdentity"] == ""
    assert config["DefaultRootObject"] == "index.html"
    assert "Logging" in config
    (policy,) = resources(raw, "AWS::CloudFront::ResponseHeadersPolicy").values()
    headers = policy["Properties"]["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]
    csp = headers["ContentSecurityPolicy"]["ContentSecurityPolicy"]
    csp_text = (
        "".join(p if isinstance(p, str) else "" for p in csp["Fn::Join"][1]) if isinstance(csp, dict) else csp
    )
    assert "default-src 'none'" in csp_text and "frame-ancestors 'none'" in csp_text
    assert headers["StrictTransportSecurity"]["AccessControlMaxAgeSec"] >= 31536000
    assert headers["FrameOptions"]["FrameOption"] == "DENY"
    (oac,) = resources(raw, "AWS::CloudFront::OriginAccessControl").values()
    assert oac["Properties"]["OriginAccessControlConfig"]["SigningBehavior"] == "always"


def test_generated_config_json_points_at_the_api_and_sign_in(main_synth: Synthesized) -> None:
    raw = main_synth.raw
    (deployment,) = resources(raw, "Custom::CDKBucketDeployment").values()
    markers = [m for source in deployment["Properties"]["SourceMarkers"] for m in source.values()]
    text = str(markers)
    (api,) = http_api_resources(raw, "AWS::ApiGatewayV2::Api")
    client = web_client(raw)
    (domain,) = resources(raw, "AWS::Cognito::UserPoolDomain")
    assert f"'Fn::GetAtt': ['{api}', 'ApiEndpoint']" in text
    assert f"'Ref': '{client}'" in text
    assert f"'Ref': '{domain}'" in text and "amazoncognito.com" in text


def test_the_page_may_connect_to_this_stacks_api_and_sign_in_domain_only(main_synth: Synthesized) -> None:
    """A second CSP, in the deployed index.html, names the API endpoint and the Cognito domain;
    the browser enforces it beside CloudFront's region-wide header policy."""
    import json

    from infra.web import pinned_index_html

    html = pinned_index_html(
        "https://api-1.execute-api.eu-west-1.amazonaws.com",
        "https://p.auth.eu-west-1.amazoncognito.com",
        "wss://ws-1.execute-api.eu-west-1.amazonaws.com/live",
    )
    head = html.split("<title>")[0]
    assert (
        "content=\"connect-src 'self' https://api-1.execute-api.eu-west-1.amazonaws.com "
        "wss://ws-1.execute-api.eu-west-1.amazonaws.com/live "
        'https://p.auth.eu-west-1.amazoncognito.com"' in head
    )
    raw = main_synth.raw
    (deployment,) = resources(raw, "Custom::CDKBucketDeployment").values()
    markers = json.dumps(deployment["Properties"].get("SourceMarkers", []))
    (api_id,) = http_api_resources(raw, "AWS::ApiGatewayV2::Api")
    (domain_id,) = resources(raw, "AWS::Cognito::UserPoolDomain")
    assert api_id in markers and domain_id in markers  # the deploy-time values the pin is filled with


def test_a_domain_of_its_own_serves_the_page_with_tls_1_2_only(connect_synth: Synthesized) -> None:
    from infra_synth import CERTIFICATE_ARN

    (distribution,) = connect_synth.resources("AWS::CloudFront::Distribution").values()
    config = distribution["Properties"]["DistributionConfig"]
    assert config["Aliases"] == ["calls.example.com"]
    assert config["ViewerCertificate"] == {
        "AcmCertificateArn": CERTIFICATE_ARN,
        "MinimumProtocolVersion": "TLSv1.2_2021",
        "SslSupportMethod": "sni-only",
    }
    # cdk-nag's CFR4 holds now: nothing to acknowledge, and the sign-in returns to the domain
    assert not [a for a in connect_synth.acknowledgements if a[1].endswith("AwsSolutions-CFR4")]
    client = connect_synth.resources("AWS::Cognito::UserPoolClient")[web_client(connect_synth.raw)]
    assert client["Properties"]["CallbackURLs"] == ["https://calls.example.com/"]


def test_without_a_domain_the_default_certificate_is_acknowledged_and_warned(main_synth: Synthesized) -> None:
    (reason,) = [r for _, rule, r in main_synth.acknowledgements if rule.endswith("AwsSolutions-CFR4")]
    assert "domainName and certificateArn" in reason
    (distribution,) = main_synth.resources("AWS::CloudFront::Distribution").values()
    assert "Aliases" not in distribution["Properties"]["DistributionConfig"]
    # `make synth` says so on stderr (it used to be hidden behind the acknowledgement)
    assert any("accepts TLSv1 and TLSv1.1" in line for line in main_synth.warnings), main_synth.warnings


def test_with_a_domain_the_synth_has_no_tls_warning(connect_synth: Synthesized) -> None:
    assert not any("TLSv1" in line or "minimumProtocolVersion" in line for line in connect_synth.warnings)


def test_the_domain_is_checked_at_synth() -> None:
    import pytest
    from infra_synth import CERTIFICATE_ARN

    from infra.config import ConfigError, parse_config

    assert parse_config({"domainName": "calls.example.com", "certificateArn": CERTIFICATE_ARN}).domain_name
    for context, message in (
        ({"domainName": "calls.example.com"}, "go together"),
        ({"domainName": "not a name", "certificateArn": CERTIFICATE_ARN}, "is not a host name"),
        (
            {
                "domainName": "calls.example.com",
                "certificateArn": CERTIFICATE_ARN.replace("us-east-1", "eu-west-1"),
            },
            "us-east-1 only",
        ),
        (
            {"domainName": "calls.example.com", "certificateArn": "arn:aws:iam::1:cert"},
            "not an ACM certificate",
        ),
    ):
        with pytest.raises(ConfigError, match=message):
            parse_config(context)
