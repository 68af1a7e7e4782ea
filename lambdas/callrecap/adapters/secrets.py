"""A Secrets Manager secret read on its first use, once per container: the openai provider's API key,
the webhook target's signing secret. Nothing is read at cold start."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from callrecap.domain.ports import ProviderError


def secret_reader(secret_arn: str, *, fields: Sequence[str] = (), client: Any = None) -> Callable[[], str]:
    """A function returning the secret's string; when the string is a JSON object, the first of
    `fields` it has (none of them: an error naming the secret, never its value)."""

    def read() -> str:
        sm = client
        if sm is None:
            from callrecap.adapters.aws_clients import new_client

            sm = new_client("secretsmanager")
        value = str(sm.get_secret_value(SecretId=secret_arn).get("SecretString") or "").strip()
        if not fields or not value.startswith("{"):
            return value
        try:
            document = json.loads(value)
        except json.JSONDecodeError:
            return value
        for field_name in fields:
            if isinstance(document.get(field_name), str):
                return str(document[field_name])
        raise ProviderError(f"secret {secret_arn} is JSON without a {'/'.join(fields)} field")

    return read
