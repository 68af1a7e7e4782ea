"""Typed deployment settings read from CDK context (defaults in cdk.json), validated at synth.

Every value a deployer can change is a context key here, so `cdk.json` and
`-c key=value` are the only knobs. Validation collects every problem and raises one
`ConfigError` listing them, so a bad value stops `make synth` with a readable message instead
of producing a stack that deploys and then fails at runtime. The LLM provider checks are
shared with the Lambdas (`Settings.provider_problems`) so both sides agree on what is required.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from math import ceil
from typing import Any, Final, TypeVar

from callrecap.contracts import PAGE_REQUESTS_PER_SECOND, THROTTLE_MAX_AGE_SECONDS
from callrecap.domain.privacy.pii import parse_entities
from callrecap.domain.summaries.languages import is_language_code
from callrecap.settings import (
    AgentChannel,
    EnvVar,
    Fallback,
    Provider,
    Settings,
    parse_list,
    resolve_fallback_chain,
)

_E = TypeVar("_E", bound=StrEnum)


class ConfigError(ValueError):
    """A CDK context value that cannot produce a working deployment."""


class TranscribeMode(StrEnum):
    TRANSCRIBE = "transcribe"
    CALL_ANALYTICS = "call-analytics"


class ChimeCallIdentity(StrEnum):
    """Which metadata field names a Chime record's call (domain.inbound.identity)."""

    AUTO = "auto"
    TRANSACTION_ID = "transactionId"
    CALL_ID = "callId"


class PiiMode(StrEnum):
    OFF = "off"
    IDENTIFY = "identify"
    REDACT = "redact"


# Regions where Amazon Bedrock runtime is offered (a model may still be missing in one of them).
BEDROCK_REGIONS: Final = frozenset(
    {
        "us-east-1", "us-east-2", "us-west-1", "us-west-2", "us-gov-west-1", "us-gov-east-1",
        "ca-central-1", "ca-west-1", "sa-east-1", "mx-central-1",
        "eu-central-1", "eu-central-2", "eu-west-1", "eu-west-2", "eu-west-3", "eu-north-1",
        "eu-south-1", "eu-south-2",
        "ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ap-south-1", "ap-south-2",
        "ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4", "ap-southeast-5",
        "ap-southeast-7", "ap-east-2", "me-central-1", "me-south-1", "il-central-1",
        "af-south-1",
    }
)  # fmt: skip

# Languages Transcribe streaming (and therefore the Chime SDK call analytics processors) accepts.
TRANSCRIBE_LANGUAGES: Final = frozenset(
    {
        "en-US", "en-GB", "en-AU", "en-IN", "en-IE", "en-NZ", "en-AB", "en-ZA", "en-WL",
        "es-US", "es-ES", "fr-FR", "fr-CA", "de-DE", "de-CH", "it-IT", "pt-BR", "pt-PT",
        "ja-JP", "ko-KR", "zh-CN", "zh-HK", "zh-TW", "hi-IN", "th-TH", "ar-SA", "ar-AE",
        "nl-NL", "sv-SE", "da-DK", "no-NO", "fi-FI", "pl-PL", "ru-RU", "tr-TR", "he-IL",
        "id-ID", "ms-MY", "vi-VN", "uk-UA", "cs-CZ", "el-GR", "ro-RO", "hu-HU",
    }
)  # fmt: skip
# Transcribe Call Analytics streaming supports fewer languages.
CALL_ANALYTICS_LANGUAGES: Final = frozenset(
    {"en-US", "en-GB", "en-AU", "es-US", "fr-FR", "fr-CA", "de-DE", "it-IT", "pt-BR"}
)

_LAMBDA_ARN = re.compile(
    r"^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]+(:[A-Za-z0-9_$-]+)?$"
)
_SECRET_ARN = re.compile(r"^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+$")
_VOICE_CONNECTOR_ID = re.compile(r"^[a-z0-9]{20,32}$")
_CONNECT_INSTANCE_ARN = re.compile(r"^arn:aws[a-z-]*:connect:[a-z0-9-]+:\d{12}:instance/[A-Za-z0-9-]+$")
_DOMAIN_PREFIX = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

# Context key of each provider setting, so that an error names what the deployer must edit.
_PROVIDER_CONTEXT_KEYS: Final = {
    EnvVar.BEDROCK_MODEL_ID.value: "bedrockModelId",
    EnvVar.SUMMARIZER_LAMBDA_ARN.value: "summarizerLambdaArn",
    EnvVar.OPENAI_BASE_URL.value: "openaiBaseUrl",
    EnvVar.OPENAI_MODEL.value: "openaiModel",
}


@dataclass(frozen=True)
class DeployConfig:
    """Everything the stack reads from context. Field names match the context keys (camelCase)."""

    stack_name: str = "CallRecap"
    # Ingestion
    voice_connector_id: str = ""
    create_voice_connector: bool = False
    transcribe_mode: TranscribeMode = TranscribeMode.TRANSCRIBE
    language_code: str = "en-US"
    pii_mode: PiiMode = PiiMode.OFF
    pii_entity_types: str = ""
    custom_vocabulary_name: str = ""
    agent_channel: AgentChannel = AgentChannel.CH_1
    chime_call_identity: ChimeCallIdentity = ChimeCallIdentity.AUTO
    """auto: transactionId with this stack's Voice Connector, callId without one (LCA's producers)."""
    connect_instance_arn: str = ""
    agent_identity_claim: str = "username"
    """The access-token claim that is an agent's identity, matched against a call's agentId."""
    unassigned_calls_visible_to: str = "supervisors"
    supervisor_queues_claim: str = ""
    """A token claim listing the queue ids a supervisor is limited to ("": supervisors see all)."""
    """Who besides supervisors and admins sees a call with no agent: supervisors (only) or agents."""
    """An Amazon Connect instance whose Contact Lens real-time voice segments feed the stream."""
    price_table: str = ""
    """JSON price table (USD per 1k tokens by model id) for the summaries' estimatedCostUsd."""
    # Kinesis -> ingest event source mapping
    ingest_batch_size: int = 100
    ingest_batch_window_seconds: int = 1
    ingest_retry_attempts: int = 5
    ingest_max_record_age_seconds: int = 3600
    ingest_parallelization_factor: int = 2
    # Storage
    ttl_days: int = 90
    # Summaries
    llm_provider: Provider = Provider.BEDROCK
    bedrock_model_id: str = "amazon.nova-lite-v1:0"
    bedrock_region: str = ""
    summarizer_lambda_arn: str = ""
    openai_base_url: str = ""
    openai_model: str = ""
    openai_api_key_secret_arn: str = ""
    max_input_tokens: int = 0
    # The summarizer inside the customer's VPC (a self-hosted model there); docs/deploy.md, "VPC".
    summarizer_vpc_id: str = ""
    summarizer_subnet_ids: str = ""
    summarizer_security_group_ids: str = ""
    summarizer_route_table_ids: str = ""
    summarizer_vpc_endpoints: bool = True
    """Create the VPC endpoints the summarizer then needs (off when the VPC has them already)."""
    final_summary_delay_seconds: int = 10
    llm_max_concurrency: int = 25
    dispositions: str = ""
    """The deployment's disposition list (JSON list text; "": prompts/sections.toml's own)."""
    follow_up_email: bool = True
    """Write the follow_up_email section (false leaves it out)."""
    summary_language: str = ""
    """Every summary in this language (`es`, `de-DE`); "": the call's language, else English."""
    pii_detector: str = "rules"
    """`rules`, or `comprehend`: Amazon Comprehend DetectPiiEntities beside the rules."""
    redact_stored_transcript: bool = False
    """Store the transcript with PII replaced by tags too (agents then see the tags)."""
    pii_redact_before_model: str = "all"
    """PII replaced by tags before any model sees the transcript: `all`, `off` or e.g. `CARD,EMAIL`."""
    llm_throttle_max_age_seconds: int = THROTTLE_MAX_AGE_SECONDS
    """A final whose model is throttled is put back on its queue with backoff until this long after
    the call ended; then stored FAILED (THROTTLED, retryable) for the sweeper's bounded retries."""
    llm_fallback: str = ""
    """Providers that write the summary when the primary fails (`llmFallback`, comma-separated):
    `bedrock:<model id>` (a second model, granted like the first), `extractive` (offline: no
    model, no IAM), `openai:<model>` / `lambda` with their settings; docs/summarization.md."""
    """Summarizer runs at once from the final-summary queue (the SQS event source's maximum
    concurrency): finals a minute <= this x 60 / the model's latency; keep under the model's quota."""
    """CallEnded waits this long in a delay queue before the final summary (docs/summarization.md)."""
    idle_minutes: int = 30
    sweeper_interval_minutes: int = 5
    crm_hook_arn: str = ""
    crm_include_interim: bool = False
    """Also send interim ("Summarize now") summaries to the CRM hook (default: finals only)."""
    # Web
    domain_name: str = ""
    """The page's own host name (e.g. calls.example.com); with certificate_arn, TLS 1.2+ only."""
    certificate_arn: str = ""
    """An ACM certificate for domain_name, in us-east-1 (CloudFront's region for certificates)."""
    cognito_domain_prefix: str = ""
    self_sign_up: bool = False
    # API
    expected_open_pages: int = 25
    """Agent pages open at once (each pushed its live call's segments over the WebSocket API)."""
    api_throttle: int = 0
    """Stage-wide requests a second (`apiThrottleRps`); 0: follows from expected_open_pages."""
    # Operations
    log_retention_days: int = 30
    alarm_email: str = ""
    iterator_age_alarm_seconds: int = 300
    # Packaging
    python_runtime: str = "3.14"
    """Lambda Python runtime (3.11-3.14; default the newest aws-cdk-lib offers)."""
    bytecode_python: str = ""
    """An interpreter of `python_runtime`'s version to compile bytecode with (found when empty)."""
    # Test-only: package an empty dependency layer instead of running pip (never for deploys).
    skip_layer_build: bool = False

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
        return resolve_fallback_chain(
            self.llm_fallback,
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
        if self.chime_call_identity is not ChimeCallIdentity.AUTO:
            return self.chime_call_identity.value
        if self.voice_connector_enabled:
            return ChimeCallIdentity.TRANSACTION_ID.value
        return ChimeCallIdentity.CALL_ID.value


CONTEXT_KEYS: Final[Mapping[str, str]] = {
    "stackName": "stack_name",
    "voiceConnectorId": "voice_connector_id",
    "createVoiceConnector": "create_voice_connector",
    "transcribeMode": "transcribe_mode",
    "languageCode": "language_code",
    "piiMode": "pii_mode",
    "piiEntityTypes": "pii_entity_types",
    "customVocabularyName": "custom_vocabulary_name",
    "agentChannel": "agent_channel",
    "chimeCallIdentity": "chime_call_identity",
    "connectInstanceArn": "connect_instance_arn",
    "agentIdentityClaim": "agent_identity_claim",
    "unassignedCallsVisibleTo": "unassigned_calls_visible_to",
    "supervisorQueuesClaim": "supervisor_queues_claim",
    "priceTable": "price_table",
    "ingestBatchSize": "ingest_batch_size",
    "ingestBatchWindowSeconds": "ingest_batch_window_seconds",
    "ingestRetryAttempts": "ingest_retry_attempts",
    "ingestMaxRecordAgeSeconds": "ingest_max_record_age_seconds",
    "ingestParallelizationFactor": "ingest_parallelization_factor",
    "ttlDays": "ttl_days",
    "llmProvider": "llm_provider",
    "bedrockModelId": "bedrock_model_id",
    "bedrockRegion": "bedrock_region",
    "summarizerLambdaArn": "summarizer_lambda_arn",
    "openaiBaseUrl": "openai_base_url",
    "openaiModel": "openai_model",
    "openaiApiKeySecretArn": "openai_api_key_secret_arn",
    "maxInputTokens": "max_input_tokens",
    "finalSummaryDelaySeconds": "final_summary_delay_seconds",
    "llmMaxConcurrency": "llm_max_concurrency",
    "llmFallback": "llm_fallback",
    "llmThrottleMaxAgeSeconds": "llm_throttle_max_age_seconds",
    "piiRedactBeforeModel": "pii_redact_before_model",
    "summaryLanguage": "summary_language",
    "dispositions": "dispositions",
    "followUpEmail": "follow_up_email",
    "redactStoredTranscript": "redact_stored_transcript",
    "piiDetector": "pii_detector",
    "domainName": "domain_name",
    "certificateArn": "certificate_arn",
    "summarizerVpcId": "summarizer_vpc_id",
    "summarizerSubnetIds": "summarizer_subnet_ids",
    "summarizerSecurityGroupIds": "summarizer_security_group_ids",
    "summarizerRouteTableIds": "summarizer_route_table_ids",
    "summarizerVpcEndpoints": "summarizer_vpc_endpoints",
    "idleMinutes": "idle_minutes",
    "sweeperIntervalMinutes": "sweeper_interval_minutes",
    "crmHookArn": "crm_hook_arn",
    "crmIncludeInterim": "crm_include_interim",
    "cognitoDomainPrefix": "cognito_domain_prefix",
    "selfSignUp": "self_sign_up",
    "expectedOpenPages": "expected_open_pages",
    "apiThrottleRps": "api_throttle",
    "logRetentionDays": "log_retention_days",
    "alarmEmail": "alarm_email",
    "iteratorAgeAlarmSeconds": "iterator_age_alarm_seconds",
    "pythonRuntime": "python_runtime",
    "bytecodePython": "bytecode_python",
    "skipLayerBuild": "skip_layer_build",
}
"""Context key -> DeployConfig field. docs/deploy.md documents each key."""

CONTEXT_NAMESPACE: Final = "callrecap"
"""Keys may be given flat (`-c llmProvider=lambda`) or under this object in cdk.json."""

PYTHON_RUNTIMES: Final = ("3.11", "3.12", "3.13", "3.14")
"""Lambda Python runtimes the stack can target (arm64); docs/deploy.md, "Runtime and cold start"."""

LOG_RETENTION_CHOICES: Final = frozenset(
    {1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}
)


def _as_bool(key: str, raw: Any, problems: list[str]) -> bool:
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in {"true", "1", "yes"}:
        return True
    if text in {"false", "0", "no", ""}:
        return False
    problems.append(f"{key} must be true or false, got {raw!r}")
    return False


def _as_int(key: str, raw: Any, problems: list[str], low: int, high: int) -> int:
    try:
        value = int(str(raw).strip())
    except ValueError:
        problems.append(f"{key} must be an integer, got {raw!r}")
        return low
    if not low <= value <= high:
        problems.append(f"{key} must be between {low} and {high}, got {value}")
    return value


def _as_enum(key: str, raw: Any, enum: type[_E], problems: list[str]) -> _E | None:
    wanted = str(raw).strip().lower()
    for member in enum:
        if member.value.lower() == wanted:
            return member
    allowed = ", ".join(e.value for e in enum)
    problems.append(f"{key} must be one of {allowed}, got {raw!r}")
    return None


LIVE_RECONNECT_SECONDS: Final = 60
"""The WebSocket stage lets every expected page (re)connect within this many seconds."""
HTTP_API_ACCOUNT_QUOTA_RPS: Final = 10_000
"""Default quota per account and region for HTTP, REST and WebSocket APIs together (Service Quotas)."""

_INT_RANGES: Final[Mapping[str, tuple[int, int]]] = {
    "expectedOpenPages": (1, 100_000),
    "llmMaxConcurrency": (2, 1000),  # the SQS event source's maximum concurrency bounds
    "llmThrottleMaxAgeSeconds": (0, 43_200),  # within the sweeper's 12-hour look-back
    "apiThrottleRps": (0, 1_000_000),
    "ingestBatchSize": (1, 10_000),
    "ingestBatchWindowSeconds": (0, 300),
    "ingestRetryAttempts": (0, 10_000),
    "ingestMaxRecordAgeSeconds": (60, 604_800),
    "ingestParallelizationFactor": (1, 10),
    "ttlDays": (0, 3650),
    "maxInputTokens": (0, 2_000_000),
    "finalSummaryDelaySeconds": (0, 900),  # SQS DelaySeconds allows 0..900
    "idleMinutes": (1, 1440),
    "sweeperIntervalMinutes": (1, 1440),
    "logRetentionDays": (1, 3653),
    "iteratorAgeAlarmSeconds": (1, 604_800),
}
_BOOL_KEYS: Final = frozenset(
    {
        "createVoiceConnector",
        "selfSignUp",
        "skipLayerBuild",
        "crmIncludeInterim",
        "summarizerVpcEndpoints",
        "followUpEmail",
        "redactStoredTranscript",
    }
)
_ID_LIST_KEYS: Final = frozenset(
    {"summarizerSubnetIds", "summarizerSecurityGroupIds", "summarizerRouteTableIds"}
)
"""Resource ids given as a JSON list or a comma-separated string."""


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
    for key, value in raw.items():
        field_name = CONTEXT_KEYS.get(key)
        if field_name is None:
            continue
        if key in _BOOL_KEYS:
            values[field_name] = _as_bool(key, value, problems)
        elif key in _INT_RANGES:
            values[field_name] = _as_int(key, value, problems, *_INT_RANGES[key])
        elif key == "transcribeMode":
            values[field_name] = _as_enum(key, value, TranscribeMode, problems)
        elif key == "piiMode":
            values[field_name] = _as_enum(key, value, PiiMode, problems)
        elif key == "llmProvider":
            values[field_name] = _as_enum(key, value, Provider, problems)
        elif key == "agentChannel":
            values[field_name] = _as_enum(key, value, AgentChannel, problems)
        elif key == "chimeCallIdentity":
            values[field_name] = _as_enum(key, value, ChimeCallIdentity, problems)
        elif key == "priceTable":
            values[field_name] = _as_price_table(value, problems)
        elif key == "dispositions":
            items = value if isinstance(value, list) else list(parse_list(str(value)))
            values[field_name] = json.dumps([str(item).strip() for item in items]) if items else ""
        elif key in _ID_LIST_KEYS:
            items = value if isinstance(value, list) else str(value).split(",")
            values[field_name] = ",".join(str(item).strip() for item in items if str(item).strip())
        else:
            values[field_name] = str(value).strip()
    values = {k: v for k, v in values.items() if v is not None}
    config = DeployConfig(**values)
    problems.extend(_cross_checks(config))
    if problems:
        raise ConfigError("invalid callrecap CDK context: " + "; ".join(problems))
    return config


_RESOURCE_ID = {
    "summarizerVpcId": (re.compile(r"^vpc-[0-9a-f]{8,17}$"), "VPC"),
    "summarizerSubnetIds": (re.compile(r"^subnet-[0-9a-f]{8,17}$"), "subnet"),
    "summarizerSecurityGroupIds": (re.compile(r"^sg-[0-9a-f]{8,17}$"), "security group"),
    "summarizerRouteTableIds": (re.compile(r"^rtb-[0-9a-f]{8,17}$"), "route table"),
}


def _disposition_problems(raw: str) -> list[str]:
    """The deployment's list: 2-50 distinct, non-empty values of at most 60 characters."""
    values = list(parse_list(raw))
    if not raw:
        return []
    problems: list[str] = []
    if not 2 <= len(values) <= 50:
        problems.append(f"dispositions: give 2 to 50 values, got {len(values)}")
    if len({v.lower() for v in values}) != len(values):
        problems.append("dispositions: a value is listed twice")
    problems.extend(f"dispositions: {v!r} is longer than 60 characters" for v in values if len(v) > 60)
    return problems


def _vpc_problems(config: DeployConfig) -> list[str]:
    """The summarizer's VPC placement is all or nothing, with well-formed ids."""
    if not config.summarizer_in_vpc:
        if config.summarizer_route_table_ids:
            return ["summarizerRouteTableIds needs the summarizer's VPC, subnets and security groups"]
        return []
    problems: list[str] = []
    given = {
        "summarizerVpcId": (config.summarizer_vpc_id,) if config.summarizer_vpc_id else (),
        "summarizerSubnetIds": config.subnet_ids,
        "summarizerSecurityGroupIds": config.security_group_ids,
        "summarizerRouteTableIds": config.route_table_ids,
    }
    for key, ids in given.items():
        if not ids and key != "summarizerRouteTableIds":
            problems.append(f"the summarizer in a VPC needs {key}")
        pattern, noun = _RESOURCE_ID[key]
        problems.extend(f"{key}: {value!r} is not a {noun} id" for value in ids if not pattern.match(value))
    if config.summarizer_vpc_endpoints and not config.route_table_ids:
        problems.append(
            "summarizerRouteTableIds: the DynamoDB and S3 gateway endpoints need the subnets' route "
            "tables (or summarizerVpcEndpoints false when the VPC has its endpoints already)"
        )
    return problems


_HOST_NAME = re.compile(r"^(?=.{4,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_CERTIFICATE_ARN = re.compile(r"^arn:aws[a-z-]*:acm:([a-z0-9-]+):\d{12}:certificate/[0-9a-f-]{36}$")


def _domain_problems(config: DeployConfig) -> list[str]:
    """The page's own domain: both keys or neither, a host name, an ACM certificate in us-east-1."""
    if not config.domain_name and not config.certificate_arn:
        return []
    if not config.domain_name or not config.certificate_arn:
        return ["domainName and certificateArn go together (the certificate must cover the domain)"]
    problems: list[str] = []
    if not _HOST_NAME.match(config.domain_name):
        problems.append(f"domainName {config.domain_name!r} is not a host name such as calls.example.com")
    match = _CERTIFICATE_ARN.match(config.certificate_arn)
    if match is None:
        problems.append(f"certificateArn {config.certificate_arn!r} is not an ACM certificate ARN")
    elif match.group(1) != "us-east-1":
        problems.append(
            f"certificateArn is in {match.group(1)}: CloudFront takes certificates from us-east-1 only "
            "(request or import it there)"
        )
    return problems


def is_private_http_url(url: str) -> bool:
    """http:// to an RFC 1918 address or a `.internal` name (a private hosted zone), not beyond."""
    import ipaddress
    from urllib.parse import urlsplit

    host = urlsplit(url).hostname or ""
    if host.endswith(".internal"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.version == 4 and any(
        address in ipaddress.ip_network(net) for net in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")
    )


def _as_price_table(value: Any, problems: list[str]) -> str:
    """An object or a JSON string in context; checked with the summarizer's own parser."""
    from callrecap.domain.summaries.cost import PriceTable, PriceTableError

    text = value if isinstance(value, str) else json.dumps(value)
    try:
        PriceTable.from_json(text)
    except (PriceTableError, ValueError) as error:
        problems.append(f"priceTable: {error}")
    return text.strip()


def _cross_checks(config: DeployConfig) -> list[str]:
    problems: list[str] = []
    if config.voice_connector_id and config.create_voice_connector:
        problems.append("set either voiceConnectorId (use an existing one) or createVoiceConnector, not both")
    if config.voice_connector_id and not _VOICE_CONNECTOR_ID.match(config.voice_connector_id):
        problems.append(
            f"voiceConnectorId {config.voice_connector_id!r} does not look like a Voice Connector id"
        )
    languages = (
        CALL_ANALYTICS_LANGUAGES
        if config.transcribe_mode is TranscribeMode.CALL_ANALYTICS
        else TRANSCRIBE_LANGUAGES
    )
    if config.language_code not in languages:
        problems.append(
            f"languageCode {config.language_code!r} is not supported by "
            f"transcribeMode {config.transcribe_mode.value}"
        )
    if config.connect_instance_arn and not _CONNECT_INSTANCE_ARN.match(config.connect_instance_arn):
        problems.append(
            f"connectInstanceArn {config.connect_instance_arn!r} is not an Amazon Connect instance ARN "
            "(arn:aws:connect:<region>:<account>:instance/<id>)"
        )
    if config.unassigned_calls_visible_to not in ("supervisors", "agents"):
        got = config.unassigned_calls_visible_to
        problems.append(f"unassignedCallsVisibleTo must be supervisors or agents, got {got!r}")
    if config.supervisor_queues_claim and not re.match(
        r"^[A-Za-z0-9:_.-]{1,128}$", config.supervisor_queues_claim
    ):
        problems.append(f"supervisorQueuesClaim {config.supervisor_queues_claim!r} is not a claim name")
    if not re.match(r"^[A-Za-z0-9:_.-]{1,128}$", config.agent_identity_claim):
        problems.append(f"agentIdentityClaim {config.agent_identity_claim!r} is not a claim name")
    if config.api_throttle_rps > HTTP_API_ACCOUNT_QUOTA_RPS:
        problems.append(
            f"the API throttle of {config.api_throttle_rps} requests/s (apiThrottleRps, or expectedOpenPages "
            f"x {PAGE_REQUESTS_PER_SECOND}) is over the account's default API quota of "
            f"{HTTP_API_ACCOUNT_QUOTA_RPS}/s: request a quota increase first, then set apiThrottleRps"
        )
    if config.python_runtime not in PYTHON_RUNTIMES:
        problems.append(
            f"pythonRuntime {config.python_runtime!r} must be one of {', '.join(PYTHON_RUNTIMES)}"
        )
    if config.pii_entity_types and config.pii_mode is PiiMode.OFF:
        problems.append("piiEntityTypes needs piiMode identify or redact")
    if not config.stack_name or not re.match(r"^[A-Za-z][A-Za-z0-9-]{0,100}$", config.stack_name):
        problems.append(f"stackName {config.stack_name!r} is not a valid CloudFormation stack name")
    if config.bedrock_region and config.bedrock_region not in BEDROCK_REGIONS:
        problems.append(f"bedrockRegion {config.bedrock_region!r} is not a region where Bedrock is offered")
    if config.summarizer_lambda_arn and not _LAMBDA_ARN.match(config.summarizer_lambda_arn):
        problems.append(f"summarizerLambdaArn {config.summarizer_lambda_arn!r} is not a Lambda function ARN")
    fallback, fallback_problems = config.fallback_chain()
    problems.extend(f"llmFallback {config.llm_fallback!r}: {problem}" for problem in fallback_problems)
    if config.crm_hook_arn and not _LAMBDA_ARN.match(config.crm_hook_arn):
        problems.append(f"crmHookArn {config.crm_hook_arn!r} is not a Lambda function ARN")
    if config.openai_api_key_secret_arn and not _SECRET_ARN.match(config.openai_api_key_secret_arn):
        problems.append(
            f"openaiApiKeySecretArn {config.openai_api_key_secret_arn!r} is not a Secrets Manager ARN"
        )
    problems.extend(_vpc_problems(config))
    problems.extend(f"piiRedactBeforeModel: {p}" for p in parse_entities(config.pii_redact_before_model)[1])
    problems.extend(_disposition_problems(config.dispositions))
    if config.pii_detector not in ("rules", "comprehend"):
        problems.append(f"piiDetector must be rules or comprehend, got {config.pii_detector!r}")
    if config.summary_language and not is_language_code(config.summary_language):
        problems.append(
            f"summaryLanguage {config.summary_language!r} is not a language code such as es or de-DE"
        )
    problems.extend(_domain_problems(config))
    if config.openai_base_url and not config.openai_base_url.startswith("https://"):
        if not config.summarizer_in_vpc:
            problems.append(
                "openaiBaseUrl must be an https:// URL (the summarizer sends the transcript there); "
                "http:// is allowed only to a private address with the summarizer in your VPC "
                "(summarizerVpcId, docs/deploy.md)"
            )
        elif not is_private_http_url(config.openai_base_url):
            problems.append(
                f"openaiBaseUrl {config.openai_base_url!r}: http:// only to a private address inside "
                "the VPC (10.x, 172.16-31.x, 192.168.x, or a *.internal name); use https:// otherwise"
            )
    if config.cognito_domain_prefix and (
        not _DOMAIN_PREFIX.match(config.cognito_domain_prefix)
        or any(word in config.cognito_domain_prefix for word in ("aws", "amazon", "cognito"))
    ):
        problems.append(
            f"cognitoDomainPrefix {config.cognito_domain_prefix!r} must be lowercase letters, digits and "
            "hyphens without aws/amazon/cognito"
        )
    if config.alarm_email and not _EMAIL.match(config.alarm_email):
        problems.append(f"alarmEmail {config.alarm_email!r} is not an e-mail address")
    if config.log_retention_days not in LOG_RETENTION_CHOICES:
        problems.append(
            f"logRetentionDays must be one of {sorted(LOG_RETENTION_CHOICES)}, "
            f"got {config.log_retention_days}"
        )
    if config.sweeper_interval_minutes >= config.idle_minutes:
        problems.append("sweeperIntervalMinutes must be shorter than idleMinutes, or idle calls end late")
    settings = Settings(
        table_name="synth",
        llm_provider=config.llm_provider,
        llm_fallback=fallback,
        bedrock_model_id=config.bedrock_model_id,
        bedrock_region=config.bedrock_region,
        summarizer_lambda_arn=config.summarizer_lambda_arn,
        openai_base_url=config.openai_base_url,
        openai_model=config.openai_model,
    )
    for problem in settings.provider_problems():
        for env_name, key in _PROVIDER_CONTEXT_KEYS.items():
            problem = problem.replace(env_name, f"context key {key}")
        problems.append(problem)
    return problems
