"""Stored segments whose text is replaced after the fact (redactStoredTranscript: a number read
out over several segments, tagged once the call's whole transcript is known).

Each rewrite is one transaction, like a segment commit: the segments change only if their text is
still what was read (a correction that came in between wins), and the call's `lastWriteSeq`
moves past the new write sequence so a page reading "changed since" sees the tags. The digest
is left alone: a redelivered copy of the original final is still recognised as a duplicate and
cannot bring the digits back. lastActivityAt is not touched (nothing was said).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import datetime

from callrecap import contracts as c
from callrecap.adapters.aws_clients import error_code
from callrecap.adapters.dynamo.codec import attr, from_item
from callrecap.adapters.dynamo.table import retry_pause
from callrecap.adapters.dynamo.table_updates import CallTableState
from callrecap.contracts import CallAttr, SegmentAttr
from callrecap.domain.ports import TextChange

MAX_CHANGES_PER_TRANSACTION = 99
"""TransactWriteItems takes 100 actions: the segments and the call record."""

ATTEMPTS = 5


class SegmentRewrites(CallTableState):
    def rewrite_segment_texts(self, call_id: str, changes: Sequence[TextChange]) -> int:
        """Apply the changes whose segment still has the old text; how many were applied."""
        applied = 0
        for start in range(0, len(changes), MAX_CHANGES_PER_TRANSACTION):
            applied += self._rewrite(call_id, list(changes[start : start + MAX_CHANGES_PER_TRANSACTION]))
        return applied

    def _rewrite(self, call_id: str, changes: list[TextChange]) -> int:
        floor = 0
        for attempt in range(ATTEMPTS):
            if not changes:
                return 0
            seq = max(self._stamp(self._now()), floor + 1)
            try:
                self._call("transact_write_items", TransactItems=self._actions(call_id, changes, seq))
                return len(changes)
            except Exception as error:
                if error_code(error) != "TransactionCanceledException":
                    raise
                reasons = getattr(error, "response", {}).get("CancellationReasons") or []
                if len(reasons) == len(changes) + 1:
                    # A segment whose text changed since it was read keeps the newer text.
                    changes = [
                        change
                        for change, reason in zip(changes, reasons, strict=False)
                        if reason.get("Code") != "ConditionalCheckFailed"
                    ]
                    meta = reasons[-1]
                    if meta.get("Code") == "ConditionalCheckFailed":
                        stored = from_item(meta.get("Item") or {})
                        if not stored:
                            return 0  # the call was deleted
                        floor = int(stored.get(CallAttr.LAST_WRITE_SEQ, 0) or 0)
                time.sleep(retry_pause(attempt))  # throttled or in conflict with an ingest commit
        return 0

    def _actions(self, call_id: str, changes: Sequence[TextChange], seq: int) -> list[dict[str, object]]:
        actions: list[dict[str, object]] = [
            {
                "Update": {
                    "TableName": self.table_name,
                    "Key": self._key(call_id, f"{c.SEGMENT_SK_PREFIX}{change.segment_id}"),
                    "UpdateExpression": "SET #text = :new, #seq = :seq",
                    "ConditionExpression": "#text = :old",
                    "ExpressionAttributeNames": {
                        "#text": SegmentAttr.TEXT.value,
                        "#seq": c.SEGMENT_WRITE_SEQ,
                    },
                    "ExpressionAttributeValues": {
                        ":new": attr(change.new_text),
                        ":old": attr(change.old_text),
                        ":seq": attr(seq),
                    },
                }
            }
            for change in changes
        ]
        actions.append(
            {
                "Update": {
                    "TableName": self.table_name,
                    "Key": self._meta_key(call_id),
                    "UpdateExpression": "SET #last = :seq",
                    "ConditionExpression": (
                        "attribute_exists(#cid) AND (attribute_not_exists(#last) OR #last < :seq)"
                    ),
                    "ExpressionAttributeNames": {
                        "#last": CallAttr.LAST_WRITE_SEQ.value,
                        "#cid": CallAttr.CALL_ID.value,
                    },
                    "ExpressionAttributeValues": {":seq": attr(seq)},
                    "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                }
            }
        )
        return actions

    @staticmethod
    def _stamp(moment: datetime) -> int:
        return int(moment.timestamp() * 1_000_000)
