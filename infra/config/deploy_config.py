"""DeployConfig: every value a deployer can change, each declared once with its context key."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from math import ceil
from typing import Final

from callrecap.choices import (
    AgentChannel,
    BedrockOutputMode,
    ChimeCallKey,
    CrmSendOn,
    CrmTarget,
    OpenAiResponseFormat,
    PiiDetection,
    Provider,
    UnassignedCalls,
)
from callrecap.contracts import (
    FUNCTION_TIMEOUT_SECONDS,
    PAGE_REQUESTS_PER_SECOND,
    THROTTLE_MAX_AGE_SECONDS,
    Function,
)
from callrecap.settings import (
    DEFAULT_FALLBACK,
    DEFAULT_OPENAI_TIMEOUT_SECONDS,
    Fallback,
    default_fallback,
    resolve_fallback_chain,
)
from infra.config.fields import choice, flag, id_list, json_list, number, price_table_json, setting

LIVE_RECONNECT_SECONDS: Final = 60
"""The WebSocket stage lets every expected page (re)connect within this many seconds."""


def context_key_of(field_name: str) -> str:
    """The context key of the DeployConfig field `field_name` (for messages naming what to edit)."""
    from dataclasses import fields

    from infra.config.fields import context_key

    return next(context_key(f) for f in fields(DeployConfig) if f.name == field_name)


class TranscribeMode(StrEnum):
    TRANSCRIBE = "transcribe"
    CALL_ANALYTICS = "call-analytics"


class PiiMode(StrEnum):
    OFF = "off"
    IDENTIFY = "identify"
    REDACT = "redact"


@dataclass(frozen=True)
class DeployConfig:
    """Everything the stack reads from context. Each field names its context key (camelCase in
    cdk.json and `-c`) and how its raw value is parsed (fields.setting); the cross-key rules are in
    checks.py."""

    stack_name: str = setting("stackName", "CallRecap")
    # Ingestion
    voice_connector_id: str = setting("voiceConnectorId", "")
    create_voice_connector: bool = setting("createVoiceConnector", False, flag)
    transcribe_mode: TranscribeMode = setting(
        "transcribeMode", TranscribeMode.TRANSCRIBE, choice(TranscribeMode)
    )
    language_code: str = setting("languageCode", "en-US")
    pii_mode: PiiMode = setting("piiMode", PiiMode.OFF, choice(PiiMode))
    pii_entity_types: str = setting("piiEntityTypes", "")
    custom_vocabulary_name: str = setting("customVocabularyName", "")
    agent_channel: AgentChannel = setting("agentChannel", AgentChannel.CH_1, choice(AgentChannel))
    chime_call_identity: ChimeCallKey | None = setting(
        "chimeCallIdentity", None, choice(ChimeCallKey, auto=True)
    )
    """auto: transactionId with this stack's Voice Connector, callId without one (LCA's producers)."""
    connect_instance_arn: str = setting("connectInstanceArn", "")
    """An Amazon Connect instance whose Contact Lens real-time voice segments feed the stream."""
    agent_identity_claim: str = setting("agentIdentityClaim", "username")
    """The access-token claim that is an agent's identity, matched against a call's agentId."""
    unassigned_calls_visible_to: UnassignedCalls = setting(
        "unassignedCallsVisibleTo", UnassignedCalls.SUPERVISORS, choice(UnassignedCalls)
    )
    """Who besides supervisors and admins sees a call with no agent: supervisors (only) or agents."""
    supervisor_queues_claim: str = setting("supervisorQueuesClaim", "")
    """A token claim listing the queue ids a supervisor is limited to ("": supervisors see all)."""
    price_table: str = setting("priceTable", "", price_table_json)
    """JSON price table (USD per 1k tokens by model id) for the summaries' estimatedCostUsd."""
    # Kinesis -> ingest event source mapping
    ingest_batch_size: int = setting("ingestBatchSize", 100, number(1, 10_000))
    ingest_batch_window_seconds: int = setting("ingestBatchWindowSeconds", 1, number(0, 300))
    ingest_retry_attempts: int = setting("ingestRetryAttempts", 5, number(0, 10_000))
    ingest_max_record_age_seconds: int = setting("ingestMaxRecordAgeSeconds", 3600, number(60, 604_800))
    ingest_parallelization_factor: int = setting("ingestParallelizationFactor", 2, number(1, 10))
    # Storage
    ttl_days: int = setting("ttlDays", 90, number(0, 3650))
    # Summaries
    llm_provider: Provider = setting("llmProvider", Provider.BEDROCK, choice(Provider))
    bedrock_model_id: str = setting("bedrockModelId", "amazon.nova-lite-v1:0")
    bedrock_region: str = setting("bedrockRegion", "")
    summarizer_lambda_arn: str = setting("summarizerLambdaArn", "")
    openai_base_url: str = setting("openaiBaseUrl", "")
    openai_model: str = setting("openaiModel", "")
    openai_api_key_secret_arn: str = setting("openaiApiKeySecretArn", "")
    openai_response_format: OpenAiResponseFormat = setting(
        "openaiResponseFormat", OpenAiResponseFormat.AUTO, choice(OpenAiResponseFormat)
    )
    """How the summary's shape is asked of an OpenAI-compatible server (auto: negotiated)."""
    openai_context_tokens: int = setting("openaiContextTokens", 0, number(0, 2_000_000))
    """The server's context window (0: discovered from the server where it says)."""
    openai_timeout_seconds: int = setting(
        "openaiTimeoutSeconds",
        DEFAULT_OPENAI_TIMEOUT_SECONDS,
        number(1, FUNCTION_TIMEOUT_SECONDS[Function.SUMMARIZER]),
    )
    """One request's socket timeout, within the summarizer's own timeout (and the run's time left)."""
    bedrock_output_mode: BedrockOutputMode = setting(
        "bedrockOutputMode", BedrockOutputMode.AUTO, choice(BedrockOutputMode)
    )
    """Converse's outputConfig, a forced tool, or the prompt alone (auto: by model id)."""
    max_input_tokens: int = setting("maxInputTokens", 0, number(0, 2_000_000))
    # The summarizer inside the customer's VPC (a self-hosted model there); docs/deploy.md, "VPC".
    summarizer_vpc_id: str = setting("summarizerVpcId", "")
    summarizer_subnet_ids: str = setting("summarizerSubnetIds", "", id_list)
    summarizer_security_group_ids: str = setting("summarizerSecurityGroupIds", "", id_list)
    summarizer_route_table_ids: str = setting("summarizerRouteTableIds", "", id_list)
    summarizer_vpc_endpoints: bool = setting("summarizerVpcEndpoints", True, flag)
    """Create the VPC endpoints the summarizer then needs (off when the VPC has them already)."""
    final_summary_delay_seconds: int = setting("finalSummaryDelaySeconds", 10, number(0, 900))
    """CallEnded waits this long in a delay queue before the final summary (docs/summarization.md)."""
    llm_max_concurrency: int = setting("llmMaxConcurrency", 25, number(2, 1000))
    """Summarizer runs at once from the final-summary queue (the SQS event source's maximum
    concurrency): finals a minute <= this x 60 / the model's latency; keep under the model's quota."""
    dispositions: str = setting("dispositions", "", json_list)
    """The deployment's disposition list (JSON list text; "": prompts/sections.toml's own)."""
    follow_up_email: bool = setting("followUpEmail", True, flag)
    """Write the follow_up_email section (false leaves it out)."""
    summary_language: str = setting("summaryLanguage", "")
    """Every summary in this language (`es`, `de-DE`); "": the call's language, else English."""
    pii_detector: PiiDetection = setting("piiDetector", PiiDetection.RULES, choice(PiiDetection))
    """`rules`, or `comprehend`: Amazon Comprehend DetectPiiEntities beside the rules."""
    redact_stored_transcript: bool = setting("redactStoredTranscript", False, flag)
    """Store the transcript with PII replaced by tags too (agents then see the tags)."""
    pii_redact_before_model: str = setting("piiRedactBeforeModel", "all")
    """PII replaced by tags before any model sees the transcript: `all`, `off` or e.g. `CARD,EMAIL`."""
    llm_throttle_max_age_seconds: int = setting(
        "llmThrottleMaxAgeSeconds", THROTTLE_MAX_AGE_SECONDS, number(0, 43_200)
    )
    """A final whose model is throttled is put back on its queue with backoff until this long after
    the call ended; then stored FAILED (THROTTLED, retryable) for the sweeper's bounded retries."""
    llm_fallback: str = setting("llmFallback", DEFAULT_FALLBACK)
    """Providers that write the summary when the primary fails (`llmFallback`, comma-separated):
    `bedrock:<model id>` (a second model, granted like the first), `extractive` (offline: no
    model, no IAM), `openai:<model>` / `lambda` with their settings; docs/summarization.md."""
    idle_minutes: int = setting("idleMinutes", 30, number(1, 1440))
    sweeper_interval_minutes: int = setting("sweeperIntervalMinutes", 5, number(1, 1440))
    crm_hook_arn: str = setting("crmHookArn", "")
    crm_include_interim: bool = setting("crmIncludeInterim", False, flag)
    crm_target: CrmTarget = setting("crmTarget", CrmTarget.EXAMPLE, choice(CrmTarget))
    """Where the CRM hook delivers (docs/crm.md): example (records only) or webhook."""
    crm_webhook_url: str = setting("crmWebhookUrl", "")
    crm_webhook_secret_arn: str = setting("crmWebhookSecretArn", "")
    crm_send_on: CrmSendOn = setting("crmSendOn", CrmSendOn.FINAL, choice(CrmSendOn))
    """Which summary the CRM gets: each final, only the agent's approval, or the approval if it
    comes within wrapUpMinutes and the final otherwise (docs/summarization.md)."""
    wrap_up_minutes: int = setting("wrapUpMinutes", 10, number(1, 15))
    """approval-or-timeout: how long the agent has to approve (an SQS delay: 15 minutes at most)."""
    """Also send interim ("Summarize now") summaries to the CRM hook (default: finals only)."""
    # Web
    domain_name: str = setting("domainName", "")
    """The page's own host name (e.g. calls.example.com); with certificate_arn, TLS 1.2+ only."""
    certificate_arn: str = setting("certificateArn", "")
    """An ACM certificate for domain_name, in us-east-1 (CloudFront's region for certificates)."""
    cognito_domain_prefix: str = setting("cognitoDomainPrefix", "")
    self_sign_up: bool = setting("selfSignUp", False, flag)
    # API
    expected_open_pages: int = setting("expectedOpenPages", 25, number(1, 100_000))
    """Agent pages open at once (each pushed its live call's segments over the WebSocket API)."""
    api_throttle: int = setting("apiThrottleRps", 0, number(0, 1_000_000))
    """Stage-wide requests a second (`apiThrottleRps`); 0: follows from expected_open_pages."""
    # Operations
    log_retention_days: int = setting("logRetentionDays", 30, number(1, 3653))
    alarm_email: str = setting("alarmEmail", "")
    iterator_age_alarm_seconds: int = setting("iteratorAgeAlarmSeconds", 300, number(1, 604_800))
    # Packaging
    python_runtime: str = setting("pythonRuntime", "3.14")
    """Lambda Python runtime (3.11-3.14; default the newest aws-cdk-lib offers)."""
    bytecode_python: str = setting("bytecodePython", "")
    """An interpreter of `python_runtime`'s version to compile bytecode with (found when empty)."""
    # Test-only: package an empty dependency layer instead of running pip (never for deploys).
    skip_layer_build: bool = setting("skipLayerBuild", False, flag)

    @property
    def voice_connector_enabled(self) -> bool:
        return bool(self.voice_connector_id) or self.create_voice_connector

    @property
    def summarizer_in_vpc(self) -> bool:
        return bool(
            self.summarizer_vpc_id or self.summarizer_subnet_ids or self.summarizer_security_group_ids
        )

    @staticmethod
    def _ids(joined: str) -> tuple[str, ...]:
        return tuple(part.strip() for part in joined.split(",") if part.strip())

    @property
    def subnet_ids(self) -> tuple[str, ...]:
        return self._ids(self.summarizer_subnet_ids)

    @property
    def security_group_ids(self) -> tuple[str, ...]:
        return self._ids(self.summarizer_security_group_ids)

    @property
    def route_table_ids(self) -> tuple[str, ...]:
        return self._ids(self.summarizer_route_table_ids)

    def fallback_chain(self) -> tuple[tuple[Fallback, ...], list[str]]:
        """`llmFallback` resolved as the summarizer resolves it at cold start (settings)."""
        raw = self.llm_fallback
        if raw == DEFAULT_FALLBACK and self.llm_provider is Provider.EXTRACTIVE:
            raw = default_fallback(self.llm_provider)  # the default: nothing behind extractive itself
        return resolve_fallback_chain(
            raw,
            self.llm_provider,
            {Provider.BEDROCK: self.bedrock_model_id, Provider.OPENAI: self.openai_model},
        )

    @property
    def api_throttle_rps(self) -> int:
        """The stage throttle: `apiThrottleRps`, else PAGE_REQUESTS_PER_SECOND per expected open page."""
        return self.api_throttle or max(10, ceil(self.expected_open_pages * PAGE_REQUESTS_PER_SECOND))

    @property
    def live_connect_rps(self) -> int:
        """WebSocket stage throttle: every expected page (re)connecting within LIVE_RECONNECT_SECONDS."""
        return max(10, ceil(self.expected_open_pages / LIVE_RECONNECT_SECONDS))

    @property
    def chime_call_key(self) -> str:
        """The resolved CALLRECAP_CHIME_CALL_KEY: with this stack's own Voice Connector the
        streaming-status lifecycle names calls by transactionId; without one, Chime records on the
        stream come from another producer (LCA's call analytics), whose START/END use callId."""
        if self.chime_call_identity is not None:
            return self.chime_call_identity.value
        if self.voice_connector_enabled:
            return ChimeCallKey.TRANSACTION_ID.value
        return ChimeCallKey.CALL_ID.value
