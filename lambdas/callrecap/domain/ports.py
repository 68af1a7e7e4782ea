"""Every interface the domain and handlers depend on; adapters implement them.

Domain tests use in-memory fakes of these, so they need no AWS at all.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from callrecap.contracts import BusEvent, FailureReason
from callrecap.domain.models import (
    CallDetails,
    ProducerSummaryObserved,
    SectionSpec,
    Segment,
    Summary,
    SummaryStatus,
    Turn,
)

if TYPE_CHECKING:  # both import this module
    from callrecap.domain.privacy.pii import Finding
    from callrecap.domain.summaries.engine import EngineResult


@dataclass(frozen=True)
class SegmentWriteResult:
    """Outcome of writing a batch of segments.

    `failed` holds the segments that could not be written after retries (throttling, errors):
    the caller reports the records they came from as batch item failures so they are retried.
    """

    written: int = 0
    ignored: int = 0  # duplicates, or partials that arrived after their final
    failed: tuple[Segment, ...] = ()
    revisions: Mapping[str, int] = field(default_factory=dict)  # call_id -> transcriptRevision after write


@dataclass(frozen=True)
class Page:
    items: list[dict[str, Any]]
    cursor: str | None = None


class TranscriptStore(Protocol):
    def put_segments(self, segments: Sequence[Segment]) -> SegmentWriteResult: ...

    def mark_started(self, details: CallDetails, at: str) -> bool:
        """Record the start; True only for the first caller (so exactly one CallStarted is sent)."""
        ...

    def mark_ended(self, details: CallDetails, at: str) -> bool:
        """Record the end; True only for the first caller (so exactly one CallEnded is sent)."""
        ...

    def update_details(self, details: CallDetails, at: str) -> None: ...

    def get_call(self, call_id: str) -> dict[str, Any] | None: ...

    def list_segments(self, call_id: str) -> list[Segment]:
        """Every segment in spoken order (finals, plus partials whose final has not arrived)."""
        ...

    def list_calls(self, day: str, limit: int = 50, cursor: str | None = None) -> Page:
        """Calls that started on `day` (YYYY-MM-DD), newest first."""
        ...


@dataclass(frozen=True)
class TextChange:
    """A stored segment's text to replace, if it is still `old_text`."""

    segment_id: str
    old_text: str
    new_text: str


class SegmentRewriter(Protocol):
    """The stored transcript, rewritten after the fact (domain.stored_redaction)."""

    def get_call(self, call_id: str) -> dict[str, Any] | None: ...

    def list_segments(self, call_id: str) -> list[Segment]: ...

    def rewrite_segment_texts(self, call_id: str, changes: Sequence[TextChange]) -> int:
        """Apply the changes whose segment still has the old text; how many were applied."""
        ...


class SummaryStore(Protocol):
    def next_version(self, call_id: str) -> int: ...

    def put_summary(self, summary: Summary) -> None: ...

    def get_summary(self, call_id: str, version: int) -> Summary | None: ...

    def list_summaries(self, call_id: str) -> list[Summary]: ...


class ApprovalRefused(RuntimeError):
    """The draft was approved already (another tab, a repeated request) or a later one was."""


class ApprovalStore(Protocol):
    def store_approval(self, summary: Summary) -> Summary:
        """Store `summary` (kind approved, `based_on` its draft) as the call's next version,
        atomically with the call's approval marker, and return it with its version; raises
        ApprovalRefused when its draft, or a later version, was approved already."""
        ...

    def released_version(self, call_id: str) -> int:
        """The final released to the CRM at its wrap-up timeout (0: none), read consistently."""
        ...


class WrapUpStore(Protocol):
    def get_summary(self, call_id: str, version: int) -> Summary | None: ...

    def release_final(self, call_id: str, version: int) -> bool:
        """Mark `version` released to the CRM at its wrap-up timeout, unless the call has an
        approval or a newer final was released; False when not released."""
        ...


class EventPublisher(Protocol):
    def publish(self, event: BusEvent, detail: Mapping[str, Any]) -> None:
        """Put one event on the custom bus; `callId` and `schemaVersion` are in detail."""
        ...


@dataclass(frozen=True)
class LlmReply:
    text: str
    input_tokens: int = 0
    output_tokens: int = 0
    model: str = ""
    truncated: bool = False
    """The model stopped before it finished (Converse `max_tokens`, chat `length`)."""
    cut_at_context: bool = False
    """... and it stopped at the edge of the model's context window, not at the output limit."""
    constrained: bool = False
    """The reply was decoded under the reply schema (so a repair request cannot do better)."""
    output_format: str = ""
    """How the provider asked for the reply's shape (e.g. "json_schema", "tool", "prompt")."""


class LlmProvider(Protocol):
    """A chat-style model behind one call: system + user prompt in, text out (with usage).

    `schema` (domain.summaries.reply_schema) is given for the calls whose reply is the summary
    JSON; the provider constrains the output with its own mechanism where it has one, and says
    which in `LlmReply.output_format`. Calls without it (chunk notes) are plain text."""

    name: str
    model: str

    def complete(
        self,
        system: str,
        user: str,
        *,
        max_output_tokens: int = 1024,
        schema: Mapping[str, Any] | None = None,
    ) -> LlmReply: ...

    def context_window(self) -> int:
        """The model's context in tokens (configured, discovered or known), 0 when unknown."""
        ...


class ContextExceeded(Exception):
    """The server refused a request for exceeding the model's context; `limit` is the window it
    reported (0 when it said none). The engine re-plans once within it (map-reduce)."""

    def __init__(self, message: str, limit: int = 0, prompt_tokens: int = 0) -> None:
        super().__init__(message)
        self.limit = limit
        self.prompt_tokens = prompt_tokens
        """The prompt's size in the server's own tokens, when it said (to correct our estimate)."""


@dataclass(frozen=True)
class LeaseClaim:
    """The outcome of trying to take a summary run's lease (domain.summary_runs)."""

    claimed: bool
    previous_version: int = 0
    """The PENDING version of an expired lease taken over (its run was stopped): 0 when none."""
    attempts: int = 0


class ProviderError(Exception):
    """A summarizer provider failed after its own retries; `retryable` if trying later may help,
    `reason` the typed cause (contracts.FailureReason) stored on the FAILED summary."""

    def __init__(self, message: str, *, retryable: bool = False, reason: str = "") -> None:
        super().__init__(message)
        self.retryable = retryable
        self.reason = reason or FailureReason.PROVIDER_ERROR


class SectionSummarizer(Protocol):
    """A non-LLM summarizer that fills sections itself (provider `extractive`): no prompt, no tokens."""

    name: str
    model: str

    def summarize_sections(
        self, turns: Sequence[Turn], sections: Sequence[SectionSpec]
    ) -> dict[str, Any]: ...


@dataclass(frozen=True)
class DelegatedSummaryRequest:
    """What a delegated summarizer (provider `lambda`) receives: the whole call, prompt rendered."""

    call_id: str
    transcript: str
    system: str
    user: str
    sections: tuple[SectionSpec, ...]


@dataclass(frozen=True)
class DelegatedReply:
    """A delegated summarizer's answer: sections (our format) or text (LCA's `{"summary": ...}`)."""

    raw: str
    sections: Mapping[str, Any] | None = None
    text: str = ""
    llm_calls: int = 1
    input_tokens: int = 0
    output_tokens: int = 0
    model: str = ""


class CallSummarizer(Protocol):
    """Summarizes a whole call in one request (provider `lambda`); chunking is its own business."""

    name: str
    model: str

    def summarize_call(self, request: DelegatedSummaryRequest) -> DelegatedReply: ...


# --------------------------------------------------------------------------- ingest and lifecycle


class LifecycleStore(Protocol):
    """Claims of a call's start and end (exactly one claimant wins each) and their release."""

    def mark_started(self, details: CallDetails, at: str) -> bool: ...

    def mark_ended(self, details: CallDetails, at: str) -> bool: ...

    def release_start(self, call_id: str) -> None: ...

    def release_end(self, call_id: str) -> None: ...

    def get_call(self, call_id: str) -> dict[str, Any] | None: ...


class DetailsStore(LifecycleStore, Protocol):
    def update_details(self, details: CallDetails, at: str) -> None: ...


class IngestStore(DetailsStore, Protocol):
    def put_segments(self, segments: Sequence[Segment]) -> SegmentWriteResult: ...

    def add_categories(self, call_id: str, categories: Sequence[str], at: str) -> None: ...

    def set_producer_summary(self, summary: ProducerSummaryObserved) -> None:
        """Keep the producer's own summary on the call record (the newest wins)."""
        ...


@dataclass(frozen=True)
class RawRecord:
    """A stream record as it arrived (the data still base64): what the ingest service reads and
    what the quarantine keeps of a record it could not read."""

    sequence_number: str
    partition_key: str
    data: str
    """base64 exactly as Kinesis delivered it."""
    event_source_arn: str = ""
    approximate_arrival_timestamp: float | None = None


@dataclass(frozen=True)
class QuarantinedRecord:
    sequence_number: str
    partition_key: str
    data: str
    """base64 exactly as Kinesis delivered it."""
    reason: str
    event_source_arn: str = ""
    approximate_arrival_timestamp: float | None = None


class Quarantine(Protocol):
    def put(self, record: QuarantinedRecord) -> None:
        """Keep the record for inspection; raises when it cannot (the record is then retried)."""
        ...


# --------------------------------------------------------------------------- CRM deliveries


class DeliveryStore(Protocol):
    def claim_delivery(self, call_id: str, version: int, event_id: str, now: float, until: float) -> str:
        """Claim the delivery of a summary version before calling the CRM: "claimed", or
        "delivered" (done before), or "in-progress" (another invocation holds an unexpired claim)."""
        ...

    def complete_delivery(self, call_id: str, version: int, record: Mapping[str, Any]) -> None:
        """Mark the claimed delivery DELIVERED with what the CRM call returned."""
        ...

    def release_delivery(self, call_id: str, version: int) -> None:
        """Give a claim back after a failed CRM call, so a retry may claim it at once."""
        ...

    def fail_delivery(self, call_id: str, version: int, record: Mapping[str, Any]) -> None:
        """Mark the claimed delivery FAILED (the CRM refused it; `record["error"]` says why); a
        later redelivery may claim it again."""
        ...


class CallReader(Protocol):
    def get_call(self, call_id: str) -> dict[str, Any] | None: ...

    def list_calls(self, day: str, limit: int = 50, cursor: str | None = None) -> Page: ...

    def list_segments_since(
        self, call_id: str, cursor: str | None, *, call_record: Mapping[str, Any] | None = None
    ) -> tuple[list[Segment], str]: ...


class SummaryReader(Protocol):
    def list_summaries(self, call_id: str) -> list[Summary]: ...

    def get_summary(self, call_id: str, version: int) -> Summary | None: ...


class CallDataStore(Protocol):
    def items_of(self, call_id: str) -> list[dict[str, Any]]:
        """Every item stored under the call, decoded, with its sort key under ITEM_KEY."""
        ...

    def delete_items(self, call_id: str, items: list[dict[str, Any]]) -> int:
        """Delete those items; returns how many were deleted."""
        ...


class TicketSigner(Protocol):
    def sign(self, message: bytes) -> bytes: ...


class TicketVerifier(Protocol):
    def verify(self, message: bytes, mac: bytes) -> bool: ...


class WatcherRegistry(Protocol):
    def add_watcher(self, call_id: str, connection_id: str, viewer: str, expires_at: int) -> None: ...


class WatcherStore(Protocol):
    def watchers(self, call_id: str) -> list[str]:
        """Connection ids of the pages watching the call."""
        ...

    def forget(self, call_id: str, connection_id: str) -> None: ...


class Connections(Protocol):
    def post(self, connection_id: str, data: bytes) -> bool:
        """Send one message; False when the connection is gone (the page closed)."""
        ...


class PiiDetector(Protocol):
    """A detector beside the rules (adapters.comprehend_pii): findings in `text`, in offsets of it."""

    def find(self, text: str, language: str) -> list[Finding]: ...


class SweepStore(Protocol):
    def list_live_calls(self, idle_before: str | None = None) -> list[dict[str, Any]]: ...

    def mark_ended(self, details: CallDetails, at: str) -> bool: ...

    def release_end(self, call_id: str) -> None: ...

    def list_calls(self, day: str, limit: int = 50, cursor: str | None = None) -> Page: ...


class Engine(Protocol):
    """(turns, call id, the call's language code) in, sections out: the engine with its provider,
    prompts and budget bound (adapters.configured_engine.BoundEngine)."""

    def __call__(self, turns: Sequence[Turn], call_id: str = "", *, language: str = "") -> EngineResult: ...


class SummaryRepository(SummaryStore, Protocol):
    """The SummaryStore port plus what versioning and the call record need."""

    def claim_version(self, summary: Summary) -> Summary:
        """Store `summary` under the next free version (conditional put); return it with that version."""
        ...

    def set_status(
        self, call_id: str, version: int, status: SummaryStatus, *, expected: SummaryStatus
    ) -> bool:
        """Change the status only if it is still `expected`; True when changed."""
        ...

    def mark_published(self, call_id: str, version: int, at: str) -> None: ...

    def record_on_call(self, summary: Summary) -> None:
        """Copy latest version/status (and final revision, topic) onto the call record,
        never overwriting a newer version's figures."""
        ...

    def claim_lease(self, call_id: str, key: str, owner: str, now: float, until: float) -> LeaseClaim:
        """Take the run lease `key` if it is free, released or expired before `now` (epoch s)."""
        ...

    def bind_lease(self, call_id: str, key: str, owner: str, version: int) -> None:
        """Record the version this lease's run claimed."""
        ...

    def release_lease(self, call_id: str, key: str, owner: str) -> None: ...

    def hold_lease(self, call_id: str, key: str, owner: str, until: float) -> None:
        """Keep the lease (and its version) until `until` (epoch s): a deferred run's wait."""
        ...
