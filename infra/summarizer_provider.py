"""What the summarizer needs for its model providers (the primary and each llmFallback link): their
settings in its environment and exactly the IAM actions their calls make, on their resources."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_

from callrecap.settings import EnvVar, Provider
from infra.config import DeployConfig

INFERENCE_PROFILE_PREFIXES = ("us.", "eu.", "apac.", "jp.", "au.", "ca.", "us-gov.", "global.")


def providers(cfg: DeployConfig) -> list[Provider]:
    """The primary provider and each other provider of the `llmFallback` chain, once each."""
    found = [cfg.llm_provider]
    for link in cfg.fallback_chain()[0]:
        if link.provider not in found:
            found.append(link.provider)
    return found


def provider_environment(cfg: DeployConfig, stack_region: str) -> dict[EnvVar, str]:
    """The primary's settings and each fallback's (a fallback's model is in the chain itself)."""
    env: dict[EnvVar, str] = {}
    for provider in providers(cfg):
        if provider is Provider.BEDROCK:
            if cfg.llm_provider is Provider.BEDROCK:
                env[EnvVar.BEDROCK_MODEL_ID] = cfg.bedrock_model_id
            env[EnvVar.BEDROCK_REGION] = cfg.bedrock_region or stack_region
            env[EnvVar.BEDROCK_OUTPUT_MODE] = cfg.bedrock_output_mode.value
        elif provider is Provider.LAMBDA:
            env[EnvVar.SUMMARIZER_LAMBDA_ARN] = cfg.summarizer_lambda_arn
        elif provider is Provider.OPENAI:
            env[EnvVar.OPENAI_BASE_URL] = cfg.openai_base_url
            env[EnvVar.OPENAI_RESPONSE_FORMAT] = cfg.openai_response_format.value
            env[EnvVar.OPENAI_CONTEXT_TOKENS] = str(cfg.openai_context_tokens)
            env[EnvVar.OPENAI_TIMEOUT_SECONDS] = str(cfg.openai_timeout_seconds)
            if cfg.llm_provider is Provider.OPENAI:
                env[EnvVar.OPENAI_MODEL] = cfg.openai_model
            if cfg.openai_api_key_secret_arn:
                env[EnvVar.OPENAI_API_KEY_SECRET_ARN] = cfg.openai_api_key_secret_arn
    return env


def bedrock_models(cfg: DeployConfig) -> list[str]:
    """Every Bedrock model the summarizer may call: the primary's and the fallbacks'."""
    models = [cfg.bedrock_model_id] if cfg.llm_provider is Provider.BEDROCK else []
    models += [link.model for link in cfg.fallback_chain()[0] if link.provider is Provider.BEDROCK]
    return list(dict.fromkeys(models))


def bedrock_model_arns(stack: cdk.Stack, cfg: DeployConfig, model: str) -> list[str]:
    region = cfg.bedrock_region or stack.region
    if model.startswith(INFERENCE_PROFILE_PREFIXES):
        base_model = model.split(".", 1)[1]
        return [
            f"arn:{stack.partition}:bedrock:{region}:{stack.account}:inference-profile/{model}",
            # A cross-region profile routes to the foundation model in any of its regions.
            f"arn:{stack.partition}:bedrock:*::foundation-model/{base_model}",
        ]
    return [f"arn:{stack.partition}:bedrock:{region}::foundation-model/{model}"]


def grant_provider(fn: lambda_.Function, cfg: DeployConfig) -> None:
    """What the primary provider and every fallback of the chain need, and no more."""
    stack = cdk.Stack.of(fn)
    models = bedrock_models(cfg)
    if models:
        fn.add_to_role_policy(
            iam.PolicyStatement(
                actions=["bedrock:InvokeModel"],  # what Converse needs
                resources=[arn for model in models for arn in bedrock_model_arns(stack, cfg, model)],
            )
        )
    chain = providers(cfg)
    if Provider.LAMBDA in chain:
        fn.add_to_role_policy(
            iam.PolicyStatement(actions=["lambda:InvokeFunction"], resources=[cfg.summarizer_lambda_arn])
        )
    if Provider.OPENAI in chain and cfg.openai_api_key_secret_arn:
        fn.add_to_role_policy(
            iam.PolicyStatement(
                actions=["secretsmanager:GetSecretValue"], resources=[cfg.openai_api_key_secret_arn]
            )
        )
