"""Reading the context: every declared key, flat (`-c key=value`) or under the `callrecap` object
in cdk.json, parsed by its field's kind, then the cross-key checks; one ConfigError lists every
problem, so a bad value stops `make synth` with a readable message instead of a stack that
deploys and then fails at runtime."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import fields
from typing import Any, Final

from infra.config.checks import cross_checks
from infra.config.deploy_config import DeployConfig
from infra.config.fields import context_key, parser


class ConfigError(ValueError):
    """A CDK context value that cannot produce a working deployment."""


CONTEXT_KEYS: Final[Mapping[str, str]] = {context_key(f): f.name for f in fields(DeployConfig)}
"""Context key -> DeployConfig field. docs/deploy.md documents each key."""

CONTEXT_NAMESPACE: Final = "callrecap"
"""Keys may be given flat (`-c llmProvider=lambda`) or under this object in cdk.json."""


def nearest_key(key: str) -> str | None:
    """The context key `key` was probably meant to be (case or a typo away), if any."""
    import difflib

    by_lower = {known.lower(): known for known in CONTEXT_KEYS}
    if key.lower() in by_lower:
        return by_lower[key.lower()]
    close = difflib.get_close_matches(key, list(CONTEXT_KEYS), n=1, cutoff=0.8)
    return close[0] if close else None


def misspelled_keys(nested: Mapping[str, Any], all_context: Mapping[str, Any]) -> list[str]:
    """Every key under `callrecap` that is not ours, and every top-level `-c` key that looks like
    one of ours without being it: a misspelled key would otherwise be ignored without a word."""
    problems = []
    for key in sorted(nested):
        if key not in CONTEXT_KEYS:
            near = nearest_key(key)
            hint = f" (did you mean {near}?)" if near else " (docs/deploy.md lists the keys)"
            problems.append(f"unknown context key {CONTEXT_NAMESPACE}.{key}{hint}")
    for key in sorted(all_context):
        if (
            key in CONTEXT_KEYS
            or key == CONTEXT_NAMESPACE
            or key.startswith(("@", "aws:", "aws-cdk:", "cdk"))
        ):
            continue
        near = nearest_key(key)
        if near:
            problems.append(f"unknown context key {key} (did you mean {near}?)")
    return problems


def load_config(
    try_get_context: Callable[[str], Any], all_context: Mapping[str, Any] | None = None
) -> DeployConfig:
    """Read every key through `try_get_context` (flat key first, then the `callrecap` object);
    with `all_context`, refuse misspelled keys (misspelled_keys) with the nearest valid name."""
    nested = try_get_context(CONTEXT_NAMESPACE)
    nested = nested if isinstance(nested, Mapping) else {}
    raw: dict[str, Any] = {}
    for key in CONTEXT_KEYS:
        value = try_get_context(key)
        if value is None:
            value = nested.get(key)
        if value is not None:
            raw[key] = value
    problems = misspelled_keys(nested, all_context or {})
    if problems:
        raise ConfigError("invalid callrecap context: " + "; ".join(problems))
    return parse_config(raw)


def parse_config(raw: Mapping[str, Any]) -> DeployConfig:
    """Validate raw context values; raise ConfigError listing every problem at once."""
    problems: list[str] = []
    unknown = sorted(set(raw) - set(CONTEXT_KEYS))
    if unknown:
        problems.append(f"unknown context keys: {', '.join(unknown)}")
    values: dict[str, Any] = {}
    for declared in fields(DeployConfig):
        key = context_key(declared)
        if key in raw:
            value = parser(declared)(key, raw[key], problems)
            if value is not None:
                values[declared.name] = value
    config = DeployConfig(**values)
    problems.extend(cross_checks(config))
    if problems:
        raise ConfigError("invalid callrecap CDK context: " + "; ".join(problems))
    return config
