"""EventPublisher over EventBridge PutEvents on the project's custom bus."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from callrecap.contracts import BUS_SOURCE, SCHEMA_VERSION, BusEvent


class EventPublishError(RuntimeError):
    """PutEvents accepted the request but refused the entry (FailedEntryCount > 0)."""


class EventBridgePublisher:
    """Puts one event per call; raises on any refusal so the caller's retry resends it."""

    def __init__(self, bus_name: str, *, client: Any | None = None) -> None:
        if not bus_name:
            raise ValueError("an event bus name is required")
        self.bus_name = bus_name
        self._client = client

    @property
    def client(self) -> Any:
        if self._client is None:
            from callrecap.adapters.aws_clients import new_client

            self._client = new_client("events")
        return self._client

    def publish(self, event: BusEvent, detail: Mapping[str, Any]) -> None:
        body = {"schemaVersion": SCHEMA_VERSION, **detail}
        if not body.get("callId"):
            raise ValueError(f"{event.value} detail needs a callId")
        response = self.client.put_events(
            Entries=[
                {
                    "Source": BUS_SOURCE,
                    "DetailType": event.value,
                    "Detail": json.dumps(body, default=str, separators=(",", ":")),
                    "EventBusName": self.bus_name,
                    "Resources": [],
                }
            ]
        )
        if response.get("FailedEntryCount", 0):
            entry = (response.get("Entries") or [{}])[0]
            raise EventPublishError(
                f"{event.value} for call {body['callId']} refused by bus {self.bus_name}: "
                f"{entry.get('ErrorCode', '?')} {entry.get('ErrorMessage', '')}".rstrip()
            )
