"""Build the configured summarizer provider, its token budget and the prompt source from Settings.

Nothing here touches the network: clients and secrets are created/read on the first call.
"""

from __future__ import annotations

from callrecap.domain.summaries.chunking import Budget
from callrecap.domain.summaries.engine import AnyProvider
from callrecap.settings import EnvVar, Provider, Settings, SettingsError


def build_provider(
    settings: Settings, provider: Provider | str | None = None, *, model: str = ""
) -> AnyProvider:
    """The provider named by `provider` (e.g. the CLI's --provider) or by the settings; `model`
    replaces the configured model of bedrock or openai (a fallback link's own model)."""
    try:
        chosen = Provider(provider) if provider else settings.llm_provider
    except ValueError as error:
        allowed = ", ".join(p.value for p in Provider)
        raise SettingsError(f"unknown provider {provider!r}; expected one of {allowed}") from error
    # Each branch imports its own adapter: a function runs one provider, so its cold start pays
    # for that one alone.
    if chosen is Provider.EXTRACTIVE:
        from callrecap.adapters.llm.extractive_provider import ExtractiveSummarizer

        return ExtractiveSummarizer()
    if chosen is Provider.BEDROCK:
        from callrecap.adapters.llm.bedrock import BedrockProvider

        _require(model or settings.bedrock_model_id, EnvVar.BEDROCK_MODEL_ID, chosen)
        return BedrockProvider(
            model or settings.bedrock_model_id,
            region=settings.bedrock_region,
            profile=settings.bedrock_profile,
            output_mode=settings.bedrock_output_mode,
        )
    if chosen is Provider.LAMBDA:
        from callrecap.adapters.llm.lambda_provider import LambdaSummarizer

        _require(settings.summarizer_lambda_arn, EnvVar.SUMMARIZER_LAMBDA_ARN, chosen)
        return LambdaSummarizer(settings.summarizer_lambda_arn)
    from callrecap.adapters.llm.openai import OpenAiCompatibleProvider, secret_api_key

    _require(settings.openai_base_url, EnvVar.OPENAI_BASE_URL, chosen)
    _require(model or settings.openai_model, EnvVar.OPENAI_MODEL, chosen)
    key = (
        secret_api_key(settings.openai_api_key_secret_arn)
        if settings.openai_api_key_secret_arn
        else settings.openai_api_key
    )
    try:
        return OpenAiCompatibleProvider(
            settings.openai_base_url,
            model or settings.openai_model,
            api_key=key,
            timeout_seconds=settings.openai_timeout_seconds,
            response_format=settings.openai_response_format,
            context_tokens=settings.openai_context_tokens,
        )
    except ValueError as error:  # a base URL without http(s)://: one line, like the other settings
        raise SettingsError(f"{EnvVar.OPENAI_BASE_URL.value}: {error}") from error


def build_budget(settings: Settings, provider: AnyProvider, max_input_tokens: int = 0) -> Budget:
    """The model's default budget, replaced by `max_input_tokens` (CLI) or Settings.max_input_tokens."""
    return Budget.for_model(provider.model, max_input_tokens or settings.max_input_tokens)


def _require(value: str, var: EnvVar, provider: Provider) -> None:
    if not value:
        raise SettingsError(f"provider {provider.value} needs {var.value}")
