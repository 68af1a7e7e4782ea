"""What DynamoDB can never store, known before trying: a record that breaks these limits fails
with a ValidationException on every retry, so the ingest quarantines it at once (with the reason)
instead of holding its shard for the whole retry budget.

DynamoDB's documented limits: a partition key value up to 2,048 bytes, a sort key value up to
1,024 bytes, an item up to 400 KB (names and values, UTF-8). moto enforces the same, so the local
stack and the tests refuse what AWS would refuse.
"""

from __future__ import annotations

from typing import Final

from callrecap import contracts as c
from callrecap.domain.models import Observation, Segment, observed_call_id

MAX_PARTITION_KEY_BYTES: Final = 2048
MAX_SORT_KEY_BYTES: Final = 1024
MAX_ITEM_BYTES: Final = 400 * 1024
SEGMENT_ITEM_OVERHEAD_BYTES: Final = 1024
"""Attribute names, numbers, flags, digest and TTL of a segment item, rounded up (the writer's own
estimate of an item is lower; this only has to be safe)."""


def unstorable_reason(observation: Observation) -> str | None:
    """Why DynamoDB would refuse to store this observation, or None when it fits."""
    call_id = observed_call_id(observation)
    partition_key = len(c.call_pk(call_id).encode())
    if partition_key > MAX_PARTITION_KEY_BYTES:
        return f"call id of {partition_key} bytes: DynamoDB keys hold at most {MAX_PARTITION_KEY_BYTES}"
    if not isinstance(observation, Segment):
        return None
    sort_key = len(f"{c.SEGMENT_SK_PREFIX}{observation.segment_id}".encode())
    if sort_key > MAX_SORT_KEY_BYTES:
        return f"segment id of {sort_key} bytes: DynamoDB sort keys hold at most {MAX_SORT_KEY_BYTES}"
    size = (
        len(observation.text.encode())
        + 2 * (partition_key + sort_key)  # the keys, and the callId / segmentId copies
        + len(observation.channel.encode())
        + len(observation.source.encode())
        + SEGMENT_ITEM_OVERHEAD_BYTES
    )
    if size > MAX_ITEM_BYTES:
        return f"segment of about {size} bytes: a DynamoDB item holds at most {MAX_ITEM_BYTES}"
    return None
