"""The provider-agnostic summarizing engine: transcript turns in, validated sections out.

One entry point, `summarize`, for the three kinds of provider:
- an `LlmProvider` (bedrock, openai): ONE call returning every section as JSON when the prompt
  fits the budget, otherwise map-reduce (notes per chunk, hierarchical merge of the notes if they
  do not fit one call, one combine call returning the JSON); one repair attempt if the JSON is
  unusable. Every call counts against `Budget.max_llm_calls`, checked before the first call;
- a `CallSummarizer` (lambda): one request with the whole transcript and the rendered prompt;
- a `SectionSummarizer` (extractive): fills the sections itself, no prompt, no tokens.

Nothing here raises for a bad transcript, a failing provider or an unusable reply: the result
carries `error` (and the raw reply) so the service can store the summary as FAILED. An empty
summary is never returned as a success.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any, cast

from callrecap.contracts import FailureReason
from callrecap.domain.models import SectionSpec, Turn, Usage
from callrecap.domain.ports import (
    CallSummarizer,
    ContextExceeded,
    DelegatedSummaryRequest,
    LlmProvider,
    ProviderError,
    SectionSummarizer,
)
from callrecap.domain.summaries.chunking import (
    CHARS_PER_TOKEN,
    Budget,
    estimate_tokens,
)
from callrecap.domain.summaries.map_reduce import (
    CallBoundExceeded,
    LlmRun,
    plan_map_reduce,
    run_map_reduce,
)
from callrecap.domain.summaries.output import OutputError, extract_json_object, parse_reply, validate_sections
from callrecap.domain.summaries.prompts import (
    PromptError,
    PromptSet,
    TemplateName,
    fence,
    merge_turns,
    neutralize_fences,
    transcript_lines,
)
from callrecap.domain.summaries.reply_schema import reply_schema

AnyProvider = LlmProvider | CallSummarizer | SectionSummarizer


class Strategy(StrEnum):
    SINGLE = "single"
    MAP_REDUCE = "map-reduce"
    DELEGATED = "delegated"
    EXTRACTIVE = "extractive"


@dataclass(frozen=True)
class EngineResult:
    """Everything the service stores about one summarizing run (success when `error` is empty)."""

    sections: dict[str, Any]
    usage: Usage
    prompt_hash: str
    model: str
    provider: str
    strategy: Strategy
    raw_reply: str = ""
    error: str = ""
    failure: FailureReason | None = None
    """Why the run failed (stored as the FAILED version's failureReason); the provider's own typed
    cause (ProviderError.reason) when the provider failed."""
    retryable: bool = False
    chunks: int = 0
    planned_llm_calls: int = 0
    """Worst-case calls of the plan (map-reduce) — `usage.llm_calls` is what was actually made."""
    output_format: str = ""
    """How the provider asked for the summary's shape (LlmReply.output_format), "" when it has no
    such thing (extractive, lambda)."""
    repaired: bool = False
    """The first reply was unusable and the repair request was made."""
    pii_redactions: Mapping[str, int] = field(default_factory=dict)
    """PII found and replaced by tags before the provider saw the transcript (domain.pii), by type."""

    @property
    def ok(self) -> bool:
        return not self.error

    @property
    def failure_reason(self) -> str:
        """contracts.FailureReason of a failed run ("" when it succeeded)."""
        if not self.error:
            return ""
        return str(self.failure or FailureReason.PROVIDER_ERROR)


def summarize(
    turns: Sequence[Turn],
    provider: AnyProvider,
    prompts: PromptSet,
    budget: Budget | None = None,
    *,
    call_id: str = "",
) -> EngineResult:
    """Summarize `turns` into the sections of `prompts` with `provider` (see module docstring)."""
    budget = budget or Budget()
    merged = merge_turns(turns)

    def failure(kind: FailureReason, message: str, **extra: Any) -> EngineResult:
        return EngineResult(
            sections={},
            usage=extra.pop("usage", Usage()),
            prompt_hash=prompts.prompt_hash,
            model=extra.pop("model", "") or provider.model,
            provider=provider.name,
            strategy=extra.pop("strategy", Strategy.SINGLE),
            error=message,
            failure=kind,
            **extra,
        )

    if not merged:
        return failure(FailureReason.TRANSCRIPT_EMPTY, "the transcript has no speech to summarize")
    try:
        if hasattr(provider, "summarize_sections"):
            return _extractive(merged, cast(SectionSummarizer, provider), prompts)
        if hasattr(provider, "summarize_call"):
            return _delegated(merged, cast(CallSummarizer, provider), prompts, call_id)
        return _with_llm(merged, cast(LlmProvider, provider), prompts, budget)
    except PromptError as error:
        return failure(FailureReason.PROVIDER_ERROR, str(error))
    except ProviderError as error:
        return failure(
            FailureReason(error.reason),
            f"{provider.name} failed: {error}",
            retryable=error.retryable,
        )
    except Exception as error:  # noqa: BLE001 (a provider bug must become a FAILED summary, not a crash)
        return failure(
            FailureReason.PROVIDER_ERROR, f"{provider.name} failed: {type(error).__name__}: {error}"
        )


def _extractive(turns: list[Turn], provider: SectionSummarizer, prompts: PromptSet) -> EngineResult:
    produced = provider.summarize_sections(turns, list(prompts.sections))
    checked = validate_sections(produced, prompts.sections)
    common: dict[str, Any] = {
        "usage": Usage(),
        "prompt_hash": prompts.prompt_hash,
        "model": provider.model,
        "provider": provider.name,
        "strategy": Strategy.EXTRACTIVE,
    }
    if isinstance(checked, OutputError):
        return EngineResult(
            sections={},
            raw_reply=_json_preview(produced),
            error=f"extractive summarizer output is invalid: {checked.message}",
            failure=FailureReason.INVALID_OUTPUT,
            **common,
        )
    return EngineResult(sections=checked, **common)


def _delegated(turns: list[Turn], provider: CallSummarizer, prompts: PromptSet, call_id: str) -> EngineResult:
    lines = transcript_lines(turns)
    request = DelegatedSummaryRequest(
        call_id=call_id,
        transcript=lines,
        system=prompts.render(TemplateName.SYSTEM),
        user=prompts.render(TemplateName.SUMMARIZE, transcript=fence(lines)),
        sections=prompts.sections,
    )
    reply = provider.summarize_call(request)
    usage = Usage(
        llm_calls=reply.llm_calls, input_tokens=reply.input_tokens, output_tokens=reply.output_tokens
    )
    common: dict[str, Any] = {
        "usage": usage,
        "prompt_hash": prompts.prompt_hash,
        "model": reply.model or provider.model,
        "provider": provider.name,
        "strategy": Strategy.DELEGATED,
        "raw_reply": reply.raw,
    }
    if reply.sections is not None:
        checked = validate_sections(reply.sections, prompts.sections)
    else:
        checked = _lca_text_sections(reply.text, prompts.sections)
    if isinstance(checked, OutputError):
        return EngineResult(
            sections={},
            error=f"{provider.name} reply is invalid: {checked.message}",
            failure=FailureReason.INVALID_OUTPUT,
            **common,
        )
    return EngineResult(sections=checked, **common)


def _lca_text_sections(text: str, sections: Sequence[SectionSpec]) -> dict[str, Any] | OutputError:
    """LCA's `{"summary": ...}`: a JSON object of sections (any key case) or plain text.

    LCA's own prompts ask for other sections, so only the ones we know are kept and missing ones
    are left out; plain text becomes the first text section (normally `summary`).
    """
    if not text.strip():
        return OutputError("the summary is empty")
    found = extract_json_object(text)
    if isinstance(found, dict):
        kept: dict[str, Any] = {}
        for spec in sections:
            one = validate_sections(found, [spec])
            if isinstance(one, dict):
                kept.update(one)
        if kept:
            return kept
    text_section = next((spec.name for spec in sections if spec.type.value == "text"), None)
    if text_section is None:
        return OutputError("a plain-text summary needs a text section in the section list")
    return {text_section: text.strip()}


def _with_llm(turns: list[Turn], provider: LlmProvider, prompts: PromptSet, budget: Budget) -> EngineResult:
    run = LlmRun(provider=provider, budget=budget.fitted(provider.context_window()), model=provider.model)
    schema = reply_schema(prompts.sections)
    shape = _Shape()
    try:
        try:
            return _attempt(run, turns, prompts, schema, shape, replanned=False)
        except ContextExceeded as error:
            # The server's window is smaller than we planned for: once, within what it reported,
            # correcting our token estimate by what it counted, and always map-reduce.
            known = run.budget.context_tokens or run.budget.max_input_tokens
            limit = error.limit or max(256, known // 2)
            counted, estimated = error.prompt_tokens, run.last_estimate
            ratio = counted / estimated if counted and estimated else 1.0
            run.budget = replace(run.budget, input_pinned=True).fitted(limit, tokens_per_estimate=ratio)
            return _attempt(run, turns, prompts, schema, shape, replanned=True)
    except ContextExceeded as error:
        return _result(
            run,
            prompts,
            shape.strategy,
            error=f"the model's context was exceeded again after re-planning within it: {error}",
            kind=FailureReason.TOO_LONG,
            chunks=shape.chunks,
            planned=shape.planned,
        )
    except CallBoundExceeded as error:
        return _result(
            run,
            prompts,
            shape.strategy,
            error=str(error),
            kind=FailureReason.TOO_LONG,
            chunks=shape.chunks,
            planned=shape.planned,
            raw_reply=run.replies[-1] if run.replies else "",
        )
    except ProviderError as error:
        return _result(
            run,
            prompts,
            shape.strategy,
            error=f"{provider.name} failed: {error}",
            kind=FailureReason(error.reason),
            retryable=error.retryable,
            chunks=shape.chunks,
            planned=shape.planned,
        )


@dataclass
class _Shape:
    """How the run was planned, for the result whichever way it ends."""

    strategy: Strategy = Strategy.SINGLE
    chunks: int = 0
    planned: int = 2  # one call and its repair
    repaired: bool = False


def _attempt(
    run: LlmRun,
    turns: list[Turn],
    prompts: PromptSet,
    schema: dict[str, Any],
    shape: _Shape,
    *,
    replanned: bool,
) -> EngineResult:
    """One plan carried out: a single call (or map-reduce), then the repair for plain-text replies."""
    budget = run.budget
    system = prompts.render(TemplateName.SYSTEM)
    user = prompts.render(TemplateName.SUMMARIZE, transcript=fence(transcript_lines(turns)))
    if not replanned and estimate_tokens(system) + estimate_tokens(user) <= budget.max_input_tokens:
        reply = run.complete(system, user, budget.max_output_tokens, schema)
    else:
        shape.strategy = Strategy.MAP_REDUCE
        plan = plan_map_reduce(turns, prompts, system, budget)
        shape.chunks, shape.planned = len(plan.chunks), plan.planned_calls
        if plan.error:
            return _result(
                run,
                prompts,
                shape.strategy,
                error=plan.error,
                kind=FailureReason.TOO_LONG,
                chunks=shape.chunks,
                planned=shape.planned,
            )
        user, reply = run_map_reduce(run, prompts, system, plan, schema)
    parsed = parse_reply(reply, prompts.sections, last_attempt=run.constrained)
    if isinstance(parsed, OutputError) and not run.constrained:
        # The repair is for replies no decoder constrained: one under the schema cannot do better.
        shape.repaired = True
        repair = _repair_prompt(prompts, system, user, reply, parsed.message, budget)
        reply = run.complete(system, repair, budget.max_output_tokens, schema)
        parsed = parse_reply(reply, prompts.sections, last_attempt=True)
    if isinstance(parsed, OutputError):
        after = "after one repair attempt" if shape.repaired else "under the reply schema"
        return _result(
            run,
            prompts,
            shape.strategy,
            raw_reply=reply,
            chunks=shape.chunks,
            planned=shape.planned,
            repaired=shape.repaired,
            error=f"model reply is invalid {after}: {parsed.message}{_cut_note(run)}",
            kind=FailureReason.INVALID_OUTPUT,
        )
    return _result(
        run,
        prompts,
        shape.strategy,
        sections=parsed,
        raw_reply=reply,
        chunks=shape.chunks,
        planned=shape.planned,
        repaired=shape.repaired,
    )


def _cut_note(run: LlmRun) -> str:
    if not run.truncated:
        return ""
    if run.cut_at_context:
        return " (the reply was cut at the model's context limit)"
    return " (the reply was cut at the output token limit)"


def _repair_prompt(
    prompts: PromptSet, system: str, user: str, reply: str, problem: str, budget: Budget
) -> str:
    """The repair request, with as much of the previous reply as still fits the input budget (a
    reply echoed to the token cap would otherwise push the request past the context)."""
    previous = neutralize_fences(reply)
    without = prompts.render(TemplateName.REPAIR, original_prompt=user, previous_reply="", error=problem)
    room = budget.max_input_tokens - estimate_tokens(system) - estimate_tokens(without)
    keep = max(0, room) * CHARS_PER_TOKEN
    if len(previous) > keep:
        previous = previous[:keep]
    return prompts.render(TemplateName.REPAIR, original_prompt=user, previous_reply=previous, error=problem)


def _result(
    run: LlmRun,
    prompts: PromptSet,
    strategy: Strategy,
    *,
    sections: dict[str, Any] | None = None,
    raw_reply: str = "",
    error: str = "",
    kind: FailureReason | None = None,
    retryable: bool = False,
    chunks: int = 0,
    planned: int = 0,
    repaired: bool = False,
) -> EngineResult:
    return EngineResult(
        sections=sections or {},
        usage=run.usage,
        prompt_hash=prompts.prompt_hash,
        model=run.model,
        provider=run.provider.name,
        strategy=strategy,
        raw_reply=raw_reply,
        error=error,
        failure=kind,
        retryable=retryable,
        chunks=chunks,
        planned_llm_calls=planned,
        output_format=run.output_format,
        repaired=repaired,
    )


def _json_preview(value: Any) -> str:
    import json

    try:
        return json.dumps(value, ensure_ascii=False, default=str)[:4000]
    except (TypeError, ValueError):
        return repr(value)[:4000]
