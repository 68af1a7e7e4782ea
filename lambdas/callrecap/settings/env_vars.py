"""The environment variables the Lambdas read: the CDK stacks and the local stack set them from
these names, so each name is written once."""

from __future__ import annotations

from enum import StrEnum


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
