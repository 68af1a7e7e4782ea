"""AWS limits moto does not enforce, enforced in the local stack so that tests catch what AWS
would refuse. On whenever a LocalPipeline runs (docs/local.md, "Limits the local stack enforces").

Measured on moto 5.2.5 (tests/integration/test_local_aws_limits.py keeps each claim honest): moto
already refuses DynamoDB items over 400 KB and oversized keys, TransactWriteItems over 100 actions,
PutEvents over 10 entries and SQS messages over 1 MiB, so those are left to it. It accepts a
PutEvents request of any size; AWS refuses one whose entries total more than 1 MB with
`ValidationException: Total size of the entries in the request is over the limit.` This module
adds that refusal, computing sizes with the same function the publisher uses.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any

from callrecap.adapters.event_bus import entry_size
from callrecap.contracts import EVENTBRIDGE_ENTRY_LIMIT_BYTES
from callrecap_local.shared_patch import SharedPatch

PUT_EVENTS_TOO_LARGE = "Total size of the entries in the request is over the limit."

_original: Any = None


def _install() -> None:
    global _original
    from moto.events.exceptions import ValidationException
    from moto.events.models import EventsBackend

    _original = EventsBackend.put_events

    def put_events(self: Any, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if sum(entry_size(event) for event in events) > EVENTBRIDGE_ENTRY_LIMIT_BYTES:
            raise ValidationException(PUT_EVENTS_TOO_LARGE)
        return _original(self, events)

    EventsBackend.put_events = put_events  # type: ignore[method-assign]


def _uninstall() -> None:
    from moto.events.models import EventsBackend

    EventsBackend.put_events = _original  # type: ignore[method-assign]


_patch = SharedPatch(_install, _uninstall)


def enforced_aws_limits() -> AbstractContextManager[None]:
    """While active (process-wide, nestable), moto refuses what AWS would (see module doc)."""
    return _patch.held()
