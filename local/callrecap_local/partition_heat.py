"""Partition heat: DynamoDB write units per partition key per second, for the table and each
global secondary index, as DynamoDB bills them. moto has no partitions; this meter shows where a
real table would run hot (DynamoDB takes about 1,000 write units a second per partition).

It watches moto's DynamoDB backend (not the requests): an UpdateItem's size is only known once
the item is written, and an index is written only when the item's index key or projection
changes. Billing as AWS documents it: 1 write unit per started KB of the larger of the item
before and after; twice that inside TransactWriteItems; a failed conditional write still costs
its units; a GSI write is a delete on the old index key and a put on the new one when the key
changes, one put when only projected attributes change, nothing when neither does (keys-only
projection); LSIs bill the table's partition. Reads are not metered (every read this pipeline
makes is one call's partition, or the sweeper's shard queries).
"""

from __future__ import annotations

import copy
import logging
import math
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from callrecap_local.shared_patch import SharedPatch

log = logging.getLogger(__name__)

WRITE_UNIT_BYTES = 1024
PARTITION_WRITE_UNITS_PER_SECOND = 1_000
"""DynamoDB's documented per-partition write throughput, tables and GSIs alike."""


def write_units(size_bytes: int) -> int:
    return max(1, math.ceil(size_bytes / WRITE_UNIT_BYTES))


@dataclass(frozen=True)
class Hottest:
    target: str  # the table name, or `table/index`
    partition: str
    second: int
    units: float

    @property
    def utilization(self) -> float:
        return self.units / PARTITION_WRITE_UNITS_PER_SECOND


@dataclass
class PartitionHeat:
    """Write units by (second, target, partition key value)."""

    clock: Callable[[], float] = time.time
    units: dict[tuple[int, str, str], float] = field(default_factory=lambda: defaultdict(float))
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, target: str, partition: str, units: float) -> None:
        with self._lock:
            self.units[(int(self.clock()), target, partition)] += units

    def hottest(self, target: str | None = None) -> Hottest | None:
        """The busiest (partition, second), of every target or of one."""
        with self._lock:
            rows = [(k, v) for k, v in self.units.items() if target is None or k[1] == target]
        if not rows:
            return None
        (second, where, partition), units = max(rows, key=lambda row: row[1])
        return Hottest(where, partition, second, units)

    def targets(self) -> list[str]:
        with self._lock:
            return sorted({target for _, target, _ in self.units})


_state = threading.local()
_meters: list[PartitionHeat] = []
_originals: dict[str, Any] = {}


def _key_value(value: Any) -> str:
    return str(getattr(value, "value", value))


def _index_key(index: Any, item: Any) -> tuple[str, ...] | None:
    if item is None or any(name not in item.attrs for name in index.schema_key_attrs):
        return None
    return tuple(_key_value(item.attrs[name]) for name in index.schema_key_attrs)


def _record(table: Any, old: Any, new: Any, in_transaction: bool) -> None:
    try:
        _bill(table, old, new, in_transaction)
    except Exception:  # the meter must never break the write it watches
        log.warning("partition heat: write of table %s not metered", table.name, exc_info=True)


def _bill(table: Any, old: Any, new: Any, in_transaction: bool) -> None:
    sizes = [item.size() for item in (old, new) if item is not None]
    base = write_units(max(sizes, default=0)) * (2 if in_transaction else 1)
    any_item = new if new is not None else old
    if any_item is None:
        return
    partition = _key_value(any_item.attrs[table.hash_key_attr])
    lsi_units = sum(base for index in table.indexes if _index_key(index, any_item) is not None)
    for meter in list(_meters):
        meter.add(table.name, partition, base + lsi_units)
    for index in table.global_indexes:
        before, after = _index_key(index, old), _index_key(index, new)
        writes: list[tuple[str, int]] = []
        if before != after:
            if before is not None:
                writes.append((before[0], write_units(index.project(old).size())))
            if after is not None:
                writes.append((after[0], write_units(index.project(new).size())))
        elif after is not None and index.project(old).attrs != index.project(new).attrs:
            writes.append((after[0], write_units(index.project(new).size())))
        for meter in list(_meters):
            for index_partition, units in writes:
                meter.add(f"{table.name}/{index.name}", index_partition, units)


def _current(table: Any, key: dict[str, Any]) -> Any:
    from moto.dynamodb.models.dynamo_type import DynamoType

    hash_value = key.get(table.hash_key_attr)
    if hash_value is None:
        return None
    range_value = key.get(table.range_key_attr) if table.range_key_attr else None
    try:
        return table.get_item(DynamoType(hash_value), DynamoType(range_value) if range_value else None)
    except Exception:  # noqa: BLE001 (an invalid key: moto's own call raises the real error)
        return None


def _metered_write(original: Any, key_argument: str) -> Any:
    def write(self: Any, table_name: str, *args: Any, **kwargs: Any) -> Any:
        key = kwargs.get(key_argument, args[0] if args else None) or {}
        try:
            table = self.get_table(table_name)
            old = copy.deepcopy(_current(table, key))  # UpdateItem changes moto's Item in place
        except Exception:  # noqa: BLE001 (no such table: moto's call raises it)
            return original(self, table_name, *args, **kwargs)
        in_transaction = bool(getattr(_state, "transaction", False))
        try:
            result = original(self, table_name, *args, **kwargs)
        except Exception:
            if old is not None:  # a refused conditional write is still billed
                _record(table, old, old, in_transaction)
            raise
        _record(table, old, _current(table, key), in_transaction)
        return result

    return write


def _install() -> None:
    from moto.dynamodb.models import DynamoDBBackend

    for name in ("put_item", "update_item", "delete_item", "transact_write_items"):
        _originals[name] = getattr(DynamoDBBackend, name)
    DynamoDBBackend.put_item = _metered_write(_originals["put_item"], "item_attrs")  # type: ignore[method-assign]
    DynamoDBBackend.update_item = _metered_write(_originals["update_item"], "key")  # type: ignore[method-assign]
    DynamoDBBackend.delete_item = _metered_write(_originals["delete_item"], "key")  # type: ignore[method-assign]
    transact = _originals["transact_write_items"]

    def transact_write_items(self: Any, *args: Any, **kwargs: Any) -> Any:
        _state.transaction = True
        try:
            return transact(self, *args, **kwargs)
        finally:
            _state.transaction = False

    DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]


def _uninstall() -> None:
    from moto.dynamodb.models import DynamoDBBackend

    for name, original in _originals.items():
        setattr(DynamoDBBackend, name, original)
    _originals.clear()


_patch = SharedPatch(_install, _uninstall)


@contextmanager
def metered(heat: PartitionHeat) -> Iterator[PartitionHeat]:
    """While active, every DynamoDB write moto makes (in this process) is added to `heat`."""
    with _patch.held():
        _meters.append(heat)
        try:
            yield heat
        finally:
            _meters.remove(heat)
