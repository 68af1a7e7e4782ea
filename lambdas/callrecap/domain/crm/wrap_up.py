"""crmSendOn approval-or-timeout: a final whose wrap-up time ran out without an approval is
released to the CRM, once; an approval that comes later is delivered as superseding it.

Both decisions are conditions on the call record, so they serialize: the release is conditional
on no approval marker (approvals.store_approval sets it in the same transaction as the approved
version), and an approval reads, after storing itself, whether a final was released first. In
every order the CRM gets the approved version last, and at most one final before it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from callrecap.contracts import CRM_RELEASE_WRAP_UP_TIMEOUT, BusEvent
from callrecap.domain.models import SummaryKind, SummaryStatus
from callrecap.domain.ports import EventPublisher, WrapUpStore
from callrecap.domain.summaries.requests import summary_event_detail


class InvalidWrapUp(ValueError):
    """A wrap-up message that does not name a call and a version (kept for inspection)."""


def on_wrap_up_timeout(detail: Mapping[str, Any], store: WrapUpStore, publisher: EventPublisher) -> str:
    """ "released", "approved" (the agent approved first, or a newer final was released) or
    "gone" (the version is not a completed final)."""
    call_id, version = detail.get("callId"), detail.get("version")
    if (
        not isinstance(call_id, str)
        or not call_id
        or isinstance(version, bool)
        or not isinstance(version, int)
    ):
        raise InvalidWrapUp(f"a wrap-up message needs callId and version, got {dict(detail)!r:.200}")
    summary = store.get_summary(call_id, version)
    if (
        summary is None
        or summary.kind is not SummaryKind.FINAL
        or summary.status is not SummaryStatus.COMPLETED
    ):
        return "gone"
    if not store.release_final(call_id, summary.version):
        return "approved"
    publisher.publish(
        BusEvent.CALL_SUMMARIZED, {**summary_event_detail(summary), "crmRelease": CRM_RELEASE_WRAP_UP_TIMEOUT}
    )
    return "released"
