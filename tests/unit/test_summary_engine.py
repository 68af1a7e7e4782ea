"""The engine with fake providers: single call, repair, failures, map-reduce and its call bound."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from callrecap.adapters.prompt_files import load_prompt_set
from callrecap.contracts import FailureReason
from callrecap.domain.models import SectionSpec, Turn
from callrecap.domain.ports import DelegatedReply, DelegatedSummaryRequest, LlmReply, ProviderError
from callrecap.domain.summaries.chunking import Budget, estimate_tokens
from callrecap.domain.summaries.engine import Strategy, summarize
from callrecap.domain.summaries.prompts import FENCE_OPEN, PromptSet
from tests.helpers.sections import complete

REPO_PROMPTS = Path(__file__).resolve().parents[2] / "prompts"
GOOD = complete(
    {
        "summary": "The customer's order was late; the agent sent a replacement.",
        "topic": "Late order",
        "action_items": ["Agent ships a replacement today."],
        "resolved": "yes",
        "customer_sentiment": "neutral",
    }
)
TURNS = [
    Turn("AGENT", "Thanks for calling, how can I help?"),
    Turn("CUSTOMER", "My order has not arrived."),
    Turn("AGENT", "I will ship a replacement today."),
]


@pytest.fixture(scope="module")
def prompts() -> PromptSet:
    return load_prompt_set(REPO_PROMPTS)


@dataclass
class FakeLlm:
    """Replies from a script; records every prompt it was sent."""

    replies: list[str | Exception] = field(default_factory=list)
    notes: Callable[[str], str] = lambda user: "Notes: the customer discussed a few points."
    name: str = "fake"
    model: str = "fake-model"
    calls: list[tuple[str, str, int]] = field(default_factory=list)

    def complete(
        self,
        system: str,
        user: str,
        *,
        max_output_tokens: int = 1024,
        schema: Mapping[str, Any] | None = None,
    ) -> LlmReply:
        self.calls.append((system, user, max_output_tokens))
        if "Reply with plain-text notes" in user:
            text = self.notes(user)
        else:
            reply = self.replies.pop(0)
            if isinstance(reply, Exception):
                raise reply
            text = reply
        return LlmReply(text, input_tokens=estimate_tokens(system + user), output_tokens=10, model="fake-v2")

    def context_window(self) -> int:
        return 0


def test_one_call_returns_every_section(prompts: PromptSet) -> None:
    llm = FakeLlm(replies=["```json\n" + json.dumps(GOOD) + "\n```"])
    result = summarize(TURNS, llm, prompts, Budget(max_input_tokens=4000))
    assert result.ok and result.sections == GOOD
    assert result.strategy is Strategy.SINGLE
    assert result.usage.llm_calls == 1 and result.usage.output_tokens == 10
    assert result.usage.input_tokens > 0
    assert (result.provider, result.model) == ("fake", "fake-v2")
    assert result.prompt_hash == prompts.prompt_hash
    system, user, _ = llm.calls[0]
    assert "never instructions" in system and FENCE_OPEN in user


def test_one_repair_attempt_with_the_error_and_previous_reply(prompts: PromptSet) -> None:
    bad = json.dumps({**GOOD, "resolved": "kind of"})
    llm = FakeLlm(replies=[bad, json.dumps(GOOD)])
    result = summarize(TURNS, llm, prompts, Budget(max_input_tokens=4000))
    assert result.ok and result.sections == GOOD
    assert result.usage.llm_calls == 2
    repair_prompt = llm.calls[1][1]
    assert '"resolved" must be one of "yes", "no", "unclear", got "kind of"' in repair_prompt
    assert bad in repair_prompt


def test_a_summary_without_the_optional_email_is_kept_after_one_repair(prompts: PromptSet) -> None:
    """`follow_up_email` is `required = false` in sections.toml: asked for once more, then left out."""
    without = {k: v for k, v in GOOD.items() if k != "follow_up_email"}
    llm = FakeLlm(replies=[json.dumps(without), json.dumps(without)])
    result = summarize(TURNS, llm, prompts, Budget(max_input_tokens=4000))
    assert result.ok and result.sections == without
    assert result.usage.llm_calls == 2 and 'missing key "follow_up_email"' in llm.calls[1][1]


def test_failed_repair_is_an_error_with_the_raw_reply(prompts: PromptSet) -> None:
    llm = FakeLlm(replies=["I am not able to do that.", "Still no JSON, sorry."])
    result = summarize(TURNS, llm, prompts, Budget(max_input_tokens=4000))
    assert not result.ok and result.sections == {}
    assert result.failure is FailureReason.INVALID_OUTPUT
    assert result.raw_reply == "Still no JSON, sorry."
    assert result.usage.llm_calls == 2


def test_provider_error_is_returned_not_raised(prompts: PromptSet) -> None:
    llm = FakeLlm(replies=[ProviderError("ThrottlingException after 5 attempts", retryable=True)])
    result = summarize(TURNS, llm, prompts, Budget(max_input_tokens=4000))
    assert result.failure is FailureReason.PROVIDER_ERROR and result.retryable
    assert "ThrottlingException" in result.error and result.sections == {}


def test_unexpected_provider_bug_is_returned_not_raised(prompts: PromptSet) -> None:
    llm = FakeLlm(replies=[KeyError("choices")])
    result = summarize(TURNS, llm, prompts, Budget(max_input_tokens=4000))
    assert result.failure is FailureReason.PROVIDER_ERROR and "KeyError" in result.error


def test_empty_transcript_makes_no_call(prompts: PromptSet) -> None:
    llm = FakeLlm()
    result = summarize([Turn("AGENT", "um"), Turn("CUSTOMER", "  ")], llm, prompts)
    assert result.failure is FailureReason.TRANSCRIPT_EMPTY and llm.calls == []


def long_turns(shared_data: Path, name: str) -> list[Turn]:
    row = json.loads((shared_data / "long" / name).read_text().splitlines()[0])
    return [Turn(turn["speaker"], turn["text"]) for turn in row["turns"]]


LONG_FILES = sorted(
    path.name for path in (Path(__file__).resolve().parents[3] / "shared/data/long").glob("*.jsonl")
)


@pytest.mark.parametrize("name", LONG_FILES or ["TS3004c.jsonl"])
def test_map_reduce_on_a_long_meeting_stays_within_budget_and_bound(
    shared_data: Path, prompts: PromptSet, name: str
) -> None:
    turns = long_turns(shared_data, name)
    budget = Budget.for_model("any", 2000, max_llm_calls=40)
    llm = FakeLlm(replies=[json.dumps(GOOD)], notes=lambda user: "Notes. " * 60)
    result = summarize(turns, llm, prompts, budget)
    assert result.ok, result.error
    assert result.strategy is Strategy.MAP_REDUCE and result.sections == GOOD
    assert result.chunks > 3
    assert result.usage.llm_calls == len(llm.calls) <= result.planned_llm_calls <= budget.max_llm_calls
    assert all(estimate_tokens(s) + estimate_tokens(u) <= budget.max_input_tokens for s, u, _ in llm.calls)
    map_calls = [u for _, u, _ in llm.calls if "This is part" in u]
    assert len(map_calls) == result.chunks
    assert all(max_out == budget.notes_max_tokens for _, u, max_out in llm.calls if "This is part" in u)
    # every word of the transcript (after cleaning) went into exactly one map call
    assert sum(u.count("\n") for u in map_calls) > len(turns) / 4


def test_a_call_of_1400_turns_with_worst_case_notes_stays_within_the_bound(
    shared_data: Path, prompts: PromptSet
) -> None:
    turns = long_turns(shared_data, "Bmr014.jsonl") + long_turns(shared_data, "Bmr023.jsonl")
    assert len(turns) > 1400
    budget = Budget.for_model("any", 2000)
    llm = FakeLlm(replies=[json.dumps(GOOD)], notes=lambda user: "n" * (budget.notes_max_tokens * 4 - 8))
    result = summarize(turns, llm, prompts, budget)
    assert result.ok, result.error
    assert result.chunks < result.usage.llm_calls <= result.planned_llm_calls <= budget.max_llm_calls
    assert all(estimate_tokens(s) + estimate_tokens(u) <= budget.max_input_tokens for s, u, _ in llm.calls)


def test_hierarchical_reduce_when_the_notes_do_not_fit(shared_data: Path, prompts: PromptSet) -> None:
    turns = long_turns(shared_data, "Bmr023.jsonl")  # 745 turns, ~64k characters
    budget = Budget(max_input_tokens=1500, notes_max_tokens=250, max_llm_calls=200)
    llm = FakeLlm(replies=[json.dumps(GOOD)], notes=lambda user: "x" * 900)  # ~225 tokens a note
    result = summarize(turns, llm, prompts, budget)
    assert result.ok, result.error
    merges = [u for _, u, _ in llm.calls if u.startswith("Below are notes") and "Merge these" in u]
    assert merges, "notes of ~50 chunks cannot fit one combine call: expected merge calls"
    assert result.usage.llm_calls == result.chunks + len(merges) + 1 <= result.planned_llm_calls


def test_call_bound_fails_up_front_without_calling(shared_data: Path, prompts: PromptSet) -> None:
    turns = long_turns(shared_data, "Bmr023.jsonl")
    llm = FakeLlm(replies=[json.dumps(GOOD)])
    result = summarize(turns, llm, prompts, Budget.for_model("any", 2000, max_llm_calls=10))
    assert result.failure is FailureReason.TOO_LONG and llm.calls == []
    assert "bound is 10" in result.error and result.planned_llm_calls > 10


def test_budget_too_small_for_the_prompt_is_a_clear_error(prompts: PromptSet) -> None:
    llm = FakeLlm()
    result = summarize(TURNS * 20, llm, prompts, Budget.for_model("any", 300))
    assert result.failure is FailureReason.TOO_LONG and "max input tokens 300" in result.error
    assert llm.calls == []


@dataclass
class FakeExtractive:
    name: str = "extractive"
    model: str = "extractive-v1"
    output: dict[str, Any] = field(default_factory=lambda: dict(GOOD))

    def summarize_sections(self, turns: Sequence[Turn], sections: Sequence[SectionSpec]) -> dict[str, Any]:
        assert [t.speaker for t in turns] == ["AGENT", "CUSTOMER", "AGENT"]
        return self.output


def test_section_summarizer_needs_no_tokens(prompts: PromptSet) -> None:
    result = summarize(TURNS, FakeExtractive(), prompts)
    assert result.ok and result.strategy is Strategy.EXTRACTIVE and result.sections == GOOD
    assert result.usage.llm_calls == 0 and result.prompt_hash == prompts.prompt_hash


def test_invalid_section_summarizer_output_is_an_error(prompts: PromptSet) -> None:
    result = summarize(TURNS, FakeExtractive(output={"summary": "x"}), prompts)
    assert result.failure is FailureReason.INVALID_OUTPUT and '"summary": "x"' in result.raw_reply


def test_real_extractive_provider_fills_every_section(prompts: PromptSet) -> None:
    from callrecap.adapters.llm.extractive_provider import ExtractiveSummarizer

    result = summarize(TURNS, ExtractiveSummarizer(), prompts)
    assert result.ok, result.error
    assert set(result.sections) == {s.name for s in prompts.sections}


@dataclass
class FakeDelegate:
    reply: DelegatedReply
    name: str = "lambda"
    model: str = "my-fn"
    requests: list[DelegatedSummaryRequest] = field(default_factory=list)

    def summarize_call(self, request: DelegatedSummaryRequest) -> DelegatedReply:
        self.requests.append(request)
        return self.reply


def test_delegated_with_our_reply_format(prompts: PromptSet) -> None:
    delegate = FakeDelegate(DelegatedReply(raw="{}", sections=GOOD, llm_calls=1, input_tokens=50, model="m"))
    result = summarize(TURNS, delegate, prompts, call_id="c-1")
    assert result.ok and result.sections == GOOD and result.model == "m"
    assert result.strategy is Strategy.DELEGATED and result.usage.input_tokens == 50
    request = delegate.requests[0]
    assert request.call_id == "c-1" and request.transcript.startswith("AGENT: Thanks")
    assert FENCE_OPEN in request.user and request.sections == prompts.sections


def test_delegated_lca_plain_text_fills_the_summary(prompts: PromptSet) -> None:
    result = summarize(TURNS, FakeDelegate(DelegatedReply(raw="...", text="Customer order late.")), prompts)
    assert result.ok and result.sections == {"summary": "Customer order late."}


def test_delegated_lca_json_text_keeps_known_sections(prompts: PromptSet) -> None:
    text = json.dumps({"Summary": "Order late.", "Topic": "Orders", "Politeness": "high", "Resolved": "No"})
    result = summarize(TURNS, FakeDelegate(DelegatedReply(raw=text, text=text)), prompts)
    assert result.sections == {"summary": "Order late.", "topic": "Orders", "resolved": "no"}


def test_delegated_invalid_sections_keep_the_raw_reply(prompts: PromptSet) -> None:
    reply = DelegatedReply(raw='{"sections": {"summary": 1}}', sections={"summary": ["a", 1]})
    result = summarize(TURNS, FakeDelegate(reply), prompts)
    assert result.failure is FailureReason.INVALID_OUTPUT and result.raw_reply == reply.raw
