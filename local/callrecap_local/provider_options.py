"""`--provider` for the commands that run the local stack (`serve`, `replay`): the summarizer
there is the real one, configured from the same CALLRECAP_* settings the Lambda reads, so a user
can see real summaries from an OpenAI-compatible server they run (vLLM, Ollama, LiteLLM) or a
summarizer Lambda of theirs, with the rest of the pipeline on loopback.

Bedrock is not offered here: the local stack points every AWS client of the process at moto
with fake credentials, so a real Bedrock call would have neither (use `callrecap summarize
--provider bedrock` for that).
"""

from __future__ import annotations

import argparse
import os

from callrecap.settings import EnvVar, Provider, Settings, SettingsError

PROVIDER_SETTINGS = (
    EnvVar.LLM_PROVIDER,
    EnvVar.OPENAI_BASE_URL,
    EnvVar.OPENAI_MODEL,
    EnvVar.OPENAI_API_KEY,
    EnvVar.MAX_INPUT_TOKENS,
    EnvVar.PRICE_TABLE,
    EnvVar.PROMPTS_DIR,
)
"""What the local summarizer takes from the caller's environment (everything else is the stack's)."""

LOCAL_PROVIDERS = (Provider.EXTRACTIVE, Provider.OPENAI)


class ProviderOptionError(ValueError):
    """The provider settings are unusable (one line for the user)."""


def add_provider_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--provider",
        choices=[p.value for p in LOCAL_PROVIDERS],
        help="summarizer provider of the local stack (default: CALLRECAP_LLM_PROVIDER, else extractive); "
        "openai reads CALLRECAP_OPENAI_BASE_URL, CALLRECAP_OPENAI_MODEL and CALLRECAP_OPENAI_API_KEY",
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
            f"provider {name!r} cannot run in the local stack (choose extractive or openai; see --help)"
        )
    try:
        checked = {EnvVar.TABLE_NAME.value: "local", **chosen, EnvVar.LLM_PROVIDER.value: name}
        Settings.from_env(checked, require=(EnvVar.LLM_PROVIDER,))
    except SettingsError as error:
        raise ProviderOptionError(str(error)) from error
    return chosen
