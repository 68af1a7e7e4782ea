"""A Lambda context for calling handlers directly (Powertools reads its function name and ids)."""

from __future__ import annotations

from callrecap_local.lambda_events import LambdaContext


def lambda_context(function_name: str = "callrecap-test") -> LambdaContext:
    return LambdaContext(function_name=function_name)
