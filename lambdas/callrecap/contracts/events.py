"""The event bus: our source, the events we publish, their size limits, and the rule patterns that
route them (custom bus) or bring AWS's own events in (default bus)."""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Final

BUS_SOURCE: Final = "callrecap"
"""`source` of every event the project puts on its custom bus."""

SCHEMA_VERSION: Final = "1"
"""`detail.schemaVersion` of every bus event; bump on a breaking change of a detail shape."""

EVENTBRIDGE_ENTRY_LIMIT_BYTES: Final = 1024 * 1024
"""AWS's PutEvents limit since 29 January 2026 (AWS Compute Blog, "serverless services now
support payloads up to 1 MB"; 256 KB before, which eb-putevent-size still states): the local
stack refuses a request over it with AWS's ValidationException."""

EVENT_ENTRY_MAX_BYTES: Final = 256 * 1024
"""This project's own budget for one bus event (source + detail-type + detail + resources + 14
bytes of time, UTF-8, as AWS computes it), a quarter of AWS's limit: consumers built before the
raise (SQS targets, archives, other accounts' buses, CRM hooks) were sized for 256 KB, so an event
under it is safe for every one of them. The publisher refuses a larger one before sending."""

SUMMARY_SECTIONS_MAX_BYTES: Final = 200_000
"""The largest summary (its sections as compact JSON) the summarizer completes: CallSummarized
carries every section, so this bound (plus a few hundred bytes of ids) keeps it under
EVENT_ENTRY_MAX_BYTES by design. A reply over it is stored FAILED with the reason, never cut."""


class BusEvent(StrEnum):
    """`detail-type` values on the custom bus."""

    CALL_STARTED = "CallStarted"
    CALL_ENDED = "CallEnded"
    SUMMARY_REQUESTED = "SummaryRequested"
    CALL_SUMMARIZED = "CallSummarized"
    SUMMARY_FAILED = "SummaryFailed"


CHIME_SOURCE: Final = "aws.chime"
CHIME_STREAMING_DETAIL_TYPE: Final = "Chime VoiceConnector Streaming Status"


def chime_streaming_pattern(voice_connector_ids: list[str] | None = None) -> dict[str, Any]:
    """Rule pattern for Voice Connector streaming status events (default bus)."""
    pattern: dict[str, Any] = {
        "source": [CHIME_SOURCE],
        "detail-type": [CHIME_STREAMING_DETAIL_TYPE],
    }
    if voice_connector_ids:
        pattern["detail"] = {"voiceConnectorId": list(voice_connector_ids)}
    return pattern


CONNECT_SOURCE: Final = "aws.connect"
CONNECT_CONTACT_DETAIL_TYPE: Final = "Amazon Connect Contact Event"
CONNECT_AGENT_EVENT_TYPE: Final = "CONNECTED_TO_AGENT"


def connect_agent_pattern(instance_arns: list[str] | None = None) -> dict[str, Any]:
    """Rule pattern for Amazon Connect contact events that name a voice contact's agent (default bus)."""
    detail: dict[str, Any] = {"eventType": [CONNECT_AGENT_EVENT_TYPE], "channel": ["VOICE"]}
    if instance_arns:
        detail["instanceArn"] = list(instance_arns)
    return {"source": [CONNECT_SOURCE], "detail-type": [CONNECT_CONTACT_DETAIL_TYPE], "detail": detail}


def call_ended_pattern() -> dict[str, Any]:
    """Rule pattern (custom bus): CallEnded -> the final-summary delay queue -> summarizer.

    The delay lets the call's last transcript segments (still in the Kinesis batching window when
    the Chime ENDED status arrives) land first, so the first final covers the whole call.
    """
    return {"source": [BUS_SOURCE], "detail-type": [BusEvent.CALL_ENDED.value]}


STALE_REASON: Final = "stale"
"""`reason` of a SummaryRequested asking for a new final because late segments arrived."""


def summary_requested_pattern() -> dict[str, Any]:
    """Rule pattern (custom bus): SummaryRequested ("Summarize now", retries, the sweeper) ->
    summarizer at once; stale ones take the final-summary queue (stale_summary_pattern)."""
    return {
        "source": [BUS_SOURCE],
        "detail-type": [BusEvent.SUMMARY_REQUESTED.value],
        "detail": {"reason": [{"anything-but": [STALE_REASON]}]},
    }


def stale_summary_pattern() -> dict[str, Any]:
    """Rule pattern (custom bus): SummaryRequested with reason stale -> the final-summary delay
    queue, like CallEnded, so a burst of late segments settles into one new final (and runs
    under the queue's concurrency limit, `llmMaxConcurrency`)."""
    return {
        "source": [BUS_SOURCE],
        "detail-type": [BusEvent.SUMMARY_REQUESTED.value],
        "detail": {"reason": [STALE_REASON]},
    }


CRM_RELEASE_WRAP_UP_TIMEOUT: Final = "wrap-up-timeout"
"""`detail.crmRelease` of a CallSummarized republished for a final whose wrap-up time ran out
without an approval (crmSendOn approval-or-timeout): the one final event the CRM hook gets."""


def crm_hook_pattern(*, send_on: str = "final", include_interim: bool = False) -> dict[str, Any]:
    """Rule pattern (custom bus) of the events delivered to the CRM hook, by `crmSendOn`:
    `final` the finals, `approval` the approved versions, `approval-or-timeout` the approved ones
    and the finals released at their wrap-up timeout; interim ones too with `crmIncludeInterim`."""
    by_choice: dict[str, list[dict[str, Any]]] = {
        "final": [{"kind": ["final"], "crmRelease": [{"exists": False}]}],
        "approval": [{"kind": ["approved"]}],
        "approval-or-timeout": [{"kind": ["approved"]}, {"crmRelease": [CRM_RELEASE_WRAP_UP_TIMEOUT]}],
    }
    choices = by_choice[send_on]
    if include_interim:
        choices = [*choices, {"kind": ["interim"]}]
    detail = choices[0] if len(choices) == 1 else {"$or": choices}
    return {"source": [BUS_SOURCE], "detail-type": [BusEvent.CALL_SUMMARIZED.value], "detail": detail}


def wrap_up_pattern() -> dict[str, Any]:
    """Rule pattern (custom bus), crmSendOn approval-or-timeout: each final as written -> the
    wrap-up delay queue (wrapUpMinutes) -> the wrap-up function, which releases it to the CRM
    unless the agent approved the call meanwhile."""
    return {
        "source": [BUS_SOURCE],
        "detail-type": [BusEvent.CALL_SUMMARIZED.value],
        "detail": {"kind": ["final"], "crmRelease": [{"exists": False}]},
    }


__all__ = [
    "BUS_SOURCE",
    "CHIME_SOURCE",
    "CHIME_STREAMING_DETAIL_TYPE",
    "CONNECT_AGENT_EVENT_TYPE",
    "CONNECT_CONTACT_DETAIL_TYPE",
    "CONNECT_SOURCE",
    "CRM_RELEASE_WRAP_UP_TIMEOUT",
    "EVENTBRIDGE_ENTRY_LIMIT_BYTES",
    "EVENT_ENTRY_MAX_BYTES",
    "SCHEMA_VERSION",
    "STALE_REASON",
    "SUMMARY_SECTIONS_MAX_BYTES",
    "BusEvent",
    "call_ended_pattern",
    "chime_streaming_pattern",
    "connect_agent_pattern",
    "crm_hook_pattern",
    "stale_summary_pattern",
    "summary_requested_pattern",
    "wrap_up_pattern",
]
