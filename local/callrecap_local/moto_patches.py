"""Performance fixes for the moto emulator, with moto's own semantics, pinned to one moto version.

moto 5.2.5's `DynamoDBBackend.transact_write_items` deep-copies the WHOLE table once per item of
the transaction, so that it can put the table back if the transaction is cancelled. With N items
stored, a 25-item transaction costs 25 copies of N items: time and memory grow with the square of
the data (500 simulated calls passed 5.8 GB before finishing).

`transact_items_snapshot` replaces that with a snapshot of only what a transaction can change:
the items at the keys it names (a deep copy of each, or "absent") and the length of the table's
stream shard. moto rolls back exactly when it re-raises a validation error raised while applying
the items, or raises TransactionCanceledException; then, and only then, the patch puts those
items (and the stream records) back as they were. Secondary indexes are computed from the items
on every query in moto, and a table keeps no item count, so nothing else needs restoring.

It also makes a query on the table's own key read only that hash key's items: moto 5.2.5 sorts
the whole table (`Table.all_items`) for every query and then keeps the queried key's items, so
each read of one call cost O(N log N) in the table size. The result is the same list.

Kinesis: moto 5.2.5's `Shard.put_record` says itself that it is "not safe for concurrency", and
`Shard.get_records` walks every record of the shard from the first on each call. With the replayer
putting records while the pollers read them (moto's server answers each request on its own
thread), reads raised "OrderedDict mutated during iteration" and cost O(records in the shard).
The patch serializes each shard's reads and writes with a lock and, since moto numbers a shard's
records 1, 2, 3, ..., reads the next `limit` records by sequence number (falling back to moto's
walk if the numbers ever have a gap). The records returned and the iterator position are the same.

DynamoDB writes: DynamoDB evaluates a write's condition and applies it atomically; moto's server
answers each request on its own thread and evaluates a ConditionExpression in Python before it
writes, so two concurrent conditional writes to one item could both pass (two runs taking one
summary lease, say). The patch serializes moto's DynamoDB writes (PutItem, UpdateItem,
DeleteItem, BatchWriteItem, TransactWriteItems) with one lock, which makes each atomic as in
DynamoDB. Queries take the same lock: moto deep-copies a query's items while an UpdateItem on
another thread mutates one in place, and the copy then fails ("dictionary changed size during
iteration", seen in CI under six concurrent approvals of one summary); so does GetItem, whose
answer is built from the stored item. Scans and batch reads are left concurrent.

One difference, deliberately better: moto swaps in the copied table object, which would also
undo writes that other server threads made to other items during the transaction; the patch only
restores the items the transaction named.

The patch is applied process-wide (moto's server runs in-process as a ThreadedMotoServer) by the
local stack and the benchmarks. It refuses to apply, and warns, for any moto version other than
`PINNED_MOTO_VERSION`: the code it relies on may have changed.
"""

from __future__ import annotations

import copy
import logging
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from callrecap_local.shared_patch import SharedPatch

log = logging.getLogger("callrecap_local")

PINNED_MOTO_VERSION = "5.2.5"
_PATCH_MARK = "_callrecap_snapshot_patch"
_saved: dict[str, Any] = {}


@dataclass
class _TableSnapshot:
    table: Any
    stream_items: list[Any] | None
    stream_length: int
    items: dict[tuple[Any, Any], tuple[bool, Any]] = field(default_factory=dict)
    """(hash, range) -> (hash bucket existed, deep copy of the item or None when absent)."""


def _item_key(table: Any, op_type: str, op: dict[str, Any]) -> tuple[Any, Any] | None:
    from moto.dynamodb.models.dynamo_type import DynamoType

    attrs = op.get("Item") if op_type == "Put" else op.get("Key")
    if not isinstance(attrs, dict) or table.hash_key_attr not in attrs:
        return None  # moto rejects the operation before it writes anything
    hash_value = DynamoType(attrs[table.hash_key_attr])
    range_value = None
    if table.range_key_attr is not None:
        if table.range_key_attr not in attrs:
            return None
        range_value = DynamoType(attrs[table.range_key_attr])
    return hash_value, range_value


def _snapshot(backend: Any, transact_items: Any) -> list[_TableSnapshot]:
    snapshots: dict[str, _TableSnapshot] = {}
    for entry in transact_items if isinstance(transact_items, list) else []:
        try:
            op_type, op = next(iter(entry.items()))
            table = backend.tables.get(op.get("TableName"))
            key = _item_key(table, op_type, op) if table is not None else None
        except (StopIteration, AttributeError, TypeError, KeyError):  # malformed: moto fails it
            continue  # before writing anything
        if key is None:
            continue
        snap = snapshots.get(table.name)
        if snap is None:
            shard = table.stream_shard
            items = shard.items if shard is not None else None
            snap = snapshots[table.name] = _TableSnapshot(table, items, len(items or ()))
        if key in snap.items:
            continue
        hash_value, range_value = key
        bucket_existed = hash_value in table.items
        current = table.items.get(hash_value) if bucket_existed else None
        if range_value is not None and current is not None:
            current = current.get(range_value)
        snap.items[key] = (bucket_existed, copy.deepcopy(current))
    return list(snapshots.values())


def _restore(snapshots: list[_TableSnapshot]) -> None:
    for snap in snapshots:
        table = snap.table
        for (hash_value, range_value), (bucket_existed, item) in snap.items.items():
            if range_value is None:
                if item is None:
                    table.items.pop(hash_value, None)
                else:
                    table.items[hash_value] = item
                continue
            bucket = table.items[hash_value]  # a defaultdict: created if a write removed it
            if item is None:
                bucket.pop(range_value, None)
            else:
                bucket[range_value] = item
            if not bucket and not bucket_existed:
                table.items.pop(hash_value, None)
        if snap.stream_items is not None and table.stream_shard is not None:
            # StreamShard.add only appends, or replaces the list once its records went to a
            # Lambda mapping; either way the saved list still starts with the old records.
            del snap.stream_items[snap.stream_length :]
            table.stream_shard.items = snap.stream_items


def _rolls_back(error: BaseException) -> bool:
    """Whether moto's transact_write_items rolls the tables back before raising `error`."""
    from moto.dynamodb.exceptions import (
        MockValidationException,
        TransactionCanceledException,
        TransactWriteSingleOpException,
    )

    if isinstance(error, TransactionCanceledException):
        return True
    # Raised inside moto's per-item try (rolled back), except the single-op check made before it.
    return isinstance(error, MockValidationException) and not isinstance(
        error, TransactWriteSingleOpException
    )


def _install() -> None:
    from moto.dynamodb import models
    from moto.dynamodb.models.table import Table

    backend_class = models.DynamoDBBackend
    original_method = backend_class.transact_write_items
    original_copy = models.copy
    state = threading.local()

    class _TableCopyIsIdentity:
        """moto's module-level `copy`, except that inside a patched transaction a Table's
        "copy" is the table itself (so moto's own rollback assignment is a no-op)."""

        def __getattr__(self, name: str) -> Any:
            return getattr(copy, name)

        def deepcopy(self, value: Any, memo: Any = None) -> Any:
            if getattr(state, "active", False) and isinstance(value, Table):
                return value
            return copy.deepcopy(value, memo)

    def transact_write_items(self: Any, transact_items: Any) -> Any:
        snapshots = _snapshot(self, transact_items)
        state.active = True
        try:
            return original_method(self, transact_items)
        except BaseException as error:
            if _rolls_back(error):
                _restore(snapshots)
            raise
        finally:
            state.active = False

    original_query = Table.query
    original_all_items = Table.all_items

    write_lock = threading.RLock()

    def query(self: Any, hash_key: Any, *args: Any, **kwargs: Any) -> Any:
        index_name = args[6] if len(args) > 6 else kwargs.get("index_name")  # moto passes it 7th
        with write_lock:  # moto deep-copies the results: no write may change them meanwhile
            if index_name or hash_key is None:
                return original_query(self, hash_key, *args, **kwargs)
            state.query_hash = hash_key
            try:
                return original_query(self, hash_key, *args, **kwargs)
            finally:
                state.query_hash = None

    def all_items(self: Any) -> list[Any]:
        hash_key = getattr(state, "query_hash", None)
        if hash_key is None:
            return original_all_items(self)
        # moto keeps the items of the queried hash key and sorts them by range key: the
        # same list as filtering the whole sorted table.
        state.query_hash = None  # only the query's own (first) call
        bucket = self.items.get(hash_key)
        if bucket is None:
            return []
        if not self.range_key_attr:
            return [bucket]
        return sorted(bucket.values(), key=lambda item: item.range_key)

    from moto.kinesis.models import Shard

    original_get_records = Shard.get_records
    original_put_record = Shard.put_record
    shard_locks: dict[int, threading.Lock] = {}
    locks_guard = threading.Lock()

    def shard_lock(shard: Any) -> threading.Lock:
        with locks_guard:
            return shard_locks.setdefault(id(shard), threading.Lock())

    def get_records(self: Any, last_sequence_id: str, limit: int | None) -> Any:
        with shard_lock(self):
            records = self.records
            start = int(last_sequence_id)
            if records and start + 1 not in records and start < next(reversed(records)):
                return original_get_records(self, last_sequence_id, limit)  # a gap: moto's walk
            results: list[Any] = []
            position = start
            while (limit is None or len(results) < limit) and position + 1 in records:
                position += 1
                results.append(records[position])
            behind = 0.0
            if results:
                behind = records[next(reversed(records))].created_at - results[-1].created_at
            return results, position, int(behind * 1000)

    def put_record(self: Any, *args: Any, **kwargs: Any) -> Any:
        with shard_lock(self):
            return original_put_record(self, *args, **kwargs)

    writes = ("put_item", "update_item", "delete_item", "batch_write_item", "get_item")
    # (get_item too: the response is built from the stored item, which a write may be changing)
    _saved["writes"] = {name: getattr(backend_class, name) for name in writes}

    def atomic(original: Any) -> Any:
        def write(self: Any, *args: Any, **kwargs: Any) -> Any:
            with write_lock:
                return original(self, *args, **kwargs)

        return write

    for name, original in _saved["writes"].items():
        setattr(backend_class, name, atomic(original))
    patched_transaction = transact_write_items

    def transact_write_items_atomic(self: Any, transact_items: Any) -> Any:
        with write_lock:
            return patched_transaction(self, transact_items)

    transact_write_items = transact_write_items_atomic

    setattr(transact_write_items, _PATCH_MARK, True)
    _saved.update(
        method=original_method,
        copy=original_copy,
        query=original_query,
        all_items=original_all_items,
        get_records=original_get_records,
        put_record=original_put_record,
    )
    Shard.get_records = get_records  # type: ignore[method-assign]
    Shard.put_record = put_record  # type: ignore[method-assign]
    models.copy = _TableCopyIsIdentity()  # type: ignore[assignment]
    backend_class.transact_write_items = transact_write_items  # type: ignore[method-assign]
    Table.query = query  # type: ignore[method-assign]
    Table.all_items = all_items  # type: ignore[method-assign]


def _uninstall() -> None:
    from moto.dynamodb import models
    from moto.dynamodb.models.table import Table

    models.DynamoDBBackend.transact_write_items = _saved.pop("method")  # type: ignore[method-assign]
    for name, original in _saved.pop("writes").items():
        setattr(models.DynamoDBBackend, name, original)
    models.copy = _saved.pop("copy")
    Table.query = _saved.pop("query")  # type: ignore[method-assign]
    Table.all_items = _saved.pop("all_items")  # type: ignore[method-assign]
    from moto.kinesis.models import Shard

    Shard.get_records = _saved.pop("get_records")  # type: ignore[method-assign]
    Shard.put_record = _saved.pop("put_record")  # type: ignore[method-assign]


_patch = SharedPatch(_install, _uninstall)


def moto_version() -> str:
    import moto

    return str(getattr(moto, "__version__", "?"))


@contextmanager
def transact_items_snapshot() -> Iterator[bool]:
    """While active, moto's TransactWriteItems snapshots only the items it names (see module doc).

    Yields whether the patch is in effect (False, with a warning, on another moto version).
    Nested and concurrent uses share one installation; the last one out puts moto back.
    """
    version = moto_version()
    if version != PINNED_MOTO_VERSION:
        message = (
            f"moto {version} is not the pinned {PINNED_MOTO_VERSION}: the TransactWriteItems "
            "speed-up is NOT applied (large local runs will be slow; see docs/local.md)"
        )
        warnings.warn(message, RuntimeWarning, stacklevel=3)
        log.warning(message)
        yield False
        return
    with _patch.held():
        yield True
