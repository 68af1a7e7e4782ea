"""What the stores that change items share: a conditional UpdateItem, the call record's update,
and (for the transcript store's parts) the calls seen. Kept apart from `table` so that the
read-only stores (call_queries, summary_reads) carry no write operation at all."""

from __future__ import annotations

from typing import Any

from callrecap.adapters.dynamo.table import TableAdapter, is_condition_failure


class UpdatingTable(TableAdapter):
    """A store that updates items in place (the read-only stores do not inherit this)."""

    def _update_if(self, key: dict[str, Any], update: str, condition: str | None, **expression: Any) -> bool:
        """One UpdateItem; False when `condition` does not hold (any other error raises).
        `expression`: ExpressionAttributeNames / ExpressionAttributeValues."""
        kwargs: dict[str, Any] = {
            "TableName": self.table_name,
            "Key": key,
            "UpdateExpression": update,
            **expression,
        }
        if condition:
            kwargs["ConditionExpression"] = condition
        try:
            self._call("update_item", **kwargs)
        except Exception as error:
            if is_condition_failure(error):
                return False
            raise
        return True

    def _update_meta(
        self,
        call_id: str,
        *,
        sets: list[str],
        names: dict[str, str],
        values: dict[str, Any],
        condition: str,
    ) -> bool:
        """SET `sets` on the call record if `condition` holds; False when it does not."""
        return self._update_if(
            self._meta_key(call_id),
            "SET " + ", ".join(sets),
            condition,
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
        )


class CallTableState(UpdatingTable):
    """What the transcript store's parts (writer, lifecycle, queries) share about calls seen."""

    def __init__(self, table_name: str, **kwargs: Any) -> None:
        super().__init__(table_name, **kwargs)
        self._last_seq: dict[str, int] = {}
        """Per call, the last writeSeq this container reserved."""
        self._ended: set[str] = set()
        """Calls known to have ended: their commits no longer (re)join the live-calls index."""
