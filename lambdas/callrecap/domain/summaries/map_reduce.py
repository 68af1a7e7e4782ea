"""Map-reduce over a transcript too long for one model call, and the bookkeeping of a model run.

`plan_map_reduce` cuts the turns into chunks that fit the input budget (each chunk's notes are
asked for within a word limit) and counts the calls the whole plan needs, so a plan over the
call bound fails before any token is spent; `run_map_reduce` writes the notes, merges them in
groups while they do not fit one combine call, and returns the combine prompt and its reply.
Every call goes through `LlmRun`, which enforces the bound and sums the usage.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from callrecap.domain.models import Turn, Usage
from callrecap.domain.ports import (
    CallSummarizer,
    LlmProvider,
    SectionSummarizer,
)
from callrecap.domain.summaries.chunking import (
    MIN_CHUNK_TOKENS,
    Budget,
    chunk_turns,
    estimate_tokens,
    reduce_plan_calls,
)
from callrecap.domain.summaries.prompts import (
    PromptSet,
    TemplateName,
    fence,
    neutralize_fences,
    transcript_lines,
)

AnyProvider = LlmProvider | CallSummarizer | SectionSummarizer

_TOKENS_PER_WORD = 1.4  # to turn a notes token budget into the word limit the templates state
_SAFETY_TOKENS = 32  # rounding slack between the rendered estimate and the budget


@dataclass
class LlmRun:
    """Mutable bookkeeping of one run: usage so far and the call bound."""

    provider: LlmProvider
    budget: Budget
    calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    model: str = ""
    replies: list[str] = field(default_factory=list)
    truncated: bool = False
    """The last reply stopped before it finished."""
    cut_at_context: bool = False
    """... at the edge of the model's context (else at the output limit)."""
    constrained: bool = False
    """The last reply was decoded under the reply schema."""
    output_format: str = ""
    """How the last summary-JSON call asked for its shape (LlmReply.output_format)."""
    last_estimate: int = 0
    """Our token estimate of the last request (to compare with what a server counted)."""

    def complete(
        self, system: str, user: str, max_output_tokens: int, schema: Mapping[str, Any] | None = None
    ) -> str:
        if self.calls >= self.budget.max_llm_calls:
            raise CallBoundExceeded(
                f"the call needs more than {self.budget.max_llm_calls} LLM calls (the configured bound)"
            )
        self.calls += 1
        self.last_estimate = estimate_tokens(system) + estimate_tokens(user)
        if schema is None:
            reply = self.provider.complete(system, user, max_output_tokens=max_output_tokens)
        else:
            reply = self.provider.complete(system, user, max_output_tokens=max_output_tokens, schema=schema)
            self.output_format = reply.output_format or self.output_format
        self.replies.append(reply.text)
        self.input_tokens += reply.input_tokens
        self.output_tokens += reply.output_tokens
        self.model = reply.model or self.model
        self.truncated = reply.truncated
        self.cut_at_context = reply.cut_at_context
        self.constrained = reply.constrained
        return reply.text

    @property
    def usage(self) -> Usage:
        return Usage(llm_calls=self.calls, input_tokens=self.input_tokens, output_tokens=self.output_tokens)


class CallBoundExceeded(Exception):
    pass


@dataclass(frozen=True)
class MapReducePlan:
    chunks: list[list[Turn]]
    planned_calls: int
    notes_per_call: int
    notes_words: int
    error: str = ""


def plan_map_reduce(turns: list[Turn], prompts: PromptSet, system: str, budget: Budget) -> MapReducePlan:
    """Chunks and the worst-case call count, checked against the bound before any call is made."""
    notes_words = max(20, int(budget.notes_max_tokens / _TOKENS_PER_WORD))
    system_tokens = estimate_tokens(system)
    empty_chunk_prompt = prompts.render(
        TemplateName.CHUNK_NOTES, transcript=fence(""), part=999, parts=999, max_words=notes_words
    )
    room = budget.max_input_tokens - system_tokens - estimate_tokens(empty_chunk_prompt) - _SAFETY_TOKENS
    if room < MIN_CHUNK_TOKENS:
        return MapReducePlan(
            [],
            0,
            0,
            notes_words,
            error=(
                f"max input tokens {budget.max_input_tokens} leave {room} tokens for transcript "
                f"per call after the prompt; at least {MIN_CHUNK_TOKENS} are needed"
            ),
        )
    chunks = chunk_turns(turns, room)
    empty_combine = prompts.render(TemplateName.COMBINE, notes=[])
    reduce_room = budget.max_input_tokens - system_tokens - estimate_tokens(empty_combine) - _SAFETY_TOKENS
    per_note = budget.notes_max_tokens + 8  # the "[part n]" line around each note
    notes_per_call = reduce_room // per_note
    if notes_per_call < 2:
        return MapReducePlan(
            chunks,
            0,
            notes_per_call,
            notes_words,
            error=(
                f"max input tokens {budget.max_input_tokens} cannot hold two chunk notes of "
                f"{budget.notes_max_tokens} tokens in one combine call"
            ),
        )
    planned = len(chunks) + reduce_plan_calls(len(chunks), notes_per_call) + 1  # + the repair attempt
    if planned > budget.max_llm_calls:
        return MapReducePlan(
            chunks,
            planned,
            notes_per_call,
            notes_words,
            error=(
                f"the call needs up to {planned} LLM calls ({len(chunks)} chunks) but the bound is "
                f"{budget.max_llm_calls}; raise the max input tokens or the call bound"
            ),
        )
    return MapReducePlan(chunks, planned, notes_per_call, notes_words)


def run_map_reduce(
    run: LlmRun, prompts: PromptSet, system: str, plan: MapReducePlan, schema: Mapping[str, Any] | None = None
) -> tuple[str, str]:
    """Notes per chunk (plain text), merged level by level until one combine call takes them and
    answers the summary JSON under `schema`; (combine prompt, reply)."""
    budget = run.budget
    notes: list[str] = []
    for index, chunk in enumerate(plan.chunks, start=1):
        user = prompts.render(
            TemplateName.CHUNK_NOTES,
            transcript=fence(transcript_lines(chunk)),
            part=index,
            parts=len(plan.chunks),
            max_words=plan.notes_words,
        )
        notes.append(neutralize_fences(run.complete(system, user, budget.notes_max_tokens)).strip())
    while len(notes) > 1 and not fits_budget(
        prompts.render(TemplateName.COMBINE, notes=notes), system, budget
    ):
        merged: list[str] = []
        for group in groups_of(notes, plan.notes_per_call):
            if len(group) == 1:
                merged.append(group[0])
                continue
            user = prompts.render(TemplateName.MERGE_NOTES, notes=group, max_words=plan.notes_words)
            merged.append(neutralize_fences(run.complete(system, user, budget.notes_max_tokens)).strip())
        notes = merged
    user = prompts.render(TemplateName.COMBINE, notes=notes)
    return user, run.complete(system, user, budget.max_output_tokens, schema)


def fits_budget(user: str, system: str, budget: Budget) -> bool:
    return estimate_tokens(system) + estimate_tokens(user) <= budget.max_input_tokens


def groups_of(notes: list[str], size: int) -> list[list[str]]:
    return [notes[index : index + size] for index in range(0, len(notes), size)]
