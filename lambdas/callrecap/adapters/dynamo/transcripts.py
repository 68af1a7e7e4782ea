"""DynamoTranscriptStore: the domain's TranscriptStore over the single table.

Five parts, one per concern, sharing the table state (adapters.dynamo.table): the transactional
segment writer, the call lifecycle updates, the reads, the live-calls listing and the after-the-fact
segment rewrites (redactStoredTranscript).
"""

from __future__ import annotations

from callrecap.adapters.dynamo.call_queries import CallQueries
from callrecap.adapters.dynamo.calls import CallLifecycle
from callrecap.adapters.dynamo.live_calls import LiveCalls
from callrecap.adapters.dynamo.segment_rewrites import SegmentRewrites
from callrecap.adapters.dynamo.segment_writer import SegmentWriter, StoredSegments

__all__ = ["DynamoTranscriptStore", "StoredSegments"]


class DynamoTranscriptStore(SegmentWriter, CallLifecycle, CallQueries, LiveCalls, SegmentRewrites):
    """Segments, call records and their reads (see each part's module)."""
