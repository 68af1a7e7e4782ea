"""The provider factory: Settings (or the CLI's --provider) pick the provider; nothing is called."""

from __future__ import annotations

import pytest

from callrecap.adapters.llm.bedrock import BedrockProvider
from callrecap.adapters.llm.extractive_provider import ExtractiveSummarizer
from callrecap.adapters.llm.factory import build_budget, build_provider
from callrecap.adapters.llm.lambda_provider import LambdaSummarizer
from callrecap.adapters.llm.openai import OpenAiCompatibleProvider
from callrecap.settings import Provider, Settings, SettingsError

ARN = "arn:aws:lambda:us-east-1:123456789012:function:summarize"


def test_default_is_extractive() -> None:
    provider = build_provider(Settings(table_name="t"))
    assert isinstance(provider, ExtractiveSummarizer) and provider.name == "extractive"


def test_each_provider_from_settings() -> None:
    settings = Settings(
        table_name="t",
        bedrock_model_id="amazon.nova-lite-v1:0",
        summarizer_lambda_arn=ARN,
        openai_base_url="http://127.0.0.1:8080/v1",
        openai_model="qwen2.5",
    )
    bedrock = build_provider(settings, Provider.BEDROCK)
    assert isinstance(bedrock, BedrockProvider) and bedrock._client is None  # created lazily
    assert isinstance(build_provider(settings, "lambda"), LambdaSummarizer)
    openai = build_provider(settings, "openai")
    assert isinstance(openai, OpenAiCompatibleProvider) and openai.model == "qwen2.5"


@pytest.mark.parametrize(
    ("name", "missing"),
    [("bedrock", "BEDROCK_MODEL_ID"), ("lambda", "LAMBDA_ARN"), ("openai", "OPENAI_BASE_URL")],
)
def test_missing_configuration_is_a_settings_error(name: str, missing: str) -> None:
    with pytest.raises(SettingsError, match=missing):
        build_provider(Settings(table_name="t"), name)


def test_unknown_provider() -> None:
    with pytest.raises(SettingsError, match="unknown provider 'gpt'"):
        build_provider(Settings(table_name="t"), "gpt")


def test_budget_from_model_settings_and_cli() -> None:
    settings = Settings(table_name="t", bedrock_model_id="anthropic.claude-3-haiku-20240307-v1:0")
    bedrock = build_provider(settings, "bedrock")
    assert build_budget(settings, bedrock).max_input_tokens == 150_000
    assert build_budget(Settings(table_name="t", max_input_tokens=9000), bedrock).max_input_tokens == 9000
    assert build_budget(settings, bedrock, max_input_tokens=1200).max_input_tokens == 1200
