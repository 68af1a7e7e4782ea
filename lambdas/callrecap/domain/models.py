"""Domain records shared by every part of the pipeline. Pure data: no AWS, no I/O.

Times are seconds from the start of the call (float) for transcript positions and ISO-8601
UTC strings for wall-clock instants. A call is identified by `call_id`: for Chime sources this
is the Voice Connector `transactionId` (shared by both call legs), for LCA-format producers it
is their `CallId`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from callrecap.contracts import CallAttr


class Speaker(StrEnum):
    AGENT = "AGENT"
    CUSTOMER = "CUSTOMER"
    SUPERVISOR = "SUPERVISOR"
    """A supervisor who barged in (Contact Lens `ParticipantRole` SUPERVISOR)."""
    SYSTEM = "SYSTEM"
    """Prompts the contact flow played (Contact Lens SYSTEM)."""
    BOT = "BOT"
    """A Lex or other bot of the contact flow (Contact Lens CUSTOM_BOT)."""
    UNKNOWN = "UNKNOWN"


class CallStatus(StrEnum):
    LIVE = "LIVE"
    ENDED = "ENDED"


class SummaryKind(StrEnum):
    INTERIM = "interim"
    FINAL = "final"
    APPROVED = "approved"
    """A final as the agent corrected and approved it at wrap-up (domain/summaries/approval.py)."""


class SummaryStatus(StrEnum):
    PENDING = "PENDING"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"
    STALE = "STALE"


@dataclass(frozen=True)
class Segment:
    """One utterance (or a partial result of one) on one channel.

    `segment_id` is stable across the partial and final results of the same utterance
    (Transcribe ResultId, TCA UtteranceId, LCA SegmentId), which is what makes writes idempotent.
    """

    call_id: str
    segment_id: str
    speaker: Speaker
    start_time: float
    end_time: float
    text: str
    is_partial: bool
    channel: str = ""
    sentiment: str | None = None
    source: str = ""
    created_at: str = ""
    language_code: str = ""
    """The result's language when the producer says (Transcribe with language identification)."""


@dataclass(frozen=True)
class CallDetails:
    """What is known about a call from any source; every field but call_id is optional."""

    call_id: str
    transaction_id: str | None = None
    voice_connector_id: str | None = None
    from_number: str | None = None
    to_number: str | None = None
    direction: str | None = None
    agent_id: str | None = None
    language_code: str | None = None
    queue: str | None = None


CALL_DETAIL_ATTRS: tuple[tuple[str, CallAttr], ...] = (
    ("transaction_id", CallAttr.TRANSACTION_ID),
    ("voice_connector_id", CallAttr.VOICE_CONNECTOR_ID),
    ("from_number", CallAttr.FROM_NUMBER),
    ("to_number", CallAttr.TO_NUMBER),
    ("direction", CallAttr.DIRECTION),
    ("agent_id", CallAttr.AGENT_ID),
    ("language_code", CallAttr.LANGUAGE_CODE),
    ("queue", CallAttr.QUEUE),
)
"""CallDetails field -> call record attribute: the store writes them, the bus events copy them."""


@dataclass(frozen=True)
class CallStartObserved:
    details: CallDetails
    at: str
    source: str


@dataclass(frozen=True)
class CallEndObserved:
    details: CallDetails
    at: str
    source: str


@dataclass(frozen=True)
class CallDetailsObserved:
    """Metadata-only information (e.g. CallAnalyticsMetadata, LCA UPDATE_AGENT)."""

    details: CallDetails
    at: str
    source: str


@dataclass(frozen=True)
class CategoryMatched:
    call_id: str
    categories: tuple[str, ...]
    at: str
    source: str


@dataclass(frozen=True)
class ProducerSummaryObserved:
    """A summary the producer wrote itself (Amazon Connect's PostContactSummary): kept on the call
    as a reference beside ours, never sent to the CRM as ours."""

    call_id: str
    text: str
    status: str
    at: str
    source: str
    failure_code: str = ""
    """Why the producer could not write it (Connect's FailureCode, e.g. QUOTA_EXCEEDED), when FAILED."""


@dataclass(frozen=True)
class RecordIgnored:
    """A readable record of a call that carries no speech (agent-assist answers, a producer's own
    summaries, recording URLs, voice tone, unknown event types): counted, never quarantined."""

    call_id: str
    what: str
    source: str


Observation = (
    Segment
    | CallStartObserved
    | CallEndObserved
    | CallDetailsObserved
    | CategoryMatched
    | ProducerSummaryObserved
    | RecordIgnored
)
"""Everything an inbound record can tell us."""


def observed_call_id(observation: Observation) -> str:
    """The call an observation belongs to."""
    if isinstance(observation, Segment | CategoryMatched | ProducerSummaryObserved | RecordIgnored):
        return observation.call_id
    return observation.details.call_id


@dataclass(frozen=True)
class Usage:
    llm_calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0


@dataclass(frozen=True)
class Summary:
    """A stored summary version (DESIGN.md §2)."""

    call_id: str
    version: int
    kind: SummaryKind
    status: SummaryStatus
    sections: dict[str, Any] = field(default_factory=dict)
    provider: str = ""
    model: str = ""
    prompt_hash: str = ""
    transcript_revision: int = 0
    llm_calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    estimated_cost_usd: float = 0.0
    latency_ms: int = 0
    created_at: str = ""
    error: str = ""
    raw_reply: str = ""
    published_at: str = ""
    """When CallSummarized/SummaryFailed went out; empty means a re-run must (re)publish it."""
    retryable: bool = False
    """A FAILED run that may succeed if tried later (throttling, 5xx): the sweeper retries it."""
    failure_reason: str = ""
    """contracts.FailureReason of a FAILED version ("" otherwise)."""
    fallback_from: str = ""
    """The provider that failed when a fallback provider wrote this summary ("" otherwise)."""
    fallback_reason: str = ""
    """Why it failed (contracts.FailureReason)."""
    turn_count: int = 0
    """Final transcript turns the run summarized (0 for versions stored before it was recorded)."""
    pii_redactions: dict[str, int] = field(default_factory=dict)
    """PII replaced by tags before the provider saw the transcript, by type (domain.pii)."""
    based_on: int = 0
    """An approved version: the version the agent edited (0 otherwise)."""
    approved_by: str = ""
    """... who approved it (the token's identity claim)."""
    corrections: dict[str, Any] = field(default_factory=dict)
    """... what the agent changed (approval.corrections)."""
    wrap_up_seconds: int = -1
    """... seconds from the call's end to the approval (-1: not known)."""


@dataclass(frozen=True)
class Turn:
    """A speaker-labelled stretch of transcript, the unit prompts and summarizers work on."""

    speaker: str
    text: str
    start_time: float = 0.0
    end_time: float = 0.0


DEFAULT_MAX_CHARS = 900
"""A text section's bound when sections.toml gives none."""
DEFAULT_MAX_ITEM_CHARS = 300
DEFAULT_MAX_ITEMS = 12


class SectionType(StrEnum):
    TEXT = "text"
    LIST = "list"
    ENUM = "enum"


@dataclass(frozen=True)
class SectionSpec:
    """One summary section as declared in prompts/ (adding one is an edit there, not code)."""

    name: str
    instruction: str
    type: SectionType = SectionType.TEXT
    allowed: tuple[str, ...] = ()
    unlisted: str = ""
    """An enum's catch-all (`other`): a reply still outside `allowed` after the one repair is
    stored as this, the model's own answer kept beside it as `<name>_answer`."""
    required: bool = True
    """False: a reply still without a usable value after the one repair leaves the section out
    instead of failing the summary (the follow-up email: a summary without it beats none)."""
    max_chars: int = 0
    """Longest text (of a text section, or of each item of a list); 0: the type's default
    (DEFAULT_MAX_CHARS). Bounds let a schema-constrained decoder always close its string."""
    max_items: int = 0
    """Most items of a list section; 0: DEFAULT_MAX_ITEMS."""

    @property
    def char_bound(self) -> int:
        if self.max_chars:
            return self.max_chars
        return DEFAULT_MAX_ITEM_CHARS if self.type is SectionType.LIST else DEFAULT_MAX_CHARS

    @property
    def item_bound(self) -> int:
        return self.max_items or DEFAULT_MAX_ITEMS
