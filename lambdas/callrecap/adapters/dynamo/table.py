"""What every store over the single table shares: the client, request counts, keys, clock and TTL.

Stores talk to DynamoDB through the low-level client created by `adapters.aws_clients` (its
retry policy is the only retry loop around a single request). `requests` counts the requests
each store made, by operation, for the benchmarks and for tests that pin request counts.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from callrecap import contracts as c
from callrecap.adapters.aws_clients import LazyClient, error_code
from callrecap.adapters.dynamo.codec import attr, from_item
from callrecap.clock import iso, parse_iso


def retry_pause(attempt: int, *, base: float = 0.05, cap: float = 2.0) -> float:
    """Seconds to wait before round `attempt` + 1 of what botocore does not retry itself: the
    cancelled items of a transaction and BatchGet/BatchWrite's unprocessed items."""
    return min(base * (2**attempt), cap)


def is_condition_failure(error: BaseException) -> bool:
    return error_code(error) == "ConditionalCheckFailedException"


def cancellation_codes(error: BaseException) -> list[str]:
    """Per item, why TransactWriteItems was cancelled ("None" for an item that was fine), from the
    TransactionCanceledException's CancellationReasons (DynamoDB API reference); [] otherwise."""
    if error_code(error) != "TransactionCanceledException":
        return []
    response = getattr(error, "response", {}) or {}
    return [str(reason.get("Code", "None")) for reason in response.get("CancellationReasons", [])]


class TableAdapter:
    """The single table through the low-level client; the client is created on first use."""

    def __init__(
        self,
        table_name: str,
        *,
        client: Any | None = None,
        ttl_days: int = 90,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.table_name = table_name
        self._client = client
        self.ttl_days = ttl_days
        self._clock = clock or (lambda: datetime.now(UTC))
        self.requests: dict[str, int] = defaultdict(int)
        """DynamoDB requests made, by operation name (for measurements and tests)."""

    client = LazyClient("dynamodb")

    def _call(self, operation: str, **kwargs: Any) -> Any:
        self.requests[operation] += 1
        return getattr(self.client, operation)(**kwargs)

    def _now(self) -> datetime:
        return self._clock()

    def _expiry_epoch(self, now: datetime | None = None) -> int | None:
        """The TTL attribute's value for an item written `now` (None when TTL is off)."""
        if self.ttl_days <= 0:
            return None
        return int(((now or self._now()) + timedelta(days=self.ttl_days)).timestamp())

    def _expires_at(self, now: datetime) -> dict[str, Any] | None:
        epoch = self._expiry_epoch(now)
        return None if epoch is None else attr(epoch)

    def _key(self, call_id: str, sk: str) -> dict[str, Any]:
        return {c.PK: attr(c.call_pk(call_id)), c.SK: attr(sk)}

    def _meta_key(self, call_id: str) -> dict[str, Any]:
        return self._key(call_id, c.CALL_META_SK)

    def _instant(self, at: str) -> datetime:
        """Parse an event time; an unparseable one (e.g. a doc placeholder) means "now"."""
        parsed = parse_iso(at)
        return parsed if parsed is not None else self._now()

    @staticmethod
    def _iso(moment: datetime) -> str:
        return iso(moment)

    def _query_all(self, **kwargs: Any) -> Iterator[dict[str, Any]]:
        """Every item of a query, following LastEvaluatedKey past DynamoDB's 1 MB pages."""
        start: dict[str, Any] | None = None
        while True:
            page_kwargs = dict(kwargs)
            if start:
                page_kwargs["ExclusiveStartKey"] = start
            response = self._call("query", **page_kwargs)
            yield from response.get("Items", [])
            start = response.get("LastEvaluatedKey")
            if not start:
                return

    def _read(self, call_id: str, sk: str) -> dict[str, Any] | None:
        """One item of the call's partition, strongly consistent, decoded (None if absent)."""
        response = self._call(
            "get_item", TableName=self.table_name, Key=self._key(call_id, sk), ConsistentRead=True
        )
        item = response.get("Item")
        return from_item(item) if item else None
