"""Names shared by the CDK stacks, the handlers and the local stack.

Everything that two deployables must agree on (table keys, index names, event names, rule
patterns, handler entry points) is defined here once so that they cannot drift apart.
This module must stay import-cheap: no boto3, no Powertools.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Final

# --------------------------------------------------------------------------- event bus

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


def summarizer_pattern() -> dict[str, Any]:
    """Every event (custom bus) that makes the summarizer run: the union of the two rules below.

    The deployed and local stacks route them separately: `summary_requested_pattern()` straight to
    the summarizer, `call_ended_pattern()` through the final-summary delay queue.
    """
    return {
        "source": [BUS_SOURCE],
        "detail-type": [BusEvent.CALL_ENDED.value, BusEvent.SUMMARY_REQUESTED.value],
    }


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


def crm_hook_pattern(*, include_interim: bool = False) -> dict[str, Any]:
    """Rule pattern (custom bus) of the events delivered to the CRM hook: final summaries only,
    unless the deployment opts in to interim ones too (context `crmIncludeInterim`)."""
    pattern: dict[str, Any] = {"source": [BUS_SOURCE], "detail-type": [BusEvent.CALL_SUMMARIZED.value]}
    if not include_interim:
        pattern["detail"] = {"kind": ["final"]}
    return pattern


# --------------------------------------------------------------------------- DynamoDB single table

PK: Final = "pk"
SK: Final = "sk"
GSI_BY_DAY: Final = "byDay"
GSI_BY_DAY_PK: Final = "gsi1pk"
GSI_BY_DAY_SK: Final = "gsi1sk"
TTL_ATTRIBUTE: Final = "expiresAt"

CALL_PK_PREFIX: Final = "CALL#"
CALL_META_SK: Final = "META"
SEGMENT_SK_PREFIX: Final = "SEG#"
SUMMARY_SK_PREFIX: Final = "SUM#"
DELIVERY_SK_PREFIX: Final = "CRM#"
DAY_PK_PREFIX: Final = "DAY#"
LEASE_SK_PREFIX: Final = "LEASE#"
"""A summary run's lease: `LEASE#<kind>#<revision>` (adapters/dynamo/summary_leases.py)."""
WATCH_SK_PREFIX: Final = "WATCH#"
"""A page watching a live call over the live-updates WebSocket: one item per connection, in the
call's own partition (so the ingest function finds a call's watchers with one Query)."""


def call_pk(call_id: str) -> str:
    return f"{CALL_PK_PREFIX}{call_id}"


def call_id_of_pk(pk: str) -> str:
    return pk.removeprefix(CALL_PK_PREFIX)


def watch_sk(connection_id: str) -> str:
    return f"{WATCH_SK_PREFIX}{connection_id}"


def day_pk(day: str) -> str:
    """`day` is an ISO date (YYYY-MM-DD, UTC) of the call's start."""
    return f"{DAY_PK_PREFIX}{day}"


# --------------------------------------------------------------------------- Lambda entry points

HANDLER_PACKAGE: Final = "callrecap.handlers"


class Function(StrEnum):
    """Every Lambda function of the project; value is the handler module name."""

    INGEST = "ingest"
    LIFECYCLE = "lifecycle"
    SUMMARIZER = "summarizer"
    SWEEPER = "sweeper"
    API = "api"
    CALL_DATA = "call_data"
    CRM_HOOK_EXAMPLE = "crm_hook"
    LIVE_CONNECT = "live_connect"


FUNCTION_TIMEOUT_SECONDS: Final[dict[Function, int]] = {
    Function.INGEST: 60,
    Function.LIFECYCLE: 30,
    Function.SUMMARIZER: 300,  # a final of a 3-hour call: map-reduce chunks, each an LLM call
    Function.SWEEPER: 120,
    Function.API: 30,
    Function.CALL_DATA: 30,
    Function.CRM_HOOK_EXAMPLE: 30,
    Function.LIVE_CONNECT: 10,  # a WebSocket $connect: API Gateway waits for it before answering
}
"""Each function's timeout: the CDK stacks configure it and the local stack enforces it (the
context counts down from it and a run past it fails as `Task timed out after N seconds`)."""


LAMBDA_SYNC_PAYLOAD_LIMIT_BYTES: Final = 6 * 1024 * 1024
"""Lambda's limit on a synchronous invoke's request and on its response (the Invoke API page:
"For synchronous invocations, the maximum payload size is 6 MB"): API calls and the Kinesis and
SQS event source mappings, which build batches under it. The local stack enforces it."""

LAMBDA_ASYNC_PAYLOAD_LIMIT_BYTES: Final = 1024 * 1024
"""Lambda's limit on an asynchronous invoke's payload since January 2026 (the Invoke API page:
1 MB; 256 KB before): EventBridge rule targets and schedules. An event at EventBridge's own 1 MB
limit does not fit once EventBridge wraps it in its envelope; this project's bus events stay under
EVENT_ENTRY_MAX_BYTES. The local stack enforces it."""


FUNCTION_MEMORY_MB: Final[dict[Function, int]] = {
    Function.INGEST: 512,
    Function.LIFECYCLE: 512,
    Function.SUMMARIZER: 1024,  # the prompt rendering and the map-reduce of long calls
    Function.SWEEPER: 512,
    Function.API: 512,
    Function.CALL_DATA: 512,
    Function.CRM_HOOK_EXAMPLE: 512,
    Function.LIVE_CONNECT: 256,
}
"""Each function's memory: the CDK stacks configure it, the capacity and cost model bills it."""


def handler_path(function: Function) -> str:
    """`module.attribute` string the Lambda runtime resolves."""
    return f"{HANDLER_PACKAGE}.{function.value}.handler"


# --------------------------------------------------------------------------- metrics

METRICS_NAMESPACE: Final = "callrecap"


class CallAttr(StrEnum):
    """Attribute names of the call record (pk=CALL#id, sk=META) that several modules read."""

    CALL_ID = "callId"
    STATUS = "status"  # LIVE | ENDED (domain.models.CallStatus)
    STARTED_AT = "startedAt"
    ENDED_AT = "endedAt"
    LAST_ACTIVITY_AT = "lastActivityAt"  # ISO time of the newest record seen; the sweeper reads it
    TRANSACTION_ID = "transactionId"
    VOICE_CONNECTOR_ID = "voiceConnectorId"
    FROM_NUMBER = "fromNumber"
    TO_NUMBER = "toNumber"
    DIRECTION = "direction"
    AGENT_ID = "agentId"  # the agent's identity as the producer names it (LCA AgentId, Connect agent)
    LANGUAGE_CODE = "languageCode"  # the call's language, when the producer says (Contact Lens)
    QUEUE = "queue"  # the queue the call was routed through, when the producer says (Connect)
    PRODUCER_SUMMARY = "producerSummary"  # {text, status, source}: e.g. Connect's PostContactSummary
    CATEGORIES = "categories"
    SEGMENT_COUNT = "segmentCount"  # final segments stored
    TRANSCRIPT_REVISION = "transcriptRevision"  # +1 whenever a final segment is added or replaced
    START_PUBLISHED = "startPublished"  # CallStarted put on the bus (de-duplication)
    END_PUBLISHED = "endPublished"  # CallEnded put on the bus (de-duplication)
    LATEST_SUMMARY_VERSION = "latestSummaryVersion"
    LATEST_SUMMARY_STATUS = "latestSummaryStatus"
    LATEST_SUMMARY_RETRYABLE = "latestSummaryRetryable"  # latest FAILED run may succeed later
    FINAL_SUMMARY_REVISION = "finalSummaryRevision"  # transcriptRevision the final summary covers
    TOPIC = "topic"  # copied from the newest completed summary for the call list
    CRM_STATUS = "crmStatus"  # delivery status reported by the CRM hook
    LAST_WRITE_SEQ = "lastWriteSeq"  # highest segment writeSeq committed: the API cursor watermark


LIVE_CALLS_PK_PREFIX: Final = "LIVE#"
LIVE_CALLS_SHARDS: Final = 32
"""The live-calls index spreads calls over this many partitions (`LIVE#00`..`LIVE#31`, by a hash
of the call id): one partition for every live call was the stack's first hot partition (every
segment commit of every call wrote it). The sweeper queries each shard."""

GSI_LIVE_CALLS: Final = "liveCalls"
"""Sparse, keys-only GSI: only calls not yet ended carry GSI_LIVE_CALLS_PK."""
GSI_LIVE_CALLS_PK: Final = "gsi2pk"
GSI_LIVE_CALLS_SK: Final = "gsi2sk"
"""The minute of the call's last activity (`YYYY-MM-DDTHH:MM`), on the call's own clock (see
activity_minute): rewritten, and so an index write, at most once a minute a call, not at every
segment commit; the sweeper reads `gsi2sk <= minute_of(cutoff)` candidates and checks each
record's exact lastActivityAt."""


def live_calls_pk(call_id: str) -> str:
    """The live-calls index partition of a call: stable, evenly spread (sha256, not Python's hash)."""
    shard = _hash32(call_id) % LIVE_CALLS_SHARDS
    return f"{LIVE_CALLS_PK_PREFIX}{shard:02d}"


def live_calls_shards() -> list[str]:
    return [f"{LIVE_CALLS_PK_PREFIX}{shard:02d}" for shard in range(LIVE_CALLS_SHARDS)]


def _hash32(text: str) -> int:
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:4], "big")


def minute_of(iso_time: str) -> str:
    """`2026-03-02T14:05:12.345Z` -> `2026-03-02T14:05`."""
    return iso_time[:16]


def activity_minute(iso_time: str, call_id: str) -> str:
    """The live-calls index sort key: the minute of `iso_time` less the call's own offset of 0-59 s.

    Without the offset every live call would move in the index in the same second, when the wall
    clock's minute turns (10,000 calls: ~625 writes that second on each shard); with it, 1/60 of
    them each second. Never later than minute_of(iso_time), so `<= minute_of(cutoff)` still finds
    every call idle since before the cutoff.
    """
    moment = datetime.fromisoformat(iso_time.replace("Z", "+00:00"))
    return minute_of((moment - timedelta(seconds=_hash32("minute#" + call_id) % 60)).isoformat())


LSI_SEGMENT_WRITES: Final = "bySegmentWrite"
"""LSI (pk, SEGMENT_WRITE_SEQ): segments of a call in commit order, for "changed since cursor"."""
SEGMENT_WRITE_SEQ: Final = "writeSeq"
"""Number attribute of a segment: the commit marker of its last write (strictly increasing per call)."""


class SegmentAttr(StrEnum):
    """Attribute names of a transcript segment item (pk=CALL#id, sk=SEG#segmentId)."""

    CALL_ID = "callId"
    SEGMENT_ID = "segmentId"
    SPEAKER = "speaker"
    START_TIME = "startTime"
    END_TIME = "endTime"
    TEXT = "text"
    IS_PARTIAL = "isPartial"
    CHANNEL = "channel"
    SENTIMENT = "sentiment"
    SOURCE = "source"
    CREATED_AT = "createdAt"
    DIGEST = "digest"  # hash of the content: tells a duplicate from a corrected final


# --------------------------------------------------------------------------- HTTP API

API_ROUTES: Final[tuple[tuple[str, str], ...]] = (
    ("GET", "/calls"),  # ?day=YYYY-MM-DD&cursor=...: calls of a day, newest first
    ("GET", "/calls/{callId}"),  # ?since=CURSOR: the call record and transcript segments since cursor
    ("GET", "/calls/{callId}/summaries"),  # every summary version, newest first
    ("POST", "/calls/{callId}/summaries"),  # "Summarize now": puts SummaryRequested on the bus
    ("POST", "/calls/{callId}/summaries/{version}/retry"),  # retry a FAILED summary
    ("POST", "/calls/{callId}/live"),  # a ticket to watch a live call over the WebSocket API
)
"""Routes of the HTTP API; the CDK stack creates exactly these, the api handler serves them."""

CALL_DATA_ROUTES: Final[tuple[tuple[str, str], ...]] = (
    ("GET", "/calls/{callId}/export"),  # every stored item of one call, as JSON (admins)
    ("DELETE", "/calls/{callId}"),  # delete every stored item of one call (admins)
)
"""Routes of the same HTTP API served by the call_data function, whose role may delete: the api
function's role stays read-only."""


# --------------------------------------------------------------------------- live updates (WebSocket)

LIVE_TICKET_SECONDS: Final = 60
"""How long a ticket from `POST /calls/{callId}/live` may be used to open the WebSocket."""

LIVE_WATCH_SECONDS: Final = 2 * 3600
"""A watcher item's time to live: API Gateway closes a WebSocket connection after 2 hours."""

LIVE_MESSAGE_MAX_BYTES: Final = 32 * 1024
"""The largest message pushed to a page: one WebSocket frame (API Gateway: 32 KB frames, 128 KB
messages). A larger update is sent as `changed`, and the page reads it with one GET."""

LIVE_TICKET_MAC_ALGORITHM: Final = "HMAC_SHA_256"
"""KMS MAC algorithm of live tickets (the HMAC_256 key infra/live.py creates)."""

LIVE_TICKET_QUERY: Final = "ticket"
"""The $connect query-string parameter that carries the ticket."""


class LiveMessage(StrEnum):
    """`type` of a message pushed to a watching page."""

    SEGMENTS = "segments"  # new or changed segments of the call, and its record when known
    CHANGED = "changed"  # something else changed (the call ended, an update too large): GET it


# --------------------------------------------------------------------------- summary failures


class FailureReason(StrEnum):
    """Why a summary version FAILED (`failureReason` on the summary and on SummaryFailed)."""

    THROTTLED = "THROTTLED"  # the provider refused for rate or quota: retryable
    TIMEOUT = "TIMEOUT"  # no answer before the function's deadline (or the provider's timeout): retryable
    INVALID_OUTPUT = "INVALID_OUTPUT"  # the reply was not the sections, even after one repair
    CONTENT_FILTERED = "CONTENT_FILTERED"  # a guardrail or content filter blocked the reply
    TRANSCRIPT_EMPTY = "TRANSCRIPT_EMPTY"  # nothing was said yet
    PROVIDER_ERROR = "PROVIDER_ERROR"  # any other provider failure (5xx after retries, bad config)
    TOO_LONG = "TOO_LONG"  # the call or the summary is over a bound (model calls, event size)


# --------------------------------------------------------------------------- sizing

PAGE_REQUESTS_PER_SECOND: Final = 0.5
"""HTTP API requests a second per open page, with live updates pushed over the WebSocket API: a
safety read of the call every 30 s, the call list every 5 s for a supervisor, summaries polled
while one is awaited (2 a second for a few seconds), tickets. A page whose socket is down polls 2
a second; when many do, the stage throttles them and their pollers back off (docs/capacity.md)."""


# --------------------------------------------------------------------------- settling a call's end

FINAL_SUMMARY_FIRST_LOOK_SECONDS: Final = 2
"""The final-summary queue's DelaySeconds: the summarizer first looks at an ended call this soon
(at most `finalSummaryDelaySeconds`, the longest a call may settle)."""

SETTLE_QUIET_SECONDS: Final = 1.5
"""An ended call is settled when nothing was stored for it this long (past the ingest function's
1 s batching window) and no partial result is left open; until then its CallEnded is put back."""

SETTLE_POLL_SECONDS: Final = 1
"""How long a CallEnded that found its call still settling waits before the next look."""


# --------------------------------------------------------------------------- a throttled model

THROTTLE_BACKOFF_SECONDS: Final = 15
"""The first wait of a final put back because the model was throttled; each next wait doubles
(jittered, at most SQS's 900 s DelaySeconds), until `llmThrottleMaxAgeSeconds` after the event."""

THROTTLE_MAX_AGE_SECONDS: Final = 1800
"""Default `llmThrottleMaxAgeSeconds`: past this age a throttled final is stored FAILED (THROTTLED,
retryable) and left to the sweeper's bounded automatic retries."""

SQS_MAX_DELAY_SECONDS: Final = 900

DEFERRALS_FIELD: Final = "callrecapDeferrals"
"""Top-level field of a final-summary queue message counting its throttled put-backs."""


def first_look_seconds(max_settle_seconds: int) -> int:
    return min(FINAL_SUMMARY_FIRST_LOOK_SECONDS, max_settle_seconds)
