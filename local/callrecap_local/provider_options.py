"""`--provider` for the commands that run the local stack (`serve`, `replay`): the summarizer
there is the real one, configured from the same CALLRECAP_* settings the Lambda reads, so a user
can see real summaries from an OpenAI-compatible server they run (vLLM, Ollama, LiteLLM), or from
Amazon Bedrock, with the rest of the pipeline on loopback.

Bedrock needs what the local stack takes away from every other client: real credentials and the
real endpoint (the stack points the process at moto with fake keys). So the Bedrock calls are
signed with a named AWS profile (CALLRECAP_BEDROCK_PROFILE, else AWS_PROFILE, else `default`;
checked before the stack starts) and sent to Bedrock's regional endpoint through botocore's
service-specific AWS_ENDPOINT_URL_BEDROCK_RUNTIME, which wins over the stack's AWS_ENDPOINT_URL.
"""

from __future__ import annotations

import argparse
import os

from callrecap.settings import EnvVar, Provider, Settings, SettingsError

PROVIDER_SETTINGS = (
    EnvVar.LLM_PROVIDER,
    EnvVar.LLM_FALLBACK,
    EnvVar.BEDROCK_MODEL_ID,
    EnvVar.BEDROCK_REGION,
    EnvVar.BEDROCK_PROFILE,
    EnvVar.OPENAI_BASE_URL,
    EnvVar.OPENAI_MODEL,
    EnvVar.OPENAI_API_KEY,
    EnvVar.OPENAI_RESPONSE_FORMAT,
    EnvVar.OPENAI_CONTEXT_TOKENS,
    EnvVar.OPENAI_TIMEOUT_SECONDS,
    EnvVar.BEDROCK_OUTPUT_MODE,
    EnvVar.MAX_INPUT_TOKENS,
    EnvVar.PRICE_TABLE,
    EnvVar.PROMPTS_DIR,
)
"""What the local summarizer takes from the caller's environment (everything else is the stack's)."""

LOCAL_PROVIDERS = (Provider.EXTRACTIVE, Provider.OPENAI, Provider.BEDROCK)

BEDROCK_ENDPOINT_VAR = "AWS_ENDPOINT_URL_BEDROCK_RUNTIME"
"""botocore's service-specific endpoint: it wins over the local stack's AWS_ENDPOINT_URL (moto)."""


class ProviderOptionError(ValueError):
    """The provider settings are unusable (one line for the user)."""


def add_provider_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--provider",
        choices=[p.value for p in LOCAL_PROVIDERS],
        help="summarizer provider of the local stack (default: CALLRECAP_LLM_PROVIDER, else extractive); "
        "openai reads CALLRECAP_OPENAI_BASE_URL, CALLRECAP_OPENAI_MODEL and CALLRECAP_OPENAI_API_KEY; "
        "bedrock reads CALLRECAP_BEDROCK_MODEL_ID, CALLRECAP_BEDROCK_REGION and signs with the AWS profile "
        "CALLRECAP_BEDROCK_PROFILE (else AWS_PROFILE, else default)",
    )


def provider_settings(provider: str | None, environ: dict[str, str] | None = None) -> dict[str, str]:
    """The CALLRECAP_* provider settings to hand the local stack's summarizer, checked like the
    Lambda checks them at cold start."""
    env = dict(os.environ if environ is None else environ)
    chosen = {var.value: env[var.value] for var in PROVIDER_SETTINGS if env.get(var.value, "").strip()}
    if provider:
        chosen[EnvVar.LLM_PROVIDER.value] = provider
    name = chosen.get(EnvVar.LLM_PROVIDER.value, Provider.EXTRACTIVE.value).strip().lower()
    if name not in {p.value for p in LOCAL_PROVIDERS}:
        raise ProviderOptionError(
            f"provider {name!r} cannot run in the local stack "
            "(choose extractive, openai or bedrock; see --help)"
        )
    try:
        checked = {EnvVar.TABLE_NAME.value: "local", **chosen, EnvVar.LLM_PROVIDER.value: name}
        settings = Settings.from_env(checked, require=(EnvVar.LLM_PROVIDER,))
    except SettingsError as error:
        raise ProviderOptionError(str(error)) from error
    uses = {settings.llm_provider, *(link.provider for link in settings.llm_fallback)}
    if Provider.LAMBDA in uses:
        raise ProviderOptionError("a summarizer Lambda cannot be called from the local stack (no real AWS)")
    if Provider.BEDROCK in uses:
        chosen.update(bedrock_access(settings, env))
    return chosen


def bedrock_access(settings: Settings, env: dict[str, str]) -> dict[str, str]:
    """The profile that signs Bedrock calls and the endpoint they go to, checked now (one line
    if there are no credentials) rather than as a FAILED summary after the first call."""
    import boto3
    import botocore.exceptions

    profile = settings.bedrock_profile or env.get("AWS_PROFILE", "").strip() or "default"
    try:
        session = boto3.Session(profile_name=profile)
        credentials = session.get_credentials()
    except botocore.exceptions.BotoCoreError as error:
        raise ProviderOptionError(f"bedrock: AWS profile {profile!r}: {error}") from error
    if credentials is None:
        raise ProviderOptionError(
            f"bedrock: AWS profile {profile!r} has no credentials (run `aws configure` or "
            f"`aws sso login`, or set {EnvVar.BEDROCK_PROFILE.value} / AWS_PROFILE)"
        )
    region = settings.bedrock_region or session.region_name or env.get("AWS_REGION", "") or "us-east-1"
    endpoint = env.get(BEDROCK_ENDPOINT_VAR, "").strip() or f"https://bedrock-runtime.{region}.amazonaws.com"
    return {
        EnvVar.BEDROCK_PROFILE.value: profile,
        EnvVar.BEDROCK_REGION.value: region,
        BEDROCK_ENDPOINT_VAR: endpoint,
    }
