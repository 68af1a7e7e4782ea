"""A run is a lease on (call, kind, transcript revision): one conditional write decides which of
several concurrent claimants (a duplicate CallEnded, the sweeper, a retried batch) runs; the
others do nothing. A lease outlives the run's deadline a little, so an expired lease means its
run was stopped at the function's timeout, and that run's PENDING version is failed here."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace

from callrecap.contracts import FailureReason
from callrecap.domain.models import SummaryKind, SummaryStatus
from callrecap.domain.ports import SummaryRepository
from callrecap.domain.summaries.runs.versions import is_deferred

logger = logging.getLogger(__name__)

LEASE_MARGIN_SECONDS = 30.0
"""A lease outlives its run's deadline by this much (clock skew between containers)."""

LEASE_RETURN_MARGIN_SECONDS = 2.0
"""A deferred run's lease ends this much before its request is due back (a lease's expiry is
stored in whole seconds; the rest is clock skew between containers)."""


@dataclass(frozen=True)
class Lease:
    call_id: str
    key: str
    owner: str


class RunLeases:
    def __init__(self, summaries: SummaryRepository, publish_failure: Callable[..., None]) -> None:
        self._summaries = summaries
        self._publish_failure = publish_failure

    def claim(
        self, call_id: str, kind: SummaryKind, revision: int, now: float, seconds_left: float
    ) -> tuple[Lease | None, int]:
        """The lease of this run, or None when another run holds it; with the version a stopped
        earlier holder had claimed (0 if none)."""
        lease = Lease(call_id, f"{kind.value}#{revision}", uuid.uuid4().hex)
        until = now + max(0.0, seconds_left) + LEASE_MARGIN_SECONDS
        claim = self._summaries.claim_lease(call_id, lease.key, lease.owner, now, until)
        if not claim.claimed:
            return None, 0
        return lease, claim.previous_version

    def bind(self, lease: Lease, version: int) -> None:
        self._summaries.bind_lease(lease.call_id, lease.key, lease.owner, version)

    def release(self, lease: Lease) -> None:
        self._summaries.release_lease(lease.call_id, lease.key, lease.owner)

    def hold_until_back(self, lease: Lease, now: float, defer_seconds: float) -> None:
        """Keep a deferred run's lease until a little before its request is due back (leases count
        whole seconds), so the returning request finds it free and nobody else runs meanwhile."""
        hold = max(0.0, defer_seconds - LEASE_RETURN_MARGIN_SECONDS)
        self._summaries.hold_lease(lease.call_id, lease.key, lease.owner, now + hold)

    def fail_stopped_run(self, call_id: str, version: int) -> None:
        """The expired lease's run was stopped (function timeout): its PENDING version is FAILED."""
        stopped = self._summaries.get_summary(call_id, version)
        if stopped is None or stopped.status is not SummaryStatus.PENDING or is_deferred(stopped):
            return  # a deferred run's lease ran out on purpose: the next run resumes its version
        if not self._summaries.set_status(
            call_id, version, SummaryStatus.FAILED, expected=SummaryStatus.PENDING
        ):
            return
        failed = replace(
            stopped,
            status=SummaryStatus.FAILED,
            error="the run was stopped at the function's timeout before it could store the summary",
            failure_reason=FailureReason.TIMEOUT,
            retryable=True,
        )
        self._summaries.put_summary(failed)
        self._summaries.record_on_call(failed)
        self._publish_failure(failed)
        logger.warning(
            "call %s: version %s was left PENDING by a stopped run: FAILED (TIMEOUT)", call_id, version
        )
