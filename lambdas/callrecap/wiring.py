"""The composition root: each function's dependencies, built from validated settings.

Called once per container on the first invocation (never at import: settings are validated at
cold start, and boto3 clients are created on their first use inside the adapters). Adapters are
imported inside the builders so a function pays only for the adapters it uses.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from callrecap.choices import CrmTarget
from callrecap.domain.calls.access import AccessPolicy
from callrecap.settings import EnvVar, Settings, SettingsError

if TYPE_CHECKING:
    from callrecap.domain.crm.delivery import CrmSender
    from callrecap.domain.live.updates import LiveConnections, LiveFanout, LiveTickets
    from callrecap.domain.ports import (
        CallDataStore,
        CallReader,
        DeliveryStore,
        DetailsStore,
        EventPublisher,
        SegmentRewriter,
        SummaryReader,
        WrapUpStore,
    )
    from callrecap.domain.privacy.pii import PiiEntity
    from callrecap.domain.summaries.approving import Approvals
    from callrecap.domain.summaries.runs import QueuePolicy, SummaryService
    from callrecap.domain.summaries.sweeping import Sweeper
    from callrecap.domain.transcripts.ingest_batch import IngestDependencies

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LifecycleDependencies:
    store: DetailsStore
    publisher: EventPublisher
    live: LiveFanout | None = None
    """Tells the pages watching a call that it ended (None: no live updates deployed)."""


@dataclass(frozen=True)
class ApiDependencies:
    transcripts: CallReader
    """Read-only: adapters.dynamo.call_queries.CallQueries (get_call, list_calls, list_segments_since)."""
    summaries: SummaryReader
    """Read-only: adapters.dynamo.summary_reads.DynamoSummaryReader (list_summaries, get_summary)."""
    publisher: EventPublisher
    identity_claim: str = "username"
    """The token claim that is an agent's identity (settings.EnvVar.AGENT_IDENTITY_CLAIM)."""
    policy: AccessPolicy = field(default_factory=AccessPolicy)
    queues_claim: str = ""
    """The token claim listing a supervisor's queues (settings.EnvVar.SUPERVISOR_QUEUES_CLAIM)."""
    live: LiveTickets | None = None
    """Tickets for the live-updates WebSocket (None: the deployment has none, pages poll)."""


@dataclass(frozen=True)
class ApprovalDependencies:
    transcripts: CallReader
    summaries: SummaryReader
    publisher: EventPublisher
    approvals: Callable[[], Approvals]
    """The approvals with the section list as configured now (prompts are read per request, so an
    S3 override of sections.toml is what the edit is checked against)."""
    identity_claim: str = "username"
    policy: AccessPolicy = field(default_factory=AccessPolicy)
    queues_claim: str = ""


@dataclass(frozen=True)
class WrapUpDependencies:
    store: WrapUpStore
    publisher: EventPublisher


@dataclass(frozen=True)
class CallDataDependencies:
    store: CallDataStore
    identity_claim: str = "username"
    policy: AccessPolicy = field(default_factory=AccessPolicy)
    queues_claim: str = ""


@dataclass(frozen=True)
class SummarizerDependencies:
    service: SummaryService
    requeue: Any = None
    """adapters.settle_queue.SqsRequeue: a CallEnded put back while its call settles (None: no queue)."""
    settle_seconds: int = 0
    """The longest a call may settle (finalSummaryDelaySeconds); then its final runs regardless."""
    throttle_max_age_seconds: int = 0
    """How long after its event a throttled final is still put back (llmThrottleMaxAgeSeconds)."""
    throttle_backoff_seconds: int = 15
    """The first wait of a throttled final; doubled after each put-back."""
    stored_redaction: frozenset[PiiEntity] = frozenset()
    """redactStoredTranscript: after a final run, numbers read out over several segments are
    tagged in the table too (domain.privacy.stored_retag)."""
    rewriter: SegmentRewriter | None = None

    @property
    def queue_policy(self) -> QueuePolicy:
        """What follows a queued run (put back, run settled, done), from these settings."""
        from callrecap.domain.summaries.runs import QueuePolicy

        return QueuePolicy(
            settle_seconds=self.settle_seconds,
            throttle_max_age_seconds=self.throttle_max_age_seconds,
            throttle_backoff_seconds=self.throttle_backoff_seconds,
            can_requeue=self.requeue is not None,
        )

    def retag_stored(self, call_id: str) -> int:
        """redactStoredTranscript once the call's transcript is complete (domain.privacy.stored_retag):
        segments rewritten (0 when the setting is off)."""
        if not self.stored_redaction or self.rewriter is None:
            return 0
        from callrecap.domain.privacy.stored_retag import retag_stored_transcript

        return retag_stored_transcript(self.rewriter, call_id, self.stored_redaction)


@dataclass(frozen=True)
class SweeperDependencies:
    sweeper: Sweeper


@dataclass(frozen=True)
class CrmHookDependencies:
    deliveries: DeliveryStore
    send: CrmSender | None = None
    """The built-in target's sender (crmTarget); None: the example, which sends nothing."""


def _transcripts(settings: Settings) -> Any:
    from callrecap.adapters.dynamo.transcripts import DynamoTranscriptStore

    return DynamoTranscriptStore(settings.table_name, ttl_days=settings.ttl_days)


def _publisher(settings: Settings) -> Any:
    from callrecap.adapters.event_bus import EventBridgePublisher

    return EventBridgePublisher(settings.event_bus_name)


def _live_fanout(settings: Settings) -> LiveFanout | None:
    """The pushes to watching pages, when the deployment has the live-updates WebSocket API."""
    if not settings.live_endpoint:
        return None
    from callrecap.adapters.dynamo.watchers.store import DynamoWatcherStore
    from callrecap.adapters.live_connections import ApiGatewayConnections
    from callrecap.domain.live.updates import LiveFanout

    return LiveFanout(DynamoWatcherStore(settings.table_name), ApiGatewayConnections(settings.live_endpoint))


def _live_tickets(settings: Settings) -> LiveTickets | None:
    if not (settings.live_url and settings.live_key_id):
        return None
    from callrecap.adapters.live_tickets import KmsTicketSigner
    from callrecap.domain.live.updates import LiveTickets

    return LiveTickets(KmsTicketSigner(settings.live_key_id), settings.live_url)


def live_connect() -> LiveConnections:
    """The WebSocket's $connect: verify a ticket, write the watcher item."""
    from callrecap.adapters.dynamo.watchers.registry import DynamoWatcherRegistry
    from callrecap.adapters.live_ticket_check import KmsTicketVerifier
    from callrecap.domain.live.updates import LiveConnections

    settings = Settings.from_env(require=(EnvVar.TABLE_NAME, EnvVar.LIVE_KEY_ID))
    verifier = KmsTicketVerifier(settings.live_key_id)
    return LiveConnections(verifier, DynamoWatcherRegistry(settings.table_name))


def ingest() -> IngestDependencies:
    from callrecap.adapters.quarantine import SqsQuarantine
    from callrecap.domain.transcripts.inbound import channel_roles_with_agent_on
    from callrecap.domain.transcripts.ingest_batch import IngestDependencies

    settings = Settings.from_env(
        require=(EnvVar.TABLE_NAME, EnvVar.EVENT_BUS_NAME, EnvVar.QUARANTINE_QUEUE_URL)
    )
    return IngestDependencies(
        store=_transcripts(settings),
        publisher=_publisher(settings),
        quarantine=SqsQuarantine(settings.quarantine_queue_url),
        channel_roles=channel_roles_with_agent_on(settings.agent_channel.value),
        chime_call_key=settings.chime_call_key,
        live=_live_fanout(settings),
        redact=settings.stored_transcript_redaction,
    )


def lifecycle() -> LifecycleDependencies:
    settings = Settings.from_env(require=(EnvVar.TABLE_NAME, EnvVar.EVENT_BUS_NAME))
    return LifecycleDependencies(
        store=_transcripts(settings), publisher=_publisher(settings), live=_live_fanout(settings)
    )


def api() -> ApiDependencies:
    """Reads and a publish only: the page's API never writes the table (its role may not)."""
    from callrecap.adapters.dynamo.call_queries import CallQueries
    from callrecap.adapters.dynamo.summary_reads import DynamoSummaryReader

    settings = Settings.from_env(require=(EnvVar.TABLE_NAME, EnvVar.EVENT_BUS_NAME))
    return ApiDependencies(
        transcripts=CallQueries(settings.table_name, ttl_days=settings.ttl_days),
        summaries=DynamoSummaryReader(settings.table_name, ttl_days=settings.ttl_days),
        publisher=_publisher(settings),
        identity_claim=settings.agent_identity_claim,
        policy=AccessPolicy(settings.unassigned_calls_visible_to),
        queues_claim=settings.supervisor_queues_claim,
        live=_live_tickets(settings),
    )


def approvals() -> ApprovalDependencies:
    """Reads, the approved version with its marker, and a publish: nothing else is written."""
    from callrecap.adapters.dynamo.call_queries import CallQueries
    from callrecap.adapters.dynamo.summaries import DynamoSummaryStore
    from callrecap.adapters.prompt_source import build_prompt_source
    from callrecap.domain.summaries.approving import Approvals
    from callrecap.domain.summaries.prompts import FOLLOW_UP_EMAIL_SECTION

    settings = Settings.from_env(require=(EnvVar.TABLE_NAME, EnvVar.EVENT_BUS_NAME))
    summaries = DynamoSummaryStore(settings.table_name, ttl_days=settings.ttl_days)
    publisher = _publisher(settings)
    prompts = build_prompt_source(settings)
    drop = () if settings.follow_up_email else (FOLLOW_UP_EMAIL_SECTION,)

    def approvals_now() -> Approvals:
        sections = prompts.get().configured(dispositions=settings.dispositions, drop=drop).sections
        return Approvals(summaries, publisher, sections, clock=lambda: datetime.now(UTC))

    return ApprovalDependencies(
        transcripts=CallQueries(settings.table_name, ttl_days=settings.ttl_days),
        summaries=summaries,
        publisher=publisher,
        approvals=approvals_now,
        identity_claim=settings.agent_identity_claim,
        policy=AccessPolicy(settings.unassigned_calls_visible_to),
        queues_claim=settings.supervisor_queues_claim,
    )


def wrap_up() -> WrapUpDependencies:
    """A summary read, the call's release marker, and a publish."""
    from callrecap.adapters.dynamo.crm_release import DynamoCrmRelease

    settings = Settings.from_env(require=(EnvVar.TABLE_NAME, EnvVar.EVENT_BUS_NAME))
    return WrapUpDependencies(
        store=DynamoCrmRelease(settings.table_name, ttl_days=settings.ttl_days),
        publisher=_publisher(settings),
    )


def call_data() -> CallDataDependencies:
    """Reads and deletes of one call's items: the only function whose role may delete."""
    from callrecap.adapters.dynamo.call_data import DynamoCallData

    settings = Settings.from_env(require=(EnvVar.TABLE_NAME,))
    return CallDataDependencies(
        store=DynamoCallData(settings.table_name),
        identity_claim=settings.agent_identity_claim,
        policy=AccessPolicy(settings.unassigned_calls_visible_to),
        queues_claim=settings.supervisor_queues_claim,
    )


def summarizer() -> SummarizerDependencies:
    from callrecap.adapters.configured_engine import build_engine
    from callrecap.adapters.dynamo.summaries import DynamoSummaryStore
    from callrecap.adapters.engine_time_box import run_on_worker
    from callrecap.domain.summaries.cost import PriceTable, PriceTableError
    from callrecap.domain.summaries.runs import SummaryService

    settings = Settings.from_env(require=(EnvVar.TABLE_NAME, EnvVar.EVENT_BUS_NAME))
    try:
        prices = PriceTable.from_json(settings.price_table_json)
    except PriceTableError as error:
        raise SettingsError(f"invalid callrecap settings: {EnvVar.PRICE_TABLE.value}: {error}") from error
    engine = build_engine(settings)
    if not prices.knows(engine.provider_name, engine.model_name):
        log.warning(
            "no price for the model: estimatedCostUsd will be 0",
            extra={"provider": engine.provider_name, "model": engine.model_name},
        )
    transcripts = _transcripts(settings)
    return SummarizerDependencies(
        service=SummaryService(
            transcripts=transcripts,
            summaries=DynamoSummaryStore(settings.table_name, ttl_days=settings.ttl_days),
            publisher=_publisher(settings),
            engine=engine,
            prices=prices,
            provider_name=engine.provider_name,
            model_name=engine.model_name,
            settle_seconds=settings.settle_seconds,
            fallbacks=[
                build_engine(settings, provider=link.provider.value, model=link.model)
                for link in settings.llm_fallback
            ],
            time_box=run_on_worker,
        ),
        requeue=_requeue(settings),
        settle_seconds=settings.settle_seconds,
        throttle_max_age_seconds=settings.throttle_max_age_seconds,
        throttle_backoff_seconds=settings.throttle_backoff_seconds,
        stored_redaction=settings.stored_transcript_redaction,
        rewriter=transcripts,
    )


def _requeue(settings: Settings) -> Any:
    if not settings.final_summary_queue_url:
        return None
    from callrecap.adapters.settle_queue import SqsRequeue

    return SqsRequeue(settings.final_summary_queue_url)


def sweeper() -> SweeperDependencies:
    from callrecap.domain.summaries.sweeping import Sweeper

    settings = Settings.from_env(require=(EnvVar.TABLE_NAME, EnvVar.EVENT_BUS_NAME))
    return SweeperDependencies(
        sweeper=Sweeper(
            store=_transcripts(settings),
            publisher=_publisher(settings),
            idle_minutes=settings.idle_minutes,
        )
    )


def crm_hook() -> CrmHookDependencies:
    from callrecap.adapters.dynamo.deliveries import DynamoDeliveryStore

    settings = Settings.from_env(require=())
    table = settings.crm_delivery_table_name or settings.table_name
    if not table:
        wanted = f"{EnvVar.CRM_DELIVERY_TABLE_NAME.value} or {EnvVar.TABLE_NAME.value}"
        raise SettingsError(f"invalid callrecap settings: {wanted} is required")
    return CrmHookDependencies(
        deliveries=DynamoDeliveryStore(table, ttl_days=settings.ttl_days), send=_crm_sender(settings)
    )


def _crm_sender(settings: Settings) -> CrmSender | None:
    if settings.crm_target is not CrmTarget.WEBHOOK:
        return None
    from callrecap.adapters.crm.webhook_sender import WebhookSender
    from callrecap.adapters.secrets import secret_reader

    return WebhookSender(settings.crm_webhook_url, secret_reader(settings.crm_webhook_secret_arn))
