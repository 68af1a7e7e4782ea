"""EventPublisher over EventBridge PutEvents on the project's custom bus."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from callrecap.adapters.aws_clients import LazyClient
from callrecap.contracts import BUS_SOURCE, EVENT_ENTRY_MAX_BYTES, SCHEMA_VERSION, BusEvent

ENTRY_TIME_BYTES = 14
"""What AWS counts for an entry's Time (eb-putevent-size), whether or not it is set."""


class EventPublishError(RuntimeError):
    """PutEvents accepted the request but refused the entry (FailedEntryCount > 0)."""


class EventTooLarge(ValueError):
    """The entry is over EVENT_ENTRY_MAX_BYTES: refused here, with its size, before sending."""


def entry_size(entry: Mapping[str, Any]) -> int:
    """A PutEvents entry's size as EventBridge computes it (UTF-8 bytes; Time counts 14)."""
    size = ENTRY_TIME_BYTES
    for name in ("Source", "DetailType", "Detail"):
        size += len(str(entry.get(name) or "").encode())
    return size + sum(len(str(resource).encode()) for resource in entry.get("Resources") or [])


class EventBridgePublisher:
    """Puts one event per call; raises on any refusal so the caller's retry resends it."""

    def __init__(self, bus_name: str, *, client: Any | None = None) -> None:
        if not bus_name:
            raise ValueError("an event bus name is required")
        self.bus_name = bus_name
        self._client = client

    client = LazyClient("events")

    def publish(self, event: BusEvent, detail: Mapping[str, Any]) -> None:
        body = {"schemaVersion": SCHEMA_VERSION, **detail}
        if not body.get("callId"):
            raise ValueError(f"{event.value} detail needs a callId")
        entry: dict[str, Any] = {
            "Source": BUS_SOURCE,
            "DetailType": event.value,
            "Detail": json.dumps(body, default=str, separators=(",", ":")),
            "EventBusName": self.bus_name,
            "Resources": [],
        }
        if (size := entry_size(entry)) > EVENT_ENTRY_MAX_BYTES:
            raise EventTooLarge(
                f"{event.value} for call {body['callId']} is {size:,} bytes, over the "
                f"{EVENT_ENTRY_MAX_BYTES:,} an EventBridge entry may be"
            )
        response = self.client.put_events(Entries=[entry])
        if response.get("FailedEntryCount", 0):
            refused = (response.get("Entries") or [{}])[0]
            raise EventPublishError(
                f"{event.value} for call {body['callId']} refused by bus {self.bus_name}: "
                f"{refused.get('ErrorCode', '?')} {refused.get('ErrorMessage', '')}".rstrip()
            )
