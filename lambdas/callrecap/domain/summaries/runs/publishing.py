"""Publishing a stored version's event, then marking it published: a re-delivered request finds
an unpublished version and publishes it, so a crash between the two steps loses nothing."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from callrecap.contracts import BusEvent, CallAttr
from callrecap.domain.models import Summary, SummaryStatus
from callrecap.domain.ports import EventPublisher, SummaryRepository, TranscriptStore
from callrecap.domain.summaries.requests import (
    failure_event_detail,
    stale_request_detail,
    summary_event_detail,
)

logger = logging.getLogger(__name__)


class VersionEvents:
    def __init__(
        self,
        publisher: EventPublisher,
        summaries: SummaryRepository,
        transcripts: TranscriptStore,
        clock: Callable[[], str],
    ) -> None:
        self._publisher = publisher
        self._summaries = summaries
        self._transcripts = transcripts
        self._clock = clock

    def publish(self, summary: Summary) -> None:
        """CallSummarized for a COMPLETED version with sections, SummaryFailed for a FAILED one."""
        if summary.status is SummaryStatus.COMPLETED and summary.sections:
            self._publisher.publish(BusEvent.CALL_SUMMARIZED, summary_event_detail(summary))
        elif summary.status is SummaryStatus.FAILED:
            self._publisher.publish(BusEvent.SUMMARY_FAILED, failure_event_detail(summary))
        else:
            return
        self._summaries.mark_published(summary.call_id, summary.version, self._clock())

    def request_again_if_moved(self, summary: Summary | None, call_before: Mapping[str, Any]) -> None:
        """A segment stored while the model worked makes this final stale at birth: ask again."""
        if summary is None:
            return
        call = self._transcripts.get_call(summary.call_id) or call_before
        revision = int_or_zero(call.get(CallAttr.TRANSCRIPT_REVISION.value))
        if revision > summary.transcript_revision:
            logger.info(
                "call %s transcript moved from revision %s to %s during the run; requesting a new final",
                summary.call_id,
                summary.transcript_revision,
                revision,
            )
            self._publisher.publish(
                BusEvent.SUMMARY_REQUESTED, stale_request_detail(summary.call_id, self._clock())
            )


def int_or_zero(value: Any) -> int:
    """A numeric table attribute (Decimal, int or str) as int; 0 when absent or invalid."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0
