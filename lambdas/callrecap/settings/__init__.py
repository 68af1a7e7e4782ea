"""Typed runtime settings, read from the environment at cold start (never at import time).

The CDK stacks set these variables from `EnvVar` names and the local stack does the same,
so the names live here once. `Settings.from_env` validates everything a handler needs and
raises `SettingsError` with every problem listed, so a misconfigured function fails on its
first invocation with a readable message instead of half-working.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from callrecap.choices import (
    AgentChannel,
    BedrockOutputMode,
    ChimeCallKey,
    CrmTarget,
    OpenAiResponseFormat,
    PiiDetection,
    Provider,
    UnassignedCalls,
)
from callrecap.contracts import THROTTLE_BACKOFF_SECONDS, THROTTLE_MAX_AGE_SECONDS
from callrecap.domain.privacy.pii import ALL_ENTITIES, PiiEntity, parse_entities
from callrecap.domain.summaries.languages import is_language_code
from callrecap.settings.env_vars import EnvVar
from callrecap.settings.fallback import (
    DEFAULT_FALLBACK,
    Fallback,
    default_fallback,
    parse_fallback_chain,
    resolve_fallback_chain,
)
from callrecap.settings.reading import EnvReader, parse_list

__all__ = [
    "DEFAULT_FALLBACK",
    "AgentChannel",
    "ChimeCallKey",
    "EnvVar",
    "Fallback",
    "PiiDetection",
    "Provider",
    "Settings",
    "SettingsError",
    "UnassignedCalls",
    "default_fallback",
    "parse_fallback_chain",
    "parse_list",
    "resolve_fallback_chain",
]


class SettingsError(ValueError):
    """Raised at cold start when the environment does not describe a usable configuration."""


DEFAULT_OPENAI_TIMEOUT_SECONDS = 120
"""openaiTimeoutSeconds when unset: long enough for a hosted model's summary, not for a CPU one."""


@dataclass(frozen=True)
class Settings:
    table_name: str
    event_bus_name: str = ""
    quarantine_queue_url: str = ""
    ttl_days: int = 90
    llm_provider: Provider = Provider.EXTRACTIVE
    bedrock_model_id: str = ""
    bedrock_region: str = ""
    bedrock_profile: str = ""
    summarizer_lambda_arn: str = ""
    openai_base_url: str = ""
    openai_model: str = ""
    openai_api_key: str = ""
    openai_api_key_secret_arn: str = ""
    openai_response_format: OpenAiResponseFormat = OpenAiResponseFormat.AUTO
    openai_context_tokens: int = 0
    """0: discovered from the server where it says, else the model's default budget."""
    openai_timeout_seconds: int = DEFAULT_OPENAI_TIMEOUT_SECONDS
    bedrock_output_mode: BedrockOutputMode = BedrockOutputMode.AUTO
    crm_target: CrmTarget = CrmTarget.EXAMPLE
    crm_webhook_url: str = ""
    crm_webhook_secret_arn: str = ""
    prompt_bucket: str = ""
    prompt_prefix: str = "prompts/"
    prompts_dir: str = ""
    max_input_tokens: int = 0
    """0 means: use the provider/model default budget."""
    idle_minutes: int = 30
    price_table_json: str = ""
    """Optional JSON override of the price table (USD per 1k tokens by model id)."""
    crm_delivery_table_name: str = ""
    """Where the example CRM hook records deliveries (default: table_name)."""
    agent_channel: AgentChannel = AgentChannel.CH_1
    """ch_1 is what LCA's Chime producers assume (the caller on ch_0)."""
    chime_call_key: ChimeCallKey = ChimeCallKey.TRANSACTION_ID
    """transactionId for this project's own Voice Connector; callId beside LCA's producers."""
    agent_identity_claim: str = "username"
    """The sign-in token claim that is an agent's identity (matched against a call's agentId)."""
    unassigned_calls_visible_to: UnassignedCalls = UnassignedCalls.SUPERVISORS
    supervisor_queues_claim: str = ""
    """A token claim listing the queue ids a supervisor is limited to ("": supervisors see all)."""
    settle_seconds: int = 0
    final_summary_queue_url: str = ""
    llm_fallback: tuple[Fallback, ...] = ()
    throttle_max_age_seconds: int = THROTTLE_MAX_AGE_SECONDS
    throttle_backoff_seconds: int = THROTTLE_BACKOFF_SECONDS
    pii_redact_before_model: frozenset[PiiEntity] = ALL_ENTITIES
    summary_language: str = ""
    dispositions: tuple[str, ...] = ()
    follow_up_email: bool = True
    redact_stored_transcript: bool = False
    pii_detector: PiiDetection = PiiDetection.RULES
    live_url: str = ""
    live_endpoint: str = ""
    live_key_id: str = ""
    """Live updates over WebSocket ("" for all three: pages poll only)."""
    extra: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_env(
        cls,
        environ: Mapping[str, str] | None = None,
        *,
        require: tuple[EnvVar, ...] = (EnvVar.TABLE_NAME,),
    ) -> Settings:
        """Build and validate settings; `require` names what this handler cannot run without."""
        read = EnvReader(os.environ if environ is None else environ)
        get, get_int, get_bool, get_choice = read.text, read.integer, read.flag, read.choice
        problems = read.problems

        for var in require:
            if not get(var):
                problems.append(f"{var.value} is required")

        provider = get_choice(EnvVar.LLM_PROVIDER, Provider.EXTRACTIVE)
        agent_channel = get_choice(EnvVar.AGENT_CHANNEL, AgentChannel.CH_1)
        chime_call_key = get_choice(EnvVar.CHIME_CALL_KEY, ChimeCallKey.TRANSACTION_ID)
        unassigned = get_choice(EnvVar.UNASSIGNED_CALLS_VISIBLE_TO, UnassignedCalls.SUPERVISORS)
        pii_detector = get_choice(EnvVar.PII_DETECTOR, PiiDetection.RULES)

        configured = read.environ.get(EnvVar.LLM_FALLBACK.value)  # unset: the default; "": none
        fallback, fallback_problems = resolve_fallback_chain(
            default_fallback(provider) if configured is None else configured.strip(),
            provider,
            {Provider.BEDROCK: get(EnvVar.BEDROCK_MODEL_ID), Provider.OPENAI: get(EnvVar.OPENAI_MODEL)},
        )
        problems.extend(f"{EnvVar.LLM_FALLBACK.value}: {problem}" for problem in fallback_problems)
        pii_entities, pii_problems = parse_entities(get(EnvVar.PII_REDACT_BEFORE_MODEL))
        problems.extend(f"{EnvVar.PII_REDACT_BEFORE_MODEL.value}: {problem}" for problem in pii_problems)
        if get(EnvVar.SUMMARY_LANGUAGE) and not is_language_code(get(EnvVar.SUMMARY_LANGUAGE)):
            problems.append(
                f"{EnvVar.SUMMARY_LANGUAGE.value} must be a language code such as es or de-DE, "
                f"got {get(EnvVar.SUMMARY_LANGUAGE)!r}"
            )
        settings = cls(
            table_name=get(EnvVar.TABLE_NAME),
            event_bus_name=get(EnvVar.EVENT_BUS_NAME),
            quarantine_queue_url=get(EnvVar.QUARANTINE_QUEUE_URL),
            ttl_days=get_int(EnvVar.TTL_DAYS, 90, 0),
            llm_provider=provider,
            bedrock_model_id=get(EnvVar.BEDROCK_MODEL_ID),
            bedrock_region=get(EnvVar.BEDROCK_REGION),
            bedrock_profile=get(EnvVar.BEDROCK_PROFILE),
            summarizer_lambda_arn=get(EnvVar.SUMMARIZER_LAMBDA_ARN),
            openai_base_url=get(EnvVar.OPENAI_BASE_URL),
            openai_model=get(EnvVar.OPENAI_MODEL),
            openai_api_key=get(EnvVar.OPENAI_API_KEY),
            openai_api_key_secret_arn=get(EnvVar.OPENAI_API_KEY_SECRET_ARN),
            openai_response_format=get_choice(EnvVar.OPENAI_RESPONSE_FORMAT, OpenAiResponseFormat.AUTO),
            openai_context_tokens=get_int(EnvVar.OPENAI_CONTEXT_TOKENS, 0, 0),
            openai_timeout_seconds=get_int(EnvVar.OPENAI_TIMEOUT_SECONDS, DEFAULT_OPENAI_TIMEOUT_SECONDS, 1),
            bedrock_output_mode=get_choice(EnvVar.BEDROCK_OUTPUT_MODE, BedrockOutputMode.AUTO),
            crm_target=get_choice(EnvVar.CRM_TARGET, CrmTarget.EXAMPLE),
            crm_webhook_url=get(EnvVar.CRM_WEBHOOK_URL),
            crm_webhook_secret_arn=get(EnvVar.CRM_WEBHOOK_SECRET_ARN),
            prompt_bucket=get(EnvVar.PROMPT_BUCKET),
            prompt_prefix=get(EnvVar.PROMPT_PREFIX, "prompts/"),
            prompts_dir=get(EnvVar.PROMPTS_DIR),
            max_input_tokens=get_int(EnvVar.MAX_INPUT_TOKENS, 0, 0),
            idle_minutes=get_int(EnvVar.IDLE_MINUTES, 30, 1),
            price_table_json=get(EnvVar.PRICE_TABLE),
            crm_delivery_table_name=get(EnvVar.CRM_DELIVERY_TABLE_NAME),
            agent_channel=agent_channel,
            chime_call_key=chime_call_key,
            agent_identity_claim=get(EnvVar.AGENT_IDENTITY_CLAIM) or "username",
            unassigned_calls_visible_to=unassigned,
            supervisor_queues_claim=get(EnvVar.SUPERVISOR_QUEUES_CLAIM),
            settle_seconds=get_int(EnvVar.SETTLE_SECONDS, 0, 0),
            final_summary_queue_url=get(EnvVar.FINAL_SUMMARY_QUEUE_URL),
            llm_fallback=fallback,
            throttle_max_age_seconds=get_int(EnvVar.THROTTLE_MAX_AGE_SECONDS, THROTTLE_MAX_AGE_SECONDS, 0),
            throttle_backoff_seconds=get_int(EnvVar.THROTTLE_BACKOFF_SECONDS, THROTTLE_BACKOFF_SECONDS, 1),
            pii_redact_before_model=pii_entities,
            summary_language=get(EnvVar.SUMMARY_LANGUAGE),
            dispositions=parse_list(get(EnvVar.DISPOSITIONS)),
            follow_up_email=get_bool(EnvVar.FOLLOW_UP_EMAIL, True),
            redact_stored_transcript=get_bool(EnvVar.REDACT_STORED_TRANSCRIPT, False),
            pii_detector=pii_detector,
            live_url=get(EnvVar.LIVE_URL),
            live_endpoint=get(EnvVar.LIVE_ENDPOINT),
            live_key_id=get(EnvVar.LIVE_KEY_ID),
        )
        problems.extend(settings.live_problems())
        problems.extend(settings.crm_problems())
        if EnvVar.LLM_PROVIDER in require or provider is not Provider.EXTRACTIVE or fallback:
            problems.extend(settings.provider_problems())
        if problems:
            raise SettingsError("invalid callrecap settings: " + "; ".join(problems))
        return settings

    @property
    def stored_transcript_redaction(self) -> frozenset[PiiEntity]:
        """What the ingest function hides before storing: piiRedactBeforeModel's types (all of
        them when that is off), only with redactStoredTranscript on."""
        if not self.redact_stored_transcript:
            return frozenset()
        return self.pii_redact_before_model or ALL_ENTITIES

    def crm_problems(self) -> list[str]:
        """A built-in CRM target's settings (checked at cold start; infra checks them at synth)."""
        if self.crm_target is not CrmTarget.WEBHOOK:
            return []
        problems: list[str] = []
        from urllib.parse import urlsplit

        parts = urlsplit(self.crm_webhook_url)
        loopback = parts.hostname in ("127.0.0.1", "localhost", "::1")
        if not parts.netloc or not (parts.scheme == "https" or (parts.scheme == "http" and loopback)):
            problems.append(
                f"{EnvVar.CRM_WEBHOOK_URL.value} must be an https:// URL (http:// only to loopback), "
                f"got {self.crm_webhook_url!r}"
            )
        if not self.crm_webhook_secret_arn.startswith("arn:aws"):
            problems.append(
                f"crmTarget webhook needs {EnvVar.CRM_WEBHOOK_SECRET_ARN.value} (a Secrets Manager ARN)"
            )
        return problems

    def live_problems(self) -> list[str]:
        """A live URL or endpoint that is not a WebSocket / HTTP URL (checked at cold start)."""
        problems: list[str] = []
        if self.live_url and not self.live_url.startswith(("wss://", "ws://")):
            problems.append(f"{EnvVar.LIVE_URL.value} must be a wss:// URL, got {self.live_url!r}")
        if self.live_endpoint and not self.live_endpoint.startswith(("https://", "http://")):
            endpoint = EnvVar.LIVE_ENDPOINT.value
            problems.append(f"{endpoint} must be an https:// URL, got {self.live_endpoint!r}")
        return problems

    def provider_problems(self) -> list[str]:
        """What is missing for the chosen LLM provider and each fallback link (shared with the
        CDK config checks)."""
        missing: list[str] = []
        links = [Fallback(self.llm_provider, self._own_model(self.llm_provider)), *self.llm_fallback]
        for link in links:
            for problem in self._link_problems(link):
                if problem not in missing:
                    missing.append(problem)
        return missing

    def _own_model(self, provider: Provider) -> str:
        return {Provider.BEDROCK: self.bedrock_model_id, Provider.OPENAI: self.openai_model}.get(provider, "")

    def _link_problems(self, link: Fallback) -> list[str]:
        missing: list[str] = []
        if link.provider is Provider.BEDROCK and not link.model:
            missing.append(f"provider bedrock needs {EnvVar.BEDROCK_MODEL_ID.value}")
        if link.provider is Provider.LAMBDA and not self.summarizer_lambda_arn:
            missing.append(f"provider lambda needs {EnvVar.SUMMARIZER_LAMBDA_ARN.value}")
        if link.provider is Provider.OPENAI:
            if not self.openai_base_url:
                missing.append(f"provider openai needs {EnvVar.OPENAI_BASE_URL.value}")
            elif not self.openai_base_url.startswith(("http://", "https://")):
                missing.append(
                    f"{EnvVar.OPENAI_BASE_URL.value} must be an http(s):// URL such as "
                    f"https://host/v1, got {self.openai_base_url!r}"
                )
            if not link.model:
                missing.append(f"provider openai needs {EnvVar.OPENAI_MODEL.value}")
        return missing
