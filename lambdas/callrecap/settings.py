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
from enum import StrEnum
from typing import TypeVar

from callrecap.contracts import THROTTLE_BACKOFF_SECONDS, THROTTLE_MAX_AGE_SECONDS
from callrecap.domain.privacy.pii import ALL_ENTITIES, PiiEntity, parse_entities
from callrecap.domain.summaries.languages import is_language_code


class EnvVar(StrEnum):
    TABLE_NAME = "CALLRECAP_TABLE_NAME"
    EVENT_BUS_NAME = "CALLRECAP_EVENT_BUS_NAME"
    QUARANTINE_QUEUE_URL = "CALLRECAP_QUARANTINE_QUEUE_URL"
    TTL_DAYS = "CALLRECAP_TTL_DAYS"
    LLM_PROVIDER = "CALLRECAP_LLM_PROVIDER"
    BEDROCK_MODEL_ID = "CALLRECAP_BEDROCK_MODEL_ID"
    BEDROCK_REGION = "CALLRECAP_BEDROCK_REGION"
    BEDROCK_PROFILE = "CALLRECAP_BEDROCK_PROFILE"
    """A named AWS profile that signs the Bedrock calls ("": the function's own credentials); the
    local stack uses it, since its other clients sign with moto's fake keys."""
    SUMMARIZER_LAMBDA_ARN = "CALLRECAP_SUMMARIZER_LAMBDA_ARN"
    OPENAI_BASE_URL = "CALLRECAP_OPENAI_BASE_URL"
    OPENAI_MODEL = "CALLRECAP_OPENAI_MODEL"
    OPENAI_API_KEY = "CALLRECAP_OPENAI_API_KEY"
    OPENAI_API_KEY_SECRET_ARN = "CALLRECAP_OPENAI_API_KEY_SECRET_ARN"  # noqa: S105 (a variable name)
    PROMPT_BUCKET = "CALLRECAP_PROMPT_BUCKET"
    PROMPT_PREFIX = "CALLRECAP_PROMPT_PREFIX"
    PROMPTS_DIR = "CALLRECAP_PROMPTS_DIR"
    MAX_INPUT_TOKENS = "CALLRECAP_MAX_INPUT_TOKENS"
    IDLE_MINUTES = "CALLRECAP_IDLE_MINUTES"
    PRICE_TABLE = "CALLRECAP_PRICE_TABLE"
    CRM_DELIVERY_TABLE_NAME = "CALLRECAP_CRM_DELIVERY_TABLE_NAME"
    AGENT_CHANNEL = "CALLRECAP_AGENT_CHANNEL"
    CHIME_CALL_KEY = "CALLRECAP_CHIME_CALL_KEY"
    AGENT_IDENTITY_CLAIM = "CALLRECAP_AGENT_IDENTITY_CLAIM"
    UNASSIGNED_CALLS_VISIBLE_TO = "CALLRECAP_UNASSIGNED_CALLS_VISIBLE_TO"
    SUPERVISOR_QUEUES_CLAIM = "CALLRECAP_SUPERVISOR_QUEUES_CLAIM"
    FINAL_SUMMARY_QUEUE_URL = "CALLRECAP_FINAL_SUMMARY_QUEUE_URL"
    """Where the summarizer puts a CallEnded back while its call is still settling."""
    LLM_FALLBACK = "CALLRECAP_LLM_FALLBACK"
    """Providers that write the summary when the primary fails (comma-separated, e.g. `extractive`)."""
    SETTLE_SECONDS = "CALLRECAP_SETTLE_SECONDS"
    """The final-summary delay (finalSummaryDelaySeconds): a stale request waits until the call's
    transcript has been quiet this long, so a burst of late segments makes one new final."""
    THROTTLE_MAX_AGE_SECONDS = "CALLRECAP_THROTTLE_MAX_AGE_SECONDS"
    """llmThrottleMaxAgeSeconds: how long after its event a throttled final is still put back."""
    THROTTLE_BACKOFF_SECONDS = "CALLRECAP_THROTTLE_BACKOFF_SECONDS"
    """The first wait of a throttled final (doubling after); the local stack shortens it."""
    DISPOSITIONS = "CALLRECAP_DISPOSITIONS"
    """The deployment's disposition list (a JSON list or comma-separated; "": prompts/sections.toml's)."""
    FOLLOW_UP_EMAIL = "CALLRECAP_FOLLOW_UP_EMAIL"
    """`false` leaves the follow_up_email section out."""
    PII_DETECTOR = "CALLRECAP_PII_DETECTOR"
    """`rules` (default) or `comprehend`: Amazon Comprehend DetectPiiEntities beside the rules."""
    REDACT_STORED_TRANSCRIPT = "CALLRECAP_REDACT_STORED_TRANSCRIPT"
    """`true`: the ingest function stores segments with PII replaced by tags, and the summarizer
    tags numbers read out over several segments after a final run (redactStoredTranscript)."""
    SUMMARY_LANGUAGE = "CALLRECAP_SUMMARY_LANGUAGE"
    """The language of every summary (`es`, `de-DE`...); unset: the call's language, else English."""
    PII_REDACT_BEFORE_MODEL = "CALLRECAP_PII_REDACT_BEFORE_MODEL"
    """The PII types replaced by tags before any provider sees the transcript (`all`, `off`, or a
    list such as `CARD,EMAIL`; domain.pii)."""
    LIVE_URL = "CALLRECAP_LIVE_URL"
    """wss:// URL of the live-updates WebSocket API (the api function hands it to pages)."""
    LIVE_ENDPOINT = "CALLRECAP_LIVE_ENDPOINT"
    """https:// management endpoint of that API's stage (the ingest function posts to it)."""
    LIVE_KEY_ID = "CALLRECAP_LIVE_KEY_ID"
    """The KMS HMAC key that signs (api) and verifies (live_connect) live tickets."""


class Provider(StrEnum):
    BEDROCK = "bedrock"
    LAMBDA = "lambda"
    OPENAI = "openai"
    EXTRACTIVE = "extractive"


class AgentChannel(StrEnum):
    """The Transcribe `ChannelId` the agent speaks on (plain Transcribe results name no speaker)."""

    CH_0 = "ch_0"
    CH_1 = "ch_1"


class UnassignedCallsSetting(StrEnum):
    """Who besides supervisors and admins sees a call that names no agent (domain.access)."""

    SUPERVISORS = "supervisors"
    AGENTS = "agents"


class PiiDetectorSetting(StrEnum):
    """What finds PII before the model: the rules alone, or Amazon Comprehend beside them."""

    RULES = "rules"
    COMPREHEND = "comprehend"


class ChimeCallKeySetting(StrEnum):
    """Which `metadata` field names the call in Chime call analytics records (domain.inbound.identity)."""

    TRANSACTION_ID = "transactionId"
    CALL_ID = "callId"


_Choice = TypeVar("_Choice", bound=StrEnum)


@dataclass(frozen=True)
class Fallback:
    """One link of the `llmFallback` chain: a provider, and the model it uses ("" = its configured
    one). Written `extractive`, `bedrock:<model id>` or `openai:<model>` (split at the first colon:
    Bedrock model ids contain colons of their own)."""

    provider: Provider
    model: str = ""

    def __str__(self) -> str:
        return f"{self.provider.value}:{self.model}" if self.model else self.provider.value


def parse_fallback_chain(raw: str) -> tuple[list[Fallback], list[str]]:
    """The links of a comma-separated chain, and what is wrong with it (unknown providers)."""
    chain: list[Fallback] = []
    problems: list[str] = []
    for part in (p.strip() for p in raw.split(",") if p.strip()):
        name, _, model = part.partition(":")
        try:
            provider = Provider(name.strip().lower())
        except ValueError:
            allowed = ", ".join(p.value for p in Provider)
            problems.append(f"unknown provider {name.strip().lower()!r} in {part!r} (one of {allowed})")
            continue
        if provider is Provider.EXTRACTIVE and model.strip():
            problems.append(f"{part!r}: extractive has no model")
            continue
        chain.append(Fallback(provider, model.strip()))
    return chain, problems


def resolve_fallback_chain(
    raw: str, primary: Provider, configured: Mapping[Provider, str]
) -> tuple[tuple[Fallback, ...], list[str]]:
    """The chain with each link's model resolved (`configured`: each provider's own model), and
    its problems: unknown providers, a link equal to the primary or to an earlier link. Shared
    by the Lambda's cold start and the synth (infra/config.py)."""
    links, problems = parse_fallback_chain(raw)
    head = Fallback(primary, configured.get(primary, ""))
    chain: list[Fallback] = []
    for link in links:
        resolved = Fallback(link.provider, link.model or configured.get(link.provider, ""))
        if resolved == head or resolved in chain:
            problems.append(f"{link} is already in the chain")
            continue
        chain.append(resolved)
    return tuple(chain), problems


def parse_list(raw: str) -> tuple[str, ...]:
    """A JSON list of strings or a comma-separated string (how CDK passes a list to an env var)."""
    import json

    text = raw.strip()
    if text.startswith("["):
        try:
            values = json.loads(text)
        except ValueError:
            values = []
        return tuple(str(v).strip() for v in values if str(v).strip()) if isinstance(values, list) else ()
    return tuple(part.strip() for part in text.split(",") if part.strip())


class SettingsError(ValueError):
    """Raised at cold start when the environment does not describe a usable configuration."""


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
    chime_call_key: ChimeCallKeySetting = ChimeCallKeySetting.TRANSACTION_ID
    """transactionId for this project's own Voice Connector; callId beside LCA's producers."""
    agent_identity_claim: str = "username"
    """The sign-in token claim that is an agent's identity (matched against a call's agentId)."""
    unassigned_calls_visible_to: UnassignedCallsSetting = UnassignedCallsSetting.SUPERVISORS
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
    pii_detector: PiiDetectorSetting = PiiDetectorSetting.RULES
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
        env = os.environ if environ is None else environ
        problems: list[str] = []

        def get(var: EnvVar, default: str = "") -> str:
            return env.get(var.value, default).strip()

        def get_int(var: EnvVar, default: int, minimum: int) -> int:
            raw = get(var)
            if not raw:
                return default
            try:
                value = int(raw)
            except ValueError:
                problems.append(f"{var.value} must be an integer, got {raw!r}")
                return default
            if value < minimum:
                problems.append(f"{var.value} must be >= {minimum}, got {value}")
            return value

        def get_bool(var: EnvVar, default: bool) -> bool:
            """true/false (also 1/0, yes/no, on/off); anything else is a problem, not a guess: a
            misspelt "ture" must not quietly leave PII redaction off."""
            raw = get(var).lower()
            if not raw:
                return default
            if raw in ("true", "1", "yes", "on"):
                return True
            if raw in ("false", "0", "no", "off"):
                return False
            problems.append(f"{var.value} must be true or false, got {raw!r}")
            return default

        def get_choice(var: EnvVar, default: _Choice) -> _Choice:
            raw = get(var) or default.value
            choices = type(default)
            for choice in choices:
                if choice.value.lower() == raw.lower():
                    return choice
            allowed = ", ".join(c.value for c in choices)
            problems.append(f"{var.value} must be one of {allowed}, got {raw.lower()!r}")
            return default

        for var in require:
            if not get(var):
                problems.append(f"{var.value} is required")

        provider = get_choice(EnvVar.LLM_PROVIDER, Provider.EXTRACTIVE)
        agent_channel = get_choice(EnvVar.AGENT_CHANNEL, AgentChannel.CH_1)
        chime_call_key = get_choice(EnvVar.CHIME_CALL_KEY, ChimeCallKeySetting.TRANSACTION_ID)
        unassigned = get_choice(EnvVar.UNASSIGNED_CALLS_VISIBLE_TO, UnassignedCallsSetting.SUPERVISORS)
        pii_detector = get_choice(EnvVar.PII_DETECTOR, PiiDetectorSetting.RULES)

        fallback, fallback_problems = resolve_fallback_chain(
            get(EnvVar.LLM_FALLBACK),
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
