"""Summary service rules over in-memory fakes: versions, idempotency, staleness, failure, retry."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

import pytest

from callrecap.adapters.engine_time_box import run_on_worker
from callrecap.contracts import SCHEMA_VERSION, BusEvent, CallAttr, FailureReason
from callrecap.domain.models import CallStatus, Speaker, Summary, SummaryKind, SummaryStatus, Usage
from callrecap.domain.summaries.cost import PriceTable
from callrecap.domain.summaries.runs import (
    InvalidRunRequest,
    ReasonCode,
    SummaryRunRequest,
    SummaryService,
    request_from_event,
    turns_from_segments,
)
from callrecap.domain.summaries.runs.attempts import run_inline
from callrecap.domain.transcripts.lifecycle import final_summary_is_stale as is_final_stale
from tests.unit.summary_fakes import (
    DEFAULT_SECTIONS,
    FakeEngine,
    FakeEngineResult,
    FakePublisher,
    FakeSummaries,
    FakeTranscripts,
)

CALL = "call-1"
NOW = "2026-01-01T10:00:00.000Z"


class Env:
    def __init__(
        self, engine: FakeEngine | None = None, time_box: Any = run_inline, fallbacks: Any = ()
    ) -> None:
        self.transcripts = FakeTranscripts()
        self.summaries = FakeSummaries(self.transcripts)
        self.publisher = FakePublisher()
        self.engine = engine or FakeEngine()
        self.now = NOW
        self.service = SummaryService(
            transcripts=self.transcripts,
            summaries=self.summaries,
            publisher=self.publisher,
            engine=self.engine,
            prices=PriceTable(),
            provider_name="bedrock",
            model_name="amazon.nova-lite-v1:0",
            clock=lambda: self.now,
            monotonic=iter(float(i) for i in range(0, 10_000, 2)).__next__,
            time_box=time_box,
            fallbacks=fallbacks,
        )
        self.transcripts.add_call(CALL)
        self.transcripts.add_segment(CALL, Speaker.CUSTOMER, "Hi, I want a refund for my order.")
        self.transcripts.add_segment(CALL, Speaker.AGENT, "Sure, I will send you the refund form.")

    def final(self) -> SummaryRunRequest:
        return SummaryRunRequest(CALL, SummaryKind.FINAL, ReasonCode.CALL_ENDED)

    @property
    def call(self) -> dict[str, object]:
        return self.transcripts.calls[CALL]


def test_call_ended_stores_completed_final_and_publishes_sections() -> None:
    env = Env()
    outcome = env.service.handle(env.final())

    assert outcome.action == "completed"
    summary = env.summaries.get_summary(CALL, 1)
    assert summary is not None
    assert summary.status is SummaryStatus.COMPLETED
    assert summary.kind is SummaryKind.FINAL
    assert summary.sections == DEFAULT_SECTIONS
    assert summary.transcript_revision == 2
    assert (summary.llm_calls, summary.input_tokens, summary.output_tokens) == (1, 1000, 200)
    assert summary.estimated_cost_usd == pytest.approx(1000 / 1000 * 0.00006 + 200 / 1000 * 0.00024)
    assert summary.latency_ms == 2000
    assert summary.prompt_hash == "sha256:abc"
    assert summary.created_at == NOW
    assert summary.published_at == NOW
    [detail] = env.publisher.of(BusEvent.CALL_SUMMARIZED)
    assert detail["callId"] == CALL
    assert detail["schemaVersion"] == SCHEMA_VERSION
    assert detail["version"] == 1
    assert detail["kind"] == "final"
    assert detail["sections"] == DEFAULT_SECTIONS
    assert {"provider", "model", "createdAt"} <= detail.keys()
    assert env.call[CallAttr.LATEST_SUMMARY_VERSION.value] == 1
    assert env.call[CallAttr.LATEST_SUMMARY_STATUS.value] == "COMPLETED"
    assert env.call[CallAttr.FINAL_SUMMARY_REVISION.value] == 2
    assert env.call[CallAttr.TOPIC.value] == "refund"


def test_engine_receives_final_turns_in_spoken_order() -> None:
    env = Env()
    env.transcripts.add_segment(CALL, Speaker.CUSTOMER, "still talking", partial=True)
    env.service.handle(env.final())
    [turns] = env.engine.calls
    assert [t.speaker for t in turns] == ["CUSTOMER", "AGENT"]
    assert turns[0].text.startswith("Hi, I want a refund")


def test_repeated_call_ended_for_unchanged_transcript_does_not_call_llm_again() -> None:
    env = Env()
    env.service.handle(env.final())
    again = env.service.handle(env.final())

    assert again.action == "skipped"
    assert again.reason == "up-to-date"
    assert len(env.engine.calls) == 1
    assert len(env.summaries.list_summaries(CALL)) == 1
    assert len(env.publisher.of(BusEvent.CALL_SUMMARIZED)) == 1


def test_redelivered_request_publishes_a_summary_whose_publish_was_lost() -> None:
    env = Env()
    env.publisher.fail_next = True
    with pytest.raises(ConnectionError):
        env.service.handle(env.final())
    stored = env.summaries.get_summary(CALL, 1)
    assert stored is not None and stored.status is SummaryStatus.COMPLETED and not stored.published_at

    outcome = env.service.handle(env.final())
    assert outcome.action == "republished"
    assert len(env.engine.calls) == 1
    assert len(env.publisher.of(BusEvent.CALL_SUMMARIZED)) == 1


def test_a_duplicate_does_not_publish_the_lease_holders_version_before_it_does() -> None:
    """Between storing its COMPLETED version and publishing it, the lease holder's version looks
    unpublished; a duplicate arriving then waits for the lease (in-progress) instead of publishing
    it too (seen in CI: nine concurrent duplicates each republished the one final)."""
    env = Env()
    env.publisher.fail_next = True  # the holder stored its version; its publish has not happened
    with pytest.raises(ConnectionError):
        env.service.handle(env.final())
    assert env.summaries.claim_lease(CALL, "final#2", "holder", epoch(NOW), epoch(NOW) + 60).claimed
    duplicate = env.service.handle(env.final())
    assert (duplicate.action, duplicate.reason) == ("skipped", "in-progress")
    assert env.publisher.of(BusEvent.CALL_SUMMARIZED) == []


def test_segment_after_final_marks_it_stale_and_yields_new_version() -> None:
    env = Env()
    env.service.handle(env.final())
    env.transcripts.add_segment(CALL, Speaker.CUSTOMER, "One more thing: the order number is 42.")
    assert is_final_stale(env.call)

    outcome = env.service.handle(SummaryRunRequest(CALL, SummaryKind.FINAL, ReasonCode.STALE))

    assert outcome.action == "completed"
    first, second = env.summaries.get_summary(CALL, 1), env.summaries.get_summary(CALL, 2)
    assert first is not None and first.status is SummaryStatus.STALE
    assert second is not None and second.status is SummaryStatus.COMPLETED
    assert second.transcript_revision == 3
    assert env.call[CallAttr.FINAL_SUMMARY_REVISION.value] == 3
    assert env.call[CallAttr.LATEST_SUMMARY_VERSION.value] == 2
    assert not is_final_stale(env.call)
    assert len(env.engine.calls) == 2
    assert len(env.engine.calls[1]) == 3


def test_a_repeated_call_ended_after_new_segments_also_refreshes_the_final() -> None:
    env = Env()
    env.service.handle(env.final())
    env.transcripts.add_segment(CALL, Speaker.AGENT, "Anything else?")
    assert env.service.handle(env.final()).action == "completed"
    assert [s.status for s in env.summaries.list_summaries(CALL)] == [
        SummaryStatus.COMPLETED,
        SummaryStatus.STALE,
    ]


def test_segment_arriving_during_the_run_requests_another_final() -> None:
    env = Env()
    env.engine.on_call = lambda: env.transcripts.add_segment(CALL, Speaker.AGENT, "late words")

    env.service.handle(env.final())

    [request] = env.publisher.of(BusEvent.SUMMARY_REQUESTED)
    assert request == {
        "callId": CALL,
        "schemaVersion": SCHEMA_VERSION,
        "kind": "final",
        "reason": "stale",
        "requestedAt": NOW,
    }
    env.engine.on_call = None
    follow_up = env.service.handle(request_from_event(BusEvent.SUMMARY_REQUESTED.value, request))
    assert follow_up.action == "completed"
    assert follow_up.summary is not None and follow_up.summary.version == 2


def test_interim_on_demand_then_final_are_separate_versions() -> None:
    env = Env()
    env.transcripts.calls[CALL][CallAttr.STATUS.value] = CallStatus.LIVE.value
    interim = env.service.handle(SummaryRunRequest(CALL, SummaryKind.INTERIM, ReasonCode.ON_DEMAND))
    assert interim.summary is not None and interim.summary.kind is SummaryKind.INTERIM
    assert CallAttr.FINAL_SUMMARY_REVISION.value not in env.call

    # nothing said since: a second "Summarize now" reuses the interim
    again = env.service.handle(SummaryRunRequest(CALL, SummaryKind.INTERIM, ReasonCode.ON_DEMAND))
    assert again.reason == "up-to-date"

    # but the final after the call ends is its own version, even for the same transcript
    final = env.service.handle(env.final())
    assert final.summary is not None and final.summary.version == 2
    assert final.summary.kind is SummaryKind.FINAL
    assert len(env.engine.calls) == 2


def test_interim_after_new_speech_runs_again() -> None:
    env = Env()
    env.service.handle(SummaryRunRequest(CALL, SummaryKind.INTERIM, ReasonCode.ON_DEMAND))
    env.transcripts.add_segment(CALL, Speaker.CUSTOMER, "And my card was charged twice.")
    outcome = env.service.handle(SummaryRunRequest(CALL, SummaryKind.INTERIM, ReasonCode.ON_DEMAND))
    assert outcome.action == "completed"
    assert outcome.summary is not None and outcome.summary.version == 2


def test_provider_error_is_stored_failed_with_raw_reply_and_never_reaches_crm() -> None:
    env = Env(
        FakeEngine([FakeEngineResult(sections={}, error="invalid JSON after repair", raw_reply="Sure!")])
    )
    outcome = env.service.handle(env.final())

    assert outcome.action == "failed"
    summary = env.summaries.get_summary(CALL, 1)
    assert summary is not None
    assert summary.status is SummaryStatus.FAILED
    assert summary.error == "invalid JSON after repair"
    assert summary.raw_reply == "Sure!"
    assert summary.sections == {}
    assert summary.input_tokens == 1000  # the failed attempt still cost tokens
    assert env.publisher.of(BusEvent.CALL_SUMMARIZED) == []
    [failed] = env.publisher.of(BusEvent.SUMMARY_FAILED)
    assert failed["version"] == 1 and failed["kind"] == "final" and "invalid JSON" in failed["error"]
    assert env.call[CallAttr.LATEST_SUMMARY_STATUS.value] == "FAILED"
    assert CallAttr.FINAL_SUMMARY_REVISION.value not in env.call


def test_empty_sections_without_an_error_are_a_failure_not_a_summary() -> None:
    env = Env(FakeEngine([FakeEngineResult(sections={})]))
    assert env.service.handle(env.final()).action == "failed"
    assert env.publisher.of(BusEvent.CALL_SUMMARIZED) == []
    [failed] = env.publisher.of(BusEvent.SUMMARY_FAILED)
    assert failed["error"] == "the reply had no sections"


def test_a_summary_too_large_for_its_event_is_failed_whole_not_cut() -> None:
    from callrecap.contracts import EVENT_ENTRY_MAX_BYTES, SUMMARY_SECTIONS_MAX_BYTES

    huge = {"summary": "word " * (SUMMARY_SECTIONS_MAX_BYTES // 5 + 1)}
    env = Env(FakeEngine([FakeEngineResult(sections=huge)]))
    assert env.service.handle(env.final()).action == "failed"
    assert env.publisher.of(BusEvent.CALL_SUMMARIZED) == []
    [failed] = env.publisher.of(BusEvent.SUMMARY_FAILED)
    assert "over the 200,000 a CallSummarized event can carry" in failed["error"]
    assert SUMMARY_SECTIONS_MAX_BYTES + 2_000 < EVENT_ENTRY_MAX_BYTES  # room for the ids, by design


def test_the_largest_allowed_summary_is_completed() -> None:
    from callrecap.contracts import SUMMARY_SECTIONS_MAX_BYTES

    at_bound = {"summary": "x" * (SUMMARY_SECTIONS_MAX_BYTES - len('{"summary":""}'))}
    env = Env(FakeEngine([FakeEngineResult(sections=at_bound)]))
    assert env.service.handle(env.final()).action == "completed"
    assert len(env.publisher.of(BusEvent.CALL_SUMMARIZED)) == 1


def test_engine_exception_becomes_failed_version() -> None:
    env = Env(FakeEngine([TimeoutError("bedrock read timeout")]))
    outcome = env.service.handle(env.final())
    assert outcome.action == "failed"
    assert outcome.summary is not None
    assert outcome.summary.error == "TimeoutError: bedrock read timeout"
    assert env.publisher.of(BusEvent.CALL_SUMMARIZED) == []


def test_empty_transcript_fails_without_calling_llm() -> None:
    env = Env()
    env.transcripts.add_call("silent")
    outcome = env.service.handle(SummaryRunRequest("silent", SummaryKind.FINAL, ReasonCode.CALL_ENDED))
    assert outcome.action == "failed"
    assert env.engine.calls == []
    assert outcome.summary is not None and "empty" in outcome.summary.error


def test_unknown_call_is_skipped() -> None:
    env = Env()
    outcome = env.service.handle(SummaryRunRequest("nope", SummaryKind.FINAL, ReasonCode.CALL_ENDED))
    assert (outcome.action, outcome.reason) == ("skipped", "unknown-call")
    assert env.publisher.events == []


def test_retry_of_failed_version_produces_new_completed_version() -> None:
    env = Env(FakeEngine([TimeoutError("throttled"), FakeEngineResult(sections=DEFAULT_SECTIONS)]))
    env.service.handle(env.final())

    retry = request_from_event(
        BusEvent.SUMMARY_REQUESTED.value, {"callId": CALL, "kind": "final", "reason": "retry", "version": 1}
    )
    outcome = env.service.handle(retry)

    assert outcome.action == "completed"
    assert outcome.summary is not None and outcome.summary.version == 2
    failed = env.summaries.get_summary(CALL, 1)
    assert failed is not None and failed.status is SummaryStatus.FAILED  # history is kept
    assert [d["version"] for d in env.publisher.of(BusEvent.CALL_SUMMARIZED)] == [2]
    assert env.call[CallAttr.LATEST_SUMMARY_STATUS.value] == "COMPLETED"


def test_retry_takes_the_kind_of_the_failed_version() -> None:
    env = Env(FakeEngine([TimeoutError("x"), FakeEngineResult(sections=DEFAULT_SECTIONS)]))
    env.service.handle(SummaryRunRequest(CALL, SummaryKind.INTERIM, ReasonCode.ON_DEMAND))
    outcome = env.service.handle(SummaryRunRequest(CALL, SummaryKind.FINAL, ReasonCode.RETRY, version=1))
    assert outcome.summary is not None and outcome.summary.kind is SummaryKind.INTERIM


def test_retry_of_a_completed_or_missing_version_is_refused() -> None:
    env = Env()
    env.service.handle(env.final())
    not_failed = env.service.handle(SummaryRunRequest(CALL, SummaryKind.FINAL, ReasonCode.RETRY, version=1))
    missing = env.service.handle(SummaryRunRequest(CALL, SummaryKind.FINAL, ReasonCode.RETRY, version=9))
    assert not_failed.reason == "retry-version-completed"
    assert missing.reason == "retry-version-not-found"
    assert len(env.engine.calls) == 1


def test_retry_after_a_newer_success_does_not_call_llm() -> None:
    env = Env(FakeEngine([TimeoutError("x"), FakeEngineResult(sections=DEFAULT_SECTIONS)]))
    env.service.handle(env.final())
    env.service.handle(env.final())  # a redelivered CallEnded already re-ran it
    outcome = env.service.handle(SummaryRunRequest(CALL, SummaryKind.FINAL, ReasonCode.RETRY, version=1))
    assert outcome.reason == "up-to-date"
    assert len(env.engine.calls) == 2


def epoch(iso: str) -> float:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


def test_a_run_holding_the_lease_is_not_duplicated_and_a_stopped_one_is_failed_then_redone() -> None:
    env = Env()
    # Another container holds the lease of (final, revision 2) and claimed version 1.
    assert env.summaries.claim_lease(
        CALL, "final#2", "other", epoch(NOW), epoch("2026-01-01T10:05:30Z")
    ).claimed
    env.summaries.claim_version(
        Summary(CALL, 0, SummaryKind.FINAL, SummaryStatus.PENDING, transcript_revision=2, created_at=NOW)
    )
    env.summaries.bind_lease(CALL, "final#2", "other", 1)
    env.now = "2026-01-01T10:05:00.000Z"
    assert env.service.handle(env.final()).reason == "in-progress"
    assert env.engine.calls == []
    env.now = "2026-01-01T10:06:00.000Z"  # the lease expired: its run was stopped at its timeout
    outcome = env.service.handle(env.final())
    assert outcome.action == "completed"
    assert outcome.summary is not None and outcome.summary.version == 2
    stopped = env.summaries.get_summary(CALL, 1)
    assert stopped is not None and stopped.status is SummaryStatus.FAILED
    assert (stopped.failure_reason, stopped.retryable) == (FailureReason.TIMEOUT, True)
    assert [d["version"] for d in env.publisher.of(BusEvent.SUMMARY_FAILED)] == [1]
    assert env.summaries.leases[(CALL, "final#2")]["until"] == 0  # released


def test_a_model_slower_than_the_deadline_is_given_up_and_failed_before_it() -> None:
    import threading
    import time

    released = threading.Event()

    class SlowEngine(FakeEngine):
        def __call__(self, turns: Any, call_id: str = "", *, language: str = "") -> FakeEngineResult:
            self.calls.append(list(turns))
            released.wait(10)
            return FakeEngineResult(sections=DEFAULT_SECTIONS)

    env = Env(SlowEngine(), time_box=run_on_worker)
    env.service._monotonic = time.monotonic  # real time: the deadline is real
    started = time.monotonic()
    outcome = env.service.handle(env.final(), deadline=time.monotonic() + 1.0)
    released.set()
    assert time.monotonic() - started < 1.0  # stored before the deadline, the margin kept
    assert outcome.action == "failed" and outcome.summary is not None
    assert (outcome.summary.failure_reason, outcome.summary.retryable) == (FailureReason.TIMEOUT, True)
    assert env.call[CallAttr.LATEST_SUMMARY_RETRYABLE.value] is True  # the sweeper retries it
    assert env.publisher.of(BusEvent.SUMMARY_FAILED)[0]["failureReason"] == "TIMEOUT"
    env.service._engine = FakeEngine()
    retried = env.service.handle(SummaryRunRequest(CALL, SummaryKind.FINAL, ReasonCode.AUTO_RETRY))
    assert retried.action == "completed"  # the lease was released: no PENDING left behind
    assert [s.status for s in env.summaries.list_summaries(CALL)] == [
        SummaryStatus.COMPLETED,
        SummaryStatus.FAILED,
    ]


@pytest.mark.parametrize(
    ("result", "reason", "retryable"),
    [
        (FakeEngineResult(sections={}, error="429", failure_reason="THROTTLED"), "THROTTLED", True),
        (  # an unusable reply gets one fresh attempt (issue 20): retryable the first time
            FakeEngineResult(sections={}, error="bad json", failure_reason="INVALID_OUTPUT"),
            "INVALID_OUTPUT",
            True,
        ),
        (
            FakeEngineResult(sections={}, error="blocked", failure_reason="CONTENT_FILTERED"),
            "CONTENT_FILTERED",
            False,
        ),
        (FakeEngineResult(sections={}), "INVALID_OUTPUT", True),
        (FakeEngineResult(sections={"summary": "x" * 300_000}), "TOO_LONG", False),
    ],
)
def test_failed_versions_carry_a_typed_reason(result: FakeEngineResult, reason: str, retryable: bool) -> None:
    env = Env(FakeEngine([result]))
    outcome = env.service.handle(env.final())
    assert outcome.summary is not None
    assert (outcome.summary.failure_reason, outcome.summary.retryable) == (reason, retryable)


def test_an_unusable_reply_gets_one_fresh_attempt_then_stays_failed() -> None:
    garbled = FakeEngineResult(sections={}, error="bad json", failure_reason="INVALID_OUTPUT")
    env = Env(FakeEngine([garbled, garbled, FakeEngineResult(sections=DEFAULT_SECTIONS)]))
    first = env.service.handle(env.final())
    assert first.summary is not None and first.summary.retryable  # the sweeper will try again
    again = env.service.handle(SummaryRunRequest(CALL, SummaryKind.FINAL, ReasonCode.AUTO_RETRY))
    assert again.summary is not None and again.summary.failure_reason == "INVALID_OUTPUT"
    assert not again.summary.retryable  # once per revision: no third model call
    assert env.call[CallAttr.LATEST_SUMMARY_RETRYABLE.value] is False


def test_the_fresh_attempt_can_write_the_final() -> None:
    garbled = FakeEngineResult(sections={}, error="bad json", failure_reason="INVALID_OUTPUT")
    env = Env(FakeEngine([garbled, FakeEngineResult(sections=DEFAULT_SECTIONS)]))
    env.service.handle(env.final())
    retried = env.service.handle(SummaryRunRequest(CALL, SummaryKind.FINAL, ReasonCode.AUTO_RETRY))
    assert retried.action == "completed"
    versions = sorted(env.summaries.list_summaries(CALL), key=lambda s: s.version)
    assert [s.status for s in versions] == [SummaryStatus.FAILED, SummaryStatus.COMPLETED]


def test_an_empty_transcript_fails_as_transcript_empty() -> None:
    env = Env()
    env.transcripts.segments[CALL] = []
    outcome = env.service.handle(env.final())
    assert outcome.summary is not None and outcome.summary.failure_reason == "TRANSCRIPT_EMPTY"


def test_versions_skip_ones_taken_by_concurrent_writers() -> None:
    env = Env()
    env.summaries.taken_by_others.add((CALL, 1))
    outcome = env.service.handle(env.final())
    assert outcome.summary is not None and outcome.summary.version == 2


def test_extractive_summary_costs_nothing() -> None:
    result = FakeEngineResult(
        sections=DEFAULT_SECTIONS, provider="extractive", model="extractive-v1", usage=Usage(0, 0, 0)
    )
    env = Env(FakeEngine([result]))
    outcome = env.service.handle(env.final())
    assert outcome.summary is not None
    assert outcome.summary.estimated_cost_usd == 0.0
    assert outcome.summary.provider == "extractive"


@pytest.mark.parametrize(
    ("detail_type", "detail", "expected"),
    [
        ("CallEnded", {"callId": "c"}, SummaryRunRequest("c", SummaryKind.FINAL, "call-ended")),
        (
            "SummaryRequested",
            {"callId": "c", "kind": "interim"},
            SummaryRunRequest("c", SummaryKind.INTERIM, "requested"),
        ),
        (
            "SummaryRequested",
            {"callId": "c", "kind": "final", "reason": "stale"},
            SummaryRunRequest("c", SummaryKind.FINAL, "stale"),
        ),
        (
            "SummaryRequested",
            {"callId": "c", "kind": "final", "reason": "retry", "version": "3"},
            SummaryRunRequest("c", SummaryKind.FINAL, "retry", 3),
        ),
    ],
)
def test_request_from_event(detail_type: str, detail: dict[str, object], expected: SummaryRunRequest) -> None:
    assert request_from_event(detail_type, detail) == expected


@pytest.mark.parametrize(
    ("detail_type", "detail", "message"),
    [
        ("CallEnded", {}, "without a callId"),
        ("SummaryRequested", {"callId": "c", "kind": "weekly"}, "interim or final"),
        ("SummaryRequested", {"callId": "c", "reason": "retry"}, "without a version"),
        ("SummaryRequested", {"callId": "c", "reason": "retry", "version": "x"}, "integer"),
        ("SummaryRequested", {"callId": "c", "reason": "retry", "version": 0}, ">= 1"),
        ("CallStarted", {"callId": "c"}, "unexpected event"),
    ],
)
def test_request_from_event_rejects(detail_type: str, detail: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidRunRequest, match=message):
        request_from_event(detail_type, detail)


def test_turns_from_segments_drops_partials_and_blank_text_and_sorts() -> None:
    transcripts = FakeTranscripts()
    transcripts.add_call("c")
    a = transcripts.add_segment("c", Speaker.AGENT, "first")
    transcripts.add_segment("c", Speaker.CUSTOMER, "  ")
    transcripts.add_segment("c", Speaker.CUSTOMER, "partial", partial=True)
    c = transcripts.add_segment("c", Speaker.CUSTOMER, "third")
    turns = turns_from_segments([c, a, *transcripts.list_segments("c")[1:3]])
    assert [(t.speaker, t.text) for t in turns] == [("AGENT", "first"), ("CUSTOMER", "third")]


def throttled() -> FakeEngineResult:
    return FakeEngineResult(sections={}, error="bedrock failed: ThrottlingException", retryable=True)


def test_retryable_failure_is_flagged_and_auto_retry_is_bounded() -> None:
    env = Env(FakeEngine([throttled()]))
    first = env.service.handle(env.final())
    assert first.summary is not None and first.summary.retryable
    assert env.call[CallAttr.LATEST_SUMMARY_RETRYABLE.value] is True

    auto = SummaryRunRequest(CALL, SummaryKind.FINAL, ReasonCode.AUTO_RETRY)
    assert env.service.handle(auto).action == "failed"
    assert env.service.handle(auto).action == "failed"
    exhausted = env.service.handle(auto)

    assert (exhausted.action, exhausted.reason) == ("skipped", "attempts-exhausted")
    assert len(env.engine.calls) == 3
    assert env.call[CallAttr.LATEST_SUMMARY_RETRYABLE.value] is False  # the sweeper stops asking
    assert len(env.publisher.of(BusEvent.SUMMARY_FAILED)) == 3


def test_auto_retry_after_a_throttle_succeeds() -> None:
    env = Env(FakeEngine([throttled(), FakeEngineResult(sections=DEFAULT_SECTIONS)]))
    env.service.handle(env.final())
    outcome = env.service.handle(SummaryRunRequest(CALL, SummaryKind.FINAL, ReasonCode.AUTO_RETRY))
    assert outcome.action == "completed"
    assert env.call[CallAttr.LATEST_SUMMARY_RETRYABLE.value] is False
    assert [d["version"] for d in env.publisher.of(BusEvent.CALL_SUMMARIZED)] == [2]


def test_non_retryable_failure_is_not_flagged() -> None:
    env = Env(FakeEngine([FakeEngineResult(sections={}, error="invalid JSON", retryable=False)]))
    outcome = env.service.handle(env.final())
    assert outcome.summary is not None and not outcome.summary.retryable
    assert env.call[CallAttr.LATEST_SUMMARY_RETRYABLE.value] is False


def test_a_stale_request_waits_while_late_segments_are_still_arriving() -> None:
    env = Env()
    env.service._settle_seconds = 10.0
    env.service.handle(env.final())
    env.transcripts.add_segment(CALL, Speaker.CUSTOMER, "One more thing about the refund.")
    env.call[CallAttr.LAST_ACTIVITY_AT.value] = "2026-01-01T10:00:59.500Z"
    env.now = "2026-01-01T10:01:00.000Z"  # 0.5 s after the newest late segment: still moving
    stale = SummaryRunRequest(CALL, SummaryKind.FINAL, ReasonCode.STALE)
    assert env.service.handle(stale).reason == "settling"
    env.now = "2026-01-01T10:01:02.000Z"  # quiet for 2.5 s: the next look does the work
    assert env.service.handle(stale).action == "completed"
    assert len(env.engine.calls) == 2
    assert env.service.handle(stale).reason == "up-to-date"  # the other requests of the burst


def test_a_call_end_waits_while_the_call_is_still_moving_unless_settled() -> None:
    env = Env()
    env.service._settle_seconds = 10.0
    env.call[CallAttr.LAST_ACTIVITY_AT.value] = "2026-01-01T09:59:59.500Z"
    assert env.service.handle(env.final()).reason == "settling"
    assert env.engine.calls == []
    forced = SummaryRunRequest(CALL, SummaryKind.FINAL, ReasonCode.CALL_ENDED, settled=True)
    assert env.service.handle(forced).action == "completed"  # the settle time is up


def test_when_the_primary_fails_the_fallback_writes_the_summary_and_says_why() -> None:
    throttled = FakeEngineResult(sections={}, error="429", failure_reason="THROTTLED", provider="bedrock")
    backup = FakeEngine(
        [FakeEngineResult(sections=DEFAULT_SECTIONS, provider="extractive", model="extractive-v1")]
    )
    env = Env(FakeEngine([throttled]), fallbacks=(backup,))
    outcome = env.service.handle(env.final())
    assert outcome.action == "completed" and outcome.summary is not None
    summary = outcome.summary
    assert (summary.provider, summary.fallback_from, summary.fallback_reason) == (
        "extractive",
        "bedrock",
        "THROTTLED",
    )
    event = env.publisher.of(BusEvent.CALL_SUMMARIZED)[0]
    assert (event["provider"], event["fallbackFrom"], event["fallbackReason"]) == (
        "extractive",
        "bedrock",
        "THROTTLED",
    )


def test_a_slow_primary_leaves_time_for_the_fallback() -> None:
    import threading
    import time

    released = threading.Event()

    class SlowEngine(FakeEngine):
        def __call__(self, turns: Any, call_id: str = "", *, language: str = "") -> FakeEngineResult:
            released.wait(10)
            return FakeEngineResult(sections=DEFAULT_SECTIONS)

    backup = FakeEngine([FakeEngineResult(sections=DEFAULT_SECTIONS, provider="extractive")])
    env = Env(SlowEngine(), time_box=run_on_worker, fallbacks=(backup,))
    env.service._monotonic = time.monotonic
    outcome = env.service.handle(env.final(), deadline=time.monotonic() + 2.0)
    released.set()
    assert outcome.action == "completed" and outcome.summary is not None
    assert (outcome.summary.fallback_from, outcome.summary.fallback_reason) == ("bedrock", "TIMEOUT")


def test_an_empty_transcript_is_not_handed_to_the_fallback() -> None:
    backup = FakeEngine([FakeEngineResult(sections=DEFAULT_SECTIONS, provider="extractive")])
    env = Env(fallbacks=(backup,))
    env.transcripts.segments[CALL] = []
    outcome = env.service.handle(env.final())
    assert outcome.action == "failed" and backup.calls == []


def throttled_with_reason() -> FakeEngineResult:
    return FakeEngineResult(
        sections={}, error="429 Too Many Requests", failure_reason="THROTTLED", retryable=True
    )


def test_a_throttled_final_that_may_wait_is_deferred_not_failed_then_resumed_in_its_version() -> None:
    env = Env(FakeEngine([throttled_with_reason(), FakeEngineResult(sections=DEFAULT_SECTIONS)]))
    waiting = env.service.handle(replace(env.final(), defer_seconds=30.0))

    assert (waiting.action, waiting.reason) == ("deferred", "throttled")
    assert waiting.summary is not None and waiting.summary.status is SummaryStatus.PENDING
    assert waiting.summary.error == "the model is throttled: trying again at 2026-01-01T10:00:30Z"
    assert env.call[CallAttr.LATEST_SUMMARY_STATUS.value] == "PENDING"
    assert env.publisher.events == []  # nothing failed, nothing to tell the CRM
    # The lease is held through the wait (ending a little before the request is due back) ...
    lease = env.summaries.leases[(CALL, "final#2")]
    assert lease["version"] == 1 and lease["until"] == epoch(NOW) + 28
    env.now = "2026-01-01T10:00:10.000Z"
    assert env.service.handle(SummaryRunRequest(CALL, SummaryKind.FINAL, ReasonCode.MISSING)).reason == (
        "in-progress"
    )  # ... so the sweeper (or a duplicate) does not pay for a run that would be throttled too

    env.now = "2026-01-01T10:00:31.000Z"  # the request is back
    done = env.service.handle(replace(env.final(), defer_seconds=60.0))
    assert done.action == "completed" and done.summary is not None
    assert done.summary.version == 1  # the same version, not a FAILED one and a new one
    assert [s.status for s in env.summaries.list_summaries(CALL)] == [SummaryStatus.COMPLETED]
    assert (done.summary.error, done.summary.failure_reason) == ("", "")
    assert [d["version"] for d in env.publisher.of(BusEvent.CALL_SUMMARIZED)] == [1]
    assert env.publisher.of(BusEvent.SUMMARY_FAILED) == []


def test_a_throttled_final_past_its_age_limit_is_failed_retryable_in_the_deferred_version() -> None:
    env = Env(FakeEngine([throttled_with_reason(), throttled_with_reason()]))
    env.service.handle(replace(env.final(), defer_seconds=30.0))
    env.now = "2026-01-01T10:00:31.000Z"
    failed = env.service.handle(env.final())  # no more waiting allowed (defer_seconds 0)
    assert failed.action == "failed" and failed.summary is not None
    assert (failed.summary.version, failed.summary.failure_reason, failed.summary.retryable) == (
        1,
        FailureReason.THROTTLED,
        True,
    )
    assert [d["version"] for d in env.publisher.of(BusEvent.SUMMARY_FAILED)] == [1]


def test_a_deferred_versions_expired_lease_is_not_mistaken_for_a_stopped_run() -> None:
    env = Env(FakeEngine([throttled_with_reason(), FakeEngineResult(sections=DEFAULT_SECTIONS)]))
    env.service.handle(replace(env.final(), defer_seconds=30.0))
    env.now = "2026-01-01T10:05:00.000Z"  # the put-back was lost: the sweeper comes instead
    outcome = env.service.handle(SummaryRunRequest(CALL, SummaryKind.FINAL, ReasonCode.MISSING))
    assert outcome.action == "completed" and outcome.summary is not None and outcome.summary.version == 1
    assert env.publisher.of(BusEvent.SUMMARY_FAILED) == []  # no TIMEOUT failure for the wait


def test_with_a_fallback_a_throttled_primary_is_not_deferred() -> None:
    env = Env(FakeEngine([throttled_with_reason()]))
    backup = FakeEngine([FakeEngineResult(sections=DEFAULT_SECTIONS, provider="extractive")])
    env.service = SummaryService(
        transcripts=env.transcripts,
        summaries=env.summaries,
        publisher=env.publisher,
        engine=env.engine,
        clock=lambda: env.now,
        fallbacks=[backup],
    )
    outcome = env.service.handle(replace(env.final(), defer_seconds=30.0))
    assert outcome.action == "completed" and outcome.summary is not None
    assert outcome.summary.fallback_reason == FailureReason.THROTTLED


def test_an_interim_is_never_deferred() -> None:
    env = Env(FakeEngine([throttled_with_reason()]))
    request = SummaryRunRequest(CALL, SummaryKind.INTERIM, ReasonCode.ON_DEMAND, defer_seconds=30.0)
    outcome = env.service.handle(request)  # "Summarize now" is answered now, failed if need be
    assert outcome.action == "failed" and outcome.summary is not None and outcome.summary.retryable


def test_a_run_records_how_many_turns_it_summarized_and_names_the_call_only_when_informative() -> None:
    env = Env(FakeEngine([FakeEngineResult(sections={"summary": "Hi.", "topic": "Good"})]))
    outcome = env.service.handle(SummaryRunRequest(CALL, SummaryKind.INTERIM, ReasonCode.ON_DEMAND))
    assert outcome.summary is not None and outcome.summary.turn_count == 2
    assert CallAttr.TOPIC.value not in env.call  # two turns: too early to name the call
