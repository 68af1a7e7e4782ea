"""Partition heat: DynamoDB write and read units per partition key per second, for the table and
each global secondary index, as DynamoDB bills them. moto has no partitions; this meter shows where
a real table would run hot (DynamoDB takes about 1,000 write and 3,000 read units a second per
partition).

It watches moto's DynamoDB backend (not the requests): an UpdateItem's size is only known once
the item is written, and an index is written only when the item's index key or projection
changes. Billing as AWS documents it: 1 write unit per started KB of the larger of the item
before and after; twice that inside TransactWriteItems; a failed conditional write still costs
its units; a GSI write is a delete on the old index key and a put on the new one when the key
changes, one put when only projected attributes change, nothing when neither does (keys-only
projection); LSIs bill the table's partition.

Reads: 1 unit per started 4 KB, half that when eventually consistent. GetItem and each key of a
BatchGetItem are billed per item as strongly consistent (moto does not hand the flag to its
backend; every point read of this pipeline is consistent). A Query is billed on the total size of
the items it returns (for an index, as projected), rounded up once per request, on the queried
partition; DynamoDB bills the items evaluated before a FilterExpression, which this pipeline does
not use.
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
READ_UNIT_BYTES = 4096
PARTITION_WRITE_UNITS_PER_SECOND = 1_000
PARTITION_READ_UNITS_PER_SECOND = 3_000
"""DynamoDB's documented per-partition throughput, tables and GSIs alike."""


def write_units(size_bytes: int) -> int:
    return max(1, math.ceil(size_bytes / WRITE_UNIT_BYTES))


def read_units(size_bytes: int, *, consistent: bool = True) -> float:
    units = max(1, math.ceil(size_bytes / READ_UNIT_BYTES))
    return float(units) if consistent else units / 2


@dataclass(frozen=True)
class Hottest:
    target: str  # the table name, or `table/index`
    partition: str
    second: int
    units: float
    reads: bool = False

    @property
    def utilization(self) -> float:
        limit = PARTITION_READ_UNITS_PER_SECOND if self.reads else PARTITION_WRITE_UNITS_PER_SECOND
        return self.units / limit


@dataclass
class PartitionHeat:
    """Write units (`units`) and read units (`read`) by (second, target, partition key value)."""

    clock: Callable[[], float] = time.time
    units: dict[tuple[int, str, str], float] = field(default_factory=lambda: defaultdict(float))
    read: dict[tuple[int, str, str], float] = field(default_factory=lambda: defaultdict(float))
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, target: str, partition: str, units: float) -> None:
        with self._lock:
            self.units[(int(self.clock()), target, partition)] += units

    def add_read(self, target: str, partition: str, units: float) -> None:
        with self._lock:
            self.read[(int(self.clock()), target, partition)] += units

    def hottest(self, target: str | None = None, *, reads: bool = False) -> Hottest | None:
        """The busiest (partition, second) for writes (or `reads`), of every target or of one."""
        with self._lock:
            table = self.read if reads else self.units
            rows = [(k, v) for k, v in table.items() if target is None or k[1] == target]
        if not rows:
            return None
        (second, where, partition), units = max(rows, key=lambda row: row[1])
        return Hottest(where, partition, second, units, reads)

    def targets(self) -> list[str]:
        with self._lock:
            return sorted({target for _, target, _ in [*self.units, *self.read]})


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


def _bill_read(target: str, partition: str, units: float) -> None:
    for meter in list(_meters):
        meter.add_read(target, partition, units)


def _metered_get(original: Any) -> Any:
    def get_item(self: Any, table_name: str, keys: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        item = original(self, table_name, keys, *args, **kwargs)
        try:
            table = self.get_table(table_name)
            stored = _current(table, keys)
            partition = str(next(iter(keys.get(table.hash_key_attr, {}).values()), ""))
            _bill_read(table.name, partition, read_units(stored.size() if stored is not None else 0))
        except Exception:  # the meter must never break the read it watches
            log.warning("partition heat: read of table %s not metered", table_name, exc_info=True)
        return item

    return get_item


def _metered_query(original: Any) -> Any:
    def query(self: Any, table_name: str, hash_key_dict: Any, *args: Any, **kwargs: Any) -> Any:
        result = original(self, table_name, hash_key_dict, *args, **kwargs)
        try:
            table = self.get_table(table_name)
            index_name = kwargs.get("index_name")
            index = next((i for i in table.all_indexes() if i.name == index_name), None)
            # The returned items as moto built them (projected for an index): no second lookup per
            # item, which made the meter the slowest part of large local runs.
            size = sum(returned.size() for returned in result[0])
            target = table.name if index is None or index in table.indexes else f"{table.name}/{index.name}"
            partition = str(next(iter((hash_key_dict or {}).values()), ""))  # {"S": value}
            consistent = bool(kwargs.get("consistent_read", False))
            _bill_read(target, partition, read_units(size, consistent=consistent))
        except Exception:  # the meter must never break the read it watches
            log.warning("partition heat: query of table %s not metered", table_name, exc_info=True)
        return result

    return query


def _install() -> None:
    from moto.dynamodb.models import DynamoDBBackend

    for name in ("get_item", "query"):
        _originals[name] = getattr(DynamoDBBackend, name)
    DynamoDBBackend.get_item = _metered_get(_originals["get_item"])  # type: ignore[method-assign]
    DynamoDBBackend.query = _metered_query(_originals["query"])  # type: ignore[method-assign]
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
    """While active, every DynamoDB write and read moto makes (in this process) is added to `heat`."""
    with _patch.held():
        _meters.append(heat)
        try:
            yield heat
        finally:
            _meters.remove(heat)
