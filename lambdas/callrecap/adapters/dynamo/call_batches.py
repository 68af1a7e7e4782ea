"""Call records read many at a time (BatchGetItem): the segment writer reads back the calls a batch
touched, the sweeper the live calls its index query found, the API the calls of a keys-only index
page (the calls list). A base of those three stores; the functions that use none of them are not
granted BatchGetItem."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

from callrecap import contracts as c
from callrecap.adapters.dynamo.codec import from_item
from callrecap.adapters.dynamo.table import TableAdapter, retry_pause

MAX_BATCH_GET_KEYS = 100
"""BatchGetItem reads up to 100 items."""


def _pause(attempt: int) -> None:
    time.sleep(retry_pause(attempt, cap=1.0))


class CallRecordBatches(TableAdapter):
    def _read_call_records(
        self, call_ids: Sequence[str], *, rounds: int = 6, pause: Callable[[int], None] | None = None
    ) -> dict[str, dict[str, Any]]:
        """Call records by call id, strongly consistent, one BatchGetItem per 100 calls.

        UnprocessedKeys are asked for again for up to `rounds` rounds (`pause(round)` between);
        a record still unread after that, or absent, is left out.
        """
        found: dict[str, dict[str, Any]] = {}
        by_pk = {c.call_pk(call_id): call_id for call_id in call_ids}
        for start in range(0, len(call_ids), MAX_BATCH_GET_KEYS):
            keys = [self._meta_key(call_id) for call_id in call_ids[start : start + MAX_BATCH_GET_KEYS]]
            for attempt in range(rounds):
                response = self._call(
                    "batch_get_item", RequestItems={self.table_name: {"Keys": keys, "ConsistentRead": True}}
                )
                for item in response.get("Responses", {}).get(self.table_name, []):
                    found[by_pk[item[c.PK]["S"]]] = from_item(item)
                keys = response.get("UnprocessedKeys", {}).get(self.table_name, {}).get("Keys", [])
                if not keys:
                    break
                if attempt < rounds - 1:
                    (pause or _pause)(attempt)
        return found
