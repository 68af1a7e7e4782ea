"""Summarizer overhead: CallEnded to stored summary, LLM latency excluded (an instant fake LLM).

Runs the production code path in-process: `SummaryService.handle` (versioning, idempotency
checks, storing PENDING then COMPLETED, publishing CallSummarized) over the real engine
(PII replaced by tags as in BoundEngine, then `domain.summary_engine.summarize`: prompt
rendering from prompts/, token budget, map-reduce for long calls, JSON parsing and validation),
with in-memory stores and a fake LLM that answers at once. So the figure is what callrecap
itself adds, not DynamoDB's or the model's latency.

Baseline in the same run: reading and ordering the transcript only (`turns_from_segments`) —
the least any summarizer must do. Growth is reported as the exponent k in time ~ length^k
between the shortest and the longest call (k <= 1: no worse than linear).
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from bench.calls import synthetic_segments
from bench.common import BenchResult, Size, Target, command, median
from callrecap.contracts import BusEvent, CallAttr
from callrecap.domain.models import CallStatus, Segment, Summary, SummaryKind, SummaryStatus
from callrecap.domain.ports import LeaseClaim, LlmReply

NAME = "summarizer"
TARGET_1H_MS = 300.0
LENGTHS_MIN = {Size.TINY: (5,), Size.QUICK: (5, 60, 180), Size.FULL: (5, 60, 180)}
REPEATS = {Size.TINY: 1, Size.QUICK: 5, Size.FULL: 11}
HANDLER_LENGTHS_MIN = {Size.TINY: (), Size.QUICK: (5, 30), Size.FULL: (5, 60)}
"""moto's DynamoDB slows down as its table grows, so the handler path stays short in the quick set."""


class InstantLlm:
    """A provider that answers every prompt at once with a valid reply for every section."""

    name = "fake"
    model = "fake-instant"

    def __init__(self, sections: Sequence[Any]) -> None:
        reply: dict[str, Any] = {}
        for spec in sections:
            kind = getattr(spec.type, "value", spec.type)
            reply[spec.name] = [] if kind == "list" else (spec.allowed[0] if kind == "enum" else "Fake text.")
        self.reply = json.dumps(reply)
        self.calls = 0

    def complete(
        self,
        system: str,
        user: str,
        *,
        max_output_tokens: int = 1024,
        schema: Mapping[str, Any] | None = None,
    ) -> LlmReply:
        self.calls += 1
        return LlmReply(self.reply, input_tokens=len(user) // 4, output_tokens=40, model=self.model)

    def context_window(self) -> int:
        return 0


class _Transcripts:
    def __init__(self, segments: list[Segment]) -> None:
        self.segments = segments
        call_id = segments[0].call_id
        self.call: dict[str, Any] = {
            "callId": call_id,
            CallAttr.TRANSCRIPT_REVISION.value: len(segments),
            "status": CallStatus.ENDED.value,
        }

    def get_call(self, call_id: str) -> dict[str, Any] | None:
        return self.call

    def list_segments(self, call_id: str) -> list[Segment]:
        return list(self.segments)


class _Summaries:
    def __init__(self) -> None:
        self.items: dict[int, Summary] = {}

    def next_version(self, call_id: str) -> int:
        return max(self.items, default=0) + 1

    def claim_version(self, summary: Summary) -> Summary:
        claimed = replace(summary, version=self.next_version(summary.call_id))
        self.items[claimed.version] = claimed
        return claimed

    def put_summary(self, summary: Summary) -> None:
        self.items[summary.version] = summary

    def get_summary(self, call_id: str, version: int) -> Summary | None:
        return self.items.get(version)

    def list_summaries(self, call_id: str) -> list[Summary]:
        return list(self.items.values())

    def set_status(
        self, call_id: str, version: int, status: SummaryStatus, *, expected: SummaryStatus
    ) -> bool:
        current = self.items.get(version)
        if current is None or current.status is not expected:
            return False
        self.items[version] = replace(current, status=status)
        return True

    def claim_lease(self, call_id: str, key: str, owner: str, now: float, until: float) -> LeaseClaim:
        return LeaseClaim(claimed=True)  # one run at a time here

    def bind_lease(self, call_id: str, key: str, owner: str, version: int) -> None:
        return None

    def release_lease(self, call_id: str, key: str, owner: str) -> None:
        return None

    def mark_published(self, call_id: str, version: int, at: str) -> None:
        self.items[version] = replace(self.items[version], published_at=at)

    def record_on_call(self, summary: Summary) -> None:
        pass


class _Publisher:
    def __init__(self) -> None:
        self.events: list[tuple[BusEvent, Mapping[str, Any]]] = []

    def publish(self, event: BusEvent, detail: Mapping[str, Any]) -> None:
        self.events.append((event, detail))


def _one_run(segments: list[Segment]) -> tuple[float, float, int, int, float]:
    """(ms CallEnded->stored, ms baseline, LLM calls, chunks, ms of it in the PII rules) for one
    fresh container."""
    from callrecap.adapters.prompt_files import load_prompt_set
    from callrecap.domain.privacy.across_turns import redact_turns
    from callrecap.domain.summaries.engine import summarize
    from callrecap.domain.summaries.runs import (
        ReasonCode,
        SummaryRunRequest,
        SummaryService,
        turns_from_segments,
    )

    prompts = load_prompt_set()
    llm = InstantLlm(prompts.sections)
    chunks = 0
    pii_ms = 0.0

    def engine(turns: Sequence[Any], call_id: str = "", *, language: str = "") -> Any:
        nonlocal chunks, pii_ms
        started = time.perf_counter()
        seen, _ = redact_turns(turns, language=language or "en")  # as BoundEngine: PII before the model
        pii_ms = (time.perf_counter() - started) * 1000
        result = summarize(seen, llm, prompts, call_id=call_id)
        chunks = result.chunks
        return result

    transcripts = _Transcripts(segments)
    summaries = _Summaries()
    publisher = _Publisher()
    service = SummaryService(
        transcripts=transcripts,  # type: ignore[arg-type]
        summaries=summaries,
        publisher=publisher,
        engine=engine,
        provider_name=llm.name,
        model_name=llm.model,
    )
    call_id = segments[0].call_id

    started = time.perf_counter()
    turns_from_segments(transcripts.list_segments(call_id))
    baseline_ms = (time.perf_counter() - started) * 1000

    started = time.perf_counter()
    outcome = service.handle(SummaryRunRequest(call_id, SummaryKind.FINAL, ReasonCode.CALL_ENDED))
    total_ms = (time.perf_counter() - started) * 1000
    if outcome.action != "completed" or not any(e is BusEvent.CALL_SUMMARIZED for e, _ in publisher.events):
        raise RuntimeError(f"summary not completed for a synthetic call: {outcome}")
    return total_ms, baseline_ms, llm.calls, chunks, pii_ms


def run(size: Size) -> BenchResult:
    result = BenchResult(NAME, command(NAME, size))
    try:
        import callrecap.domain.summaries.engine
        import callrecap.domain.summaries.runs  # noqa: F401
    except ImportError as error:
        result.skipped = f"summarizer code not present yet ({error.name})"
        return result

    measured: dict[int, tuple[float, float, int, int, int]] = {}
    for minutes in LENGTHS_MIN[size]:
        segments = synthetic_segments(f"bench-{minutes}m", minutes)
        _one_run(segments)  # warm-up: first-use imports and template compilation are cold start
        runs = [_one_run(segments) for _ in range(REPEATS[size])]
        total = median([r[0] for r in runs])
        baseline = median([r[1] for r in runs])
        pii = median([r[4] for r in runs])
        measured[minutes] = (total, baseline, runs[0][2], runs[0][3], len(segments))
        result.figures[f"{minutes}m_pii_ms"] = round(pii, 1)
        result.figures[f"{minutes}m_ms"] = round(total, 1)
        result.figures[f"{minutes}m_segments"] = len(segments)
        result.figures[f"{minutes}m_llm_calls"] = runs[0][2]
        result.lines.append(
            f"{minutes:>4} min call ({len(segments)} segments, {runs[0][2]} LLM calls, "
            f"{runs[0][3] or 1} chunk(s)): {total:.1f} ms CallEnded->stored "
            f"(baseline read+order {baseline:.2f} ms; {total / max(baseline, 1e-6):.0f}x); "
            f"{total / len(segments) * 1000:.0f} us/segment; PII rules {pii:.1f} ms of it"
        )
    if size is not Size.TINY:
        try:
            result.lines += handler_path(HANDLER_LENGTHS_MIN[size], repeats=1 if size is Size.QUICK else 3)
        except ImportError as error:
            result.lines.append(f"handler path on moto: not measured ({error.name} not present yet)")
    if 60 in measured:
        one_hour = measured[60][0]
        result.targets.append(
            Target(f"1-hour call < {TARGET_1H_MS:.0f} ms", one_hour < TARGET_1H_MS, f"{one_hour:.0f} ms")
        )
    shortest, longest = min(measured), max(measured)
    if longest != shortest:
        t0, n0 = measured[shortest][0], measured[shortest][4]
        t1, n1 = measured[longest][0], measured[longest][4]
        exponent = math.log(t1 / t0) / math.log(n1 / n0)
        result.figures["growth_exponent"] = round(exponent, 2)
        result.lines.append(f"growth: time ~ length^{exponent:.2f} between {shortest} and {longest} min")
        result.targets.append(
            Target("growth no worse than linear (k <= 1.1)", exponent <= 1.1, f"k = {exponent:.2f}")
        )
    return result


# ------------------------------------------------------------------ the handler path on moto's server


class _BusPublisher:
    """Stand-in for adapters/event_bus.py while it has not landed: one PutEvents per event."""

    def __init__(self, bus_name: str) -> None:
        import boto3

        self._bus = bus_name
        self._client = boto3.client("events")

    def publish(self, event: BusEvent, detail: Mapping[str, Any]) -> None:
        from callrecap.contracts import BUS_SOURCE

        self._client.put_events(
            Entries=[
                {
                    "Source": BUS_SOURCE,
                    "DetailType": event.value,
                    "Detail": json.dumps(detail, default=str),
                    "EventBusName": self._bus,
                }
            ]
        )


def _call_ended_event(call_id: str) -> dict[str, Any]:
    from callrecap.contracts import BUS_SOURCE, SCHEMA_VERSION

    return {
        "version": "0",
        "id": f"bench-{call_id}",
        "detail-type": BusEvent.CALL_ENDED.value,
        "source": BUS_SOURCE,
        "account": "123456789012",
        "time": "2026-01-01T10:00:00Z",
        "region": "us-east-1",
        "resources": [],
        "detail": {"callId": call_id, "schemaVersion": SCHEMA_VERSION, "endTime": "2026-01-01T10:00:00Z"},
    }


def handler_path(lengths: Sequence[int], repeats: int) -> list[str]:
    """CallEnded through handlers/summarizer.py with the DynamoDB adapters on moto's server.

    Informative, no target: moto answers far slower than DynamoDB, so this shows how the
    adapters' request count grows with length rather than production latency.
    """
    from bench.moto_env import moto_server
    from callrecap.adapters.dynamo.summaries import DynamoSummaryStore
    from callrecap.adapters.dynamo.transcripts import DynamoTranscriptStore
    from callrecap.adapters.prompt_files import load_prompt_set
    from callrecap.domain.models import CallDetails
    from callrecap.domain.summaries.engine import summarize
    from callrecap.domain.summaries.runs import SummaryService
    from callrecap.handlers import summarizer as module

    try:
        from callrecap.adapters.event_bus import EventBridgePublisher as Publisher  # type: ignore[import-not-found]
    except ImportError:
        Publisher = _BusPublisher

    from callrecap_local.lambda_events import LambdaContext

    lines = []
    with moto_server("bench-summarizer") as env:
        table = env.resources.table_name
        prompts = load_prompt_set()
        llm = InstantLlm(prompts.sections)
        store = DynamoTranscriptStore(table)
        service = SummaryService(
            transcripts=store,
            summaries=DynamoSummaryStore(table),
            publisher=Publisher(env.resources.bus_name),
            engine=lambda turns, call_id="", language="": summarize(turns, llm, prompts, call_id=call_id),
            provider_name=llm.name,
            model_name=llm.model,
        )
        module.set_dependencies(module.SummarizerDependencies(service=service))
        module.logger.setLevel("WARNING")  # one INFO line per summary otherwise
        try:
            for minutes in lengths:
                totals, reads = [], []
                for r in range(max(1, repeats) + 1):
                    call_id = f"bench-h-{minutes}m-{r}"
                    details = CallDetails(call_id=call_id)
                    store.mark_started(details, "2026-01-01T09:00:00.000Z")
                    segments = synthetic_segments(call_id, minutes)
                    for offset in range(0, len(segments), 100):
                        store.put_segments(segments[offset : offset + 100])
                    store.mark_ended(details, "2026-01-01T10:00:00.000Z")
                    started = time.perf_counter()
                    store.list_segments(call_id)
                    read_ms = (time.perf_counter() - started) * 1000
                    started = time.perf_counter()
                    reply = module.handler(_call_ended_event(call_id), LambdaContext("callrecap-summarizer"))
                    total_ms = (time.perf_counter() - started) * 1000
                    if reply.get("action") != "completed":
                        raise RuntimeError(f"handler did not complete a summary: {reply}")
                    if r:  # the first run is the container's cold start
                        totals.append(total_ms)
                        reads.append(read_ms)
                lines.append(
                    f"handler + DynamoDB adapters on moto, {minutes:>3} min: {median(totals):.0f} ms "
                    f"CallEnded->stored (reading the transcript alone: {median(reads):.0f} ms)"
                )
        finally:
            module.set_dependencies(None)
    return lines
