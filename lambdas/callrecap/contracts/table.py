"""The single DynamoDB table: key names and prefixes, indexes, and the attribute names of the call
record and of a segment that several modules read."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from enum import StrEnum
from typing import Final

from callrecap.clock import iso, parse_iso

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
    PRODUCER_SUMMARY = "producerSummary"  # {text, status, source[, failureCode]}: Connect's own summary
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
    CRM_ERROR = "crmError"  # the CRM's own message when it refused the newest delivery ("" otherwise)
    LAST_WRITE_SEQ = "lastWriteSeq"  # highest segment writeSeq committed: the API cursor watermark
    APPROVED_DRAFT_VERSION = "approvedDraftVersion"  # the newest version an agent approved (its draft)
    APPROVED_VERSION = "approvedVersion"  # ... and the approved version that holds the agent's edit
    CRM_RELEASED_VERSION = "crmReleasedVersion"  # the final released to the CRM at its wrap-up timeout


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
    moment = parse_iso(iso_time)
    if moment is None:
        raise ValueError(f"not an ISO-8601 time: {iso_time!r}")
    return minute_of(iso(moment - timedelta(seconds=_hash32("minute#" + call_id) % 60)))


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


__all__ = [
    "CALL_META_SK",
    "CALL_PK_PREFIX",
    "DAY_PK_PREFIX",
    "DELIVERY_SK_PREFIX",
    "GSI_BY_DAY",
    "GSI_BY_DAY_PK",
    "GSI_BY_DAY_SK",
    "GSI_LIVE_CALLS",
    "GSI_LIVE_CALLS_PK",
    "GSI_LIVE_CALLS_SK",
    "LEASE_SK_PREFIX",
    "LIVE_CALLS_PK_PREFIX",
    "LIVE_CALLS_SHARDS",
    "LSI_SEGMENT_WRITES",
    "PK",
    "SEGMENT_SK_PREFIX",
    "SEGMENT_WRITE_SEQ",
    "SK",
    "SUMMARY_SK_PREFIX",
    "TTL_ATTRIBUTE",
    "WATCH_SK_PREFIX",
    "CallAttr",
    "SegmentAttr",
    "activity_minute",
    "call_id_of_pk",
    "call_pk",
    "day_pk",
    "live_calls_pk",
    "live_calls_shards",
    "minute_of",
    "watch_sk",
]
