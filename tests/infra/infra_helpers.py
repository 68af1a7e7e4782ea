"""Small lookups over a synthesized template (plain dicts), shared by the infra tests."""

from __future__ import annotations

from typing import Any

from callrecap.contracts import Function, handler_path


def resources(raw: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in raw["Resources"].items() if v["Type"] == kind}


def function_id(raw: dict[str, Any], function: Function) -> str:
    """Logical id of the Lambda whose handler is `function`'s entry point."""
    matches = [
        k
        for k, v in resources(raw, "AWS::Lambda::Function").items()
        if v["Properties"].get("Handler") == handler_path(function)
    ]
    assert len(matches) == 1, f"expected one function for {function}, found {matches}"
    return matches[0]


def one_of_prefix(raw: dict[str, Any], kind: str, prefix: str) -> str:
    matches = [k for k in resources(raw, kind) if k.startswith(prefix)]
    assert len(matches) == 1, f"expected one {kind} starting {prefix}, found {matches}"
    return matches[0]


def role_statements(raw: dict[str, Any], role_id: str) -> list[dict[str, Any]]:
    """Every statement of the inline policies attached to `role_id`."""
    statements: list[dict[str, Any]] = []
    for policy in resources(raw, "AWS::IAM::Policy").values():
        if {"Ref": role_id} in policy["Properties"].get("Roles", []):
            statements.extend(policy["Properties"]["PolicyDocument"]["Statement"])
    return statements


def function_role_id(raw: dict[str, Any], function: Function) -> str:
    fn = raw["Resources"][function_id(raw, function)]
    return fn["Properties"]["Role"]["Fn::GetAtt"][0]


def actions_of(statement: dict[str, Any]) -> list[str]:
    action = statement["Action"]
    return [action] if isinstance(action, str) else list(action)


def resources_of(statement: dict[str, Any]) -> list[Any]:
    resource = statement["Resource"]
    return resource if isinstance(resource, list) else [resource]


def http_api_resources(raw: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    """`kind` resources of the HTTP API only (the live-updates WebSocket API is beside it)."""
    (http_api,) = [
        k
        for k, v in resources(raw, "AWS::ApiGatewayV2::Api").items()
        if v["Properties"].get("ProtocolType") == "HTTP"
    ]
    if kind == "AWS::ApiGatewayV2::Api":
        return {http_api: raw["Resources"][http_api]}
    return {
        k: v for k, v in resources(raw, kind).items() if v["Properties"].get("ApiId") == {"Ref": http_api}
    }


def data_keys(raw: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The KMS keys that encrypt data (not the live tickets' HMAC key)."""
    return {k: v for k, v in resources(raw, "AWS::KMS::Key").items() if "KeySpec" not in v["Properties"]}
