"""A summary as a plain record: the camelCase shape it is stored in, returned by the API in and
published with (DESIGN.md §2, "Summary"). One definition for the store, the API and the events."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from callrecap.domain.models import Summary, SummaryKind, SummaryStatus


class SummaryAttr:
    """Attribute names of a summary item (the API returns them as stored, camelCase)."""

    CALL_ID = "callId"
    VERSION = "version"
    KIND = "kind"
    STATUS = "status"
    SECTIONS = "sections"
    PROVIDER = "provider"
    MODEL = "model"
    PROMPT_HASH = "promptHash"
    TRANSCRIPT_REVISION = "transcriptRevision"
    LLM_CALLS = "llmCalls"
    INPUT_TOKENS = "inputTokens"
    OUTPUT_TOKENS = "outputTokens"
    ESTIMATED_COST_USD = "estimatedCostUsd"
    LATENCY_MS = "latencyMs"
    CREATED_AT = "createdAt"
    ERROR = "error"
    RAW_REPLY = "rawReply"
    PUBLISHED_AT = "publishedAt"
    RETRYABLE = "retryable"
    FAILURE_REASON = "failureReason"
    FALLBACK_FROM = "fallbackFrom"
    FALLBACK_REASON = "fallbackReason"
    TURN_COUNT = "turnCount"
    PII_REDACTIONS = "piiRedactions"
    BASED_ON = "basedOn"
    APPROVED_BY = "approvedBy"
    CORRECTIONS = "corrections"
    WRAP_UP_SECONDS = "wrapUpSeconds"


RAW_REPLY_MAX_CHARS = 20_000
"""A failed reply is kept for diagnosis, truncated well under DynamoDB's 400 KB item limit."""


def summary_to_record(summary: Summary) -> dict[str, Any]:
    """The summary as a plain camelCase dict (DESIGN.md §2), as stored and as the API returns it."""
    record: dict[str, Any] = {
        SummaryAttr.CALL_ID: summary.call_id,
        SummaryAttr.VERSION: summary.version,
        SummaryAttr.KIND: summary.kind.value,
        SummaryAttr.STATUS: summary.status.value,
        SummaryAttr.SECTIONS: dict(summary.sections),
        SummaryAttr.PROVIDER: summary.provider,
        SummaryAttr.MODEL: summary.model,
        SummaryAttr.PROMPT_HASH: summary.prompt_hash,
        SummaryAttr.TRANSCRIPT_REVISION: summary.transcript_revision,
        SummaryAttr.LLM_CALLS: summary.llm_calls,
        SummaryAttr.INPUT_TOKENS: summary.input_tokens,
        SummaryAttr.OUTPUT_TOKENS: summary.output_tokens,
        SummaryAttr.ESTIMATED_COST_USD: summary.estimated_cost_usd,
        SummaryAttr.LATENCY_MS: summary.latency_ms,
        SummaryAttr.CREATED_AT: summary.created_at,
    }
    if summary.turn_count:
        record[SummaryAttr.TURN_COUNT] = summary.turn_count
    if summary.pii_redactions:
        record[SummaryAttr.PII_REDACTIONS] = dict(summary.pii_redactions)
    if summary.error:
        record[SummaryAttr.ERROR] = summary.error
    if summary.raw_reply:
        record[SummaryAttr.RAW_REPLY] = summary.raw_reply[:RAW_REPLY_MAX_CHARS]
    if summary.published_at:
        record[SummaryAttr.PUBLISHED_AT] = summary.published_at
    if summary.retryable:
        record[SummaryAttr.RETRYABLE] = True
    if summary.failure_reason:
        record[SummaryAttr.FAILURE_REASON] = summary.failure_reason
    if summary.fallback_from:
        record[SummaryAttr.FALLBACK_FROM] = summary.fallback_from
        record[SummaryAttr.FALLBACK_REASON] = summary.fallback_reason
    if summary.kind is SummaryKind.APPROVED:
        record[SummaryAttr.BASED_ON] = summary.based_on
        record[SummaryAttr.APPROVED_BY] = summary.approved_by
        record[SummaryAttr.CORRECTIONS] = dict(summary.corrections)
        record[SummaryAttr.WRAP_UP_SECONDS] = summary.wrap_up_seconds
    return record


def summary_from_record(record: Mapping[str, Any]) -> Summary:
    return Summary(
        call_id=str(record[SummaryAttr.CALL_ID]),
        version=int(record[SummaryAttr.VERSION]),
        kind=SummaryKind(str(record[SummaryAttr.KIND])),
        status=SummaryStatus(str(record[SummaryAttr.STATUS])),
        sections=dict(record.get(SummaryAttr.SECTIONS) or {}),
        provider=str(record.get(SummaryAttr.PROVIDER, "")),
        model=str(record.get(SummaryAttr.MODEL, "")),
        prompt_hash=str(record.get(SummaryAttr.PROMPT_HASH, "")),
        transcript_revision=int(record.get(SummaryAttr.TRANSCRIPT_REVISION, 0)),
        llm_calls=int(record.get(SummaryAttr.LLM_CALLS, 0)),
        input_tokens=int(record.get(SummaryAttr.INPUT_TOKENS, 0)),
        output_tokens=int(record.get(SummaryAttr.OUTPUT_TOKENS, 0)),
        estimated_cost_usd=float(record.get(SummaryAttr.ESTIMATED_COST_USD, 0.0)),
        latency_ms=int(record.get(SummaryAttr.LATENCY_MS, 0)),
        created_at=str(record.get(SummaryAttr.CREATED_AT, "")),
        error=str(record.get(SummaryAttr.ERROR, "")),
        raw_reply=str(record.get(SummaryAttr.RAW_REPLY, "")),
        published_at=str(record.get(SummaryAttr.PUBLISHED_AT, "")),
        retryable=bool(record.get(SummaryAttr.RETRYABLE, False)),
        failure_reason=str(record.get(SummaryAttr.FAILURE_REASON, "")),
        fallback_from=str(record.get(SummaryAttr.FALLBACK_FROM, "")),
        fallback_reason=str(record.get(SummaryAttr.FALLBACK_REASON, "")),
        turn_count=int(record.get(SummaryAttr.TURN_COUNT, 0)),
        pii_redactions={
            str(k): int(v) for k, v in dict(record.get(SummaryAttr.PII_REDACTIONS) or {}).items()
        },
        based_on=int(record.get(SummaryAttr.BASED_ON, 0)),
        approved_by=str(record.get(SummaryAttr.APPROVED_BY, "")),
        corrections=dict(record.get(SummaryAttr.CORRECTIONS) or {}),
        wrap_up_seconds=int(record.get(SummaryAttr.WRAP_UP_SECONDS, -1)),
    )


TOPIC_SECTION = "topic"
TOPIC_MAX_CHARS = 200
MIN_TOPIC_TURNS = 6
"""An interim summary names the call (its `topic` on the call list and the page heading) only
once it covers this many turns: "Summarize now" in the first seconds gives topics like "Good"."""


def call_topic(summary: Summary) -> str | None:
    """The topic this summary gives its call record, or None: a COMPLETED final's, or a
    COMPLETED interim's that covers at least MIN_TOPIC_TURNS turns."""
    if summary.status is not SummaryStatus.COMPLETED:
        return None
    if summary.kind is SummaryKind.INTERIM and summary.turn_count < MIN_TOPIC_TURNS:
        return None
    topic = summary.sections.get(TOPIC_SECTION)
    if not isinstance(topic, str) or not topic.strip():
        return None
    return topic.strip()[:TOPIC_MAX_CHARS]
