"""Typed deployment settings read from CDK context (defaults in cdk.json), validated at synth.

Every value a deployer can change is a context key declared once on its DeployConfig field
(deploy_config.py, with fields.setting); `cdk.json` and `-c key=value` are the only knobs. The
LLM provider checks are shared with the Lambdas (`Settings.provider_problems`) so both sides agree
on what is required.
"""

from infra.config.checks import is_private_http_url
from infra.config.deploy_config import LIVE_RECONNECT_SECONDS, DeployConfig, PiiMode, TranscribeMode
from infra.config.limits import PYTHON_RUNTIMES
from infra.config.loading import CONTEXT_KEYS, CONTEXT_NAMESPACE, ConfigError, load_config, parse_config

__all__ = [
    "CONTEXT_KEYS",
    "CONTEXT_NAMESPACE",
    "LIVE_RECONNECT_SECONDS",
    "PYTHON_RUNTIMES",
    "ConfigError",
    "DeployConfig",
    "PiiMode",
    "TranscribeMode",
    "is_private_http_url",
    "load_config",
    "parse_config",
]
