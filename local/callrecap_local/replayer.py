"""Play a recorded call into the local stack on its own timeline.

Kinesis lines become PutRecord (with the line's partition key, or the call id), EventBridge
lines become PutEvents on the default bus with the envelope's source, detail-type, detail and
resources: the same entry points a Chime Voice Connector or an LCA producer uses in AWS.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from typing import Any

from callrecap.clock import parse_iso
from callrecap_local.recording import RecordedEvent, Recording

log = logging.getLogger("callrecap_local")


class Replay(threading.Thread):
    """One recorded call being played; `at` seconds are divided by `speed`."""

    def __init__(self, recording: Recording, *, speed: float, kinesis: Any, events: Any, stream_name: str):
        super().__init__(name=f"replay-{recording.call_id[:8]}", daemon=True)
        if speed <= 0:
            raise ValueError("speed must be positive")
        self.recording = recording
        self.speed = speed
        self.kinesis = kinesis
        self.events = events
        self.stream_name = stream_name
        self.sent = 0
        self.errors: list[str] = []
        self._hurry = threading.Event()
        self._cancel = threading.Event()
        self.finished_at: float | None = None
        """time.monotonic() when the last event was sent."""

    @property
    def call_id(self) -> str:
        return self.recording.call_id

    def run(self) -> None:
        started = time.monotonic()
        for event in self.recording.events:
            delay = started + event.at / self.speed - time.monotonic()
            if delay > 0 and not self._hurry.is_set():
                self._hurry.wait(delay)
            if self._cancel.is_set():
                return
            try:
                self._send(event)
                self.sent += 1
            except Exception as error:
                log.exception("replay of %s: could not send an event", self.call_id)
                self.errors.append(repr(error))
        self.finished_at = time.monotonic()

    def finish_now(self) -> None:
        """Send the rest of the recording at once (e.g. to make the call end now)."""
        self._hurry.set()

    def cancel(self) -> None:
        self._cancel.set()
        self._hurry.set()

    def _send(self, event: RecordedEvent) -> None:
        if event.source == "kinesis":
            self.kinesis.put_record(
                StreamName=self.stream_name,
                Data=json.dumps(event.payload).encode(),
                PartitionKey=event.partition_key or self.call_id,
            )
            return
        envelope = event.payload
        entry: dict[str, Any] = {
            "Source": envelope["source"],
            "DetailType": envelope["detail-type"],
            "Detail": json.dumps(envelope.get("detail", {})),
            "EventBusName": "default",
        }
        if envelope.get("resources"):
            entry["Resources"] = list(envelope["resources"])
        when = parse_iso(envelope.get("time"))
        if when is not None:
            entry["Time"] = when  # the producer's time, as Chime stamps its own events
        response = self.events.put_events(Entries=[entry])
        if response.get("FailedEntryCount"):
            raise RuntimeError(f"PutEvents rejected the event: {response['Entries']}")
