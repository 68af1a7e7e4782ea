"""Token budgets and cutting long transcripts into chunks for map-reduce.

Token counts are ESTIMATES: `ceil(characters / 4)`, the usual rule of thumb for English text
with BPE tokenizers (Claude, Llama, GPT all land near 3.5-4.5 characters a token on call
transcripts). It costs nothing and needs no tokenizer in the Lambda package; the budgets in
`MODEL_LIMITS` are set well below each model's context window so the estimate's error
(typically ±15%) cannot overflow it. Reported usage comes from the provider, not from here.

The budget of a model is the first entry of `MODEL_LIMITS` whose key occurs in the model
id (so `us.anthropic.claude-3-haiku...` matches `anthropic.claude`), else
`DEFAULT_MAX_INPUT_TOKENS`; `Settings.max_input_tokens` (CALLRECAP_MAX_INPUT_TOKENS) or the CLI's
`--max-input-tokens` replaces it, e.g. to force map-reduce in a test.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from callrecap.domain.models import Turn

CHARS_PER_TOKEN = 4

DEFAULT_MAX_INPUT_TOKENS = 6_000
"""For models we know nothing about (e.g. a self-hosted 8k-context model behind `openai`)."""

MODEL_LIMITS: tuple[tuple[str, int, int], ...] = (
    # (substring of the model id, input tokens per call, context window in tokens from the
    # model's card; 0: not known here); first match wins, so specific first.
    ("anthropic.claude-instant", 80_000, 100_000),
    ("anthropic.claude", 150_000, 200_000),
    ("amazon.nova-micro", 100_000, 128_000),
    ("amazon.nova", 250_000, 300_000),
    ("amazon.titan-text-premier", 24_000, 32_000),
    ("amazon.titan-text", 6_000, 8_000),
    ("meta.llama3-8b", 6_000, 8_000),
    ("meta.llama3-70b", 6_000, 8_000),
    ("meta.llama3", 100_000, 128_000),  # 3.1+
    ("meta.llama4", 100_000, 128_000),
    ("mistral.mistral-7b", 24_000, 32_000),
    ("mistral.mixtral", 24_000, 32_000),
    ("mistral.mistral-small", 24_000, 32_000),
    ("mistral.", 100_000, 128_000),  # large
    ("cohere.command-r", 100_000, 128_000),
    ("deepseek", 100_000, 128_000),
    ("gpt-4o", 100_000, 0),
    ("gpt-4.1", 100_000, 0),
    ("gpt-3.5", 12_000, 0),
)
"""Input budgets are set well below each window so the chars/4 estimate cannot overflow it; the
window is what a Bedrock provider reports as its context_window() (Bedrock has no endpoint that
says), so the budget for input + output fits the model."""

CONTEXT_MARGIN = 0.8
"""Share of a known context window (after the output) the estimated input may use: the chars/4
estimate is off by about 15 % on call transcripts, and by more on a small model's tokenizer."""


def _limits_of(model: str) -> tuple[int, int] | None:
    model_id = model.lower()
    return next(((budget, window) for key, budget, window in MODEL_LIMITS if key in model_id), None)


def context_window_for(model: str) -> int:
    """The known context window of `model` (MODEL_LIMITS), 0 when unknown."""
    limits = _limits_of(model)
    return limits[1] if limits else 0


DEFAULT_MAX_OUTPUT_TOKENS = 1_024
DEFAULT_NOTES_MAX_TOKENS = 400
DEFAULT_MAX_LLM_CALLS = 40
MIN_CHUNK_TOKENS = 40
"""Below this, a chunk holds too little transcript to be worth an LLM call: the budget is too small."""

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def estimate_tokens(text: str) -> int:
    """The chars/4 estimate described in the module docstring."""
    return math.ceil(len(text) / CHARS_PER_TOKEN)


def input_budget_for(model: str, override: int = 0) -> int:
    """Input tokens allowed in one call to `model`; `override` > 0 wins (settings or CLI)."""
    if override > 0:
        return override
    limits = _limits_of(model)
    return limits[0] if limits else DEFAULT_MAX_INPUT_TOKENS


@dataclass(frozen=True)
class Budget:
    """What the engine may spend on one summary.

    `max_llm_calls` bounds EVERY model call of one summary (map, merge, combine and the repair
    attempt); a transcript whose plan would need more fails up front, before any call is made.
    """

    max_input_tokens: int = DEFAULT_MAX_INPUT_TOKENS
    max_output_tokens: int = DEFAULT_MAX_OUTPUT_TOKENS
    notes_max_tokens: int = DEFAULT_NOTES_MAX_TOKENS
    max_llm_calls: int = DEFAULT_MAX_LLM_CALLS
    input_pinned: bool = False
    """max_input_tokens was set by the operator (setting or CLI): a known context window may
    lower it, never raise it."""
    context_tokens: int = 0
    """The model's context window this budget was fitted to (0: not known)."""

    def fitted(self, window: int, *, tokens_per_estimate: float = 1.0) -> Budget:
        """This budget within a context of `window` tokens: output first (a quarter of the window
        at most), the input the rest less a margin for the chars/4 estimate's error, scaled by
        `tokens_per_estimate` when the server told us how far off the estimate was. The input
        budget grows to the window too, unless the operator pinned it."""
        if window <= 0:
            return self
        output = max(64, min(self.max_output_tokens, window // 4))
        room = int((window - output) * CONTEXT_MARGIN / max(1.0, tokens_per_estimate))
        max_input = max(1, min(self.max_input_tokens, room) if self.input_pinned else room)
        notes = max(32, min(self.notes_max_tokens, max_input // 5, output))
        return replace(
            self,
            max_input_tokens=max_input,
            max_output_tokens=output,
            notes_max_tokens=notes,
            context_tokens=window,
        )

    @classmethod
    def for_model(
        cls, model: str, override: int = 0, *, max_llm_calls: int = DEFAULT_MAX_LLM_CALLS
    ) -> Budget:
        max_input = input_budget_for(model, override)
        # Small forced budgets get proportionally small notes so the reduce step can still fit
        # at least two notes in one call.
        notes = max(64, min(DEFAULT_NOTES_MAX_TOKENS, max_input // 5))
        return cls(
            max_input_tokens=max_input,
            notes_max_tokens=notes,
            max_llm_calls=max_llm_calls,
            input_pinned=override > 0,
        )


def turn_tokens(turn: Turn) -> int:
    """Estimated tokens of one rendered `SPEAKER: text` line including its newline."""
    return estimate_tokens(f"{turn.speaker}: {turn.text}\n")


def chunk_turns(turns: Sequence[Turn], max_tokens: int) -> list[list[Turn]]:
    """Consecutive chunks of at most `max_tokens` (estimated), cut between turns.

    A turn longer than a chunk is split on sentence boundaries (and a sentence longer than a
    chunk on word boundaries), each piece keeping its speaker, so no chunk overflows.
    """
    if max_tokens < 1:
        raise ValueError("max_tokens must be positive")
    chunks: list[list[Turn]] = []
    current: list[Turn] = []
    used = 0
    for turn in turns:
        for piece in _fit_turn(turn, max_tokens):
            size = turn_tokens(piece)
            if current and used + size > max_tokens:
                chunks.append(current)
                current, used = [], 0
            current.append(piece)
            used += size
    if current:
        chunks.append(current)
    return chunks


def _fit_turn(turn: Turn, max_tokens: int) -> list[Turn]:
    if turn_tokens(turn) <= max_tokens:
        return [turn]
    label_tokens = estimate_tokens(f"{turn.speaker}: \n")
    room_chars = max(1, (max_tokens - label_tokens) * CHARS_PER_TOKEN)
    pieces: list[str] = []
    current = ""
    for unit in _units(turn.text, room_chars):
        candidate = f"{current} {unit}" if current else unit
        if len(candidate) <= room_chars:
            current = candidate
        else:
            if current:
                pieces.append(current)
            current = unit
    if current:
        pieces.append(current)
    return [Turn(turn.speaker, piece, turn.start_time, turn.end_time) for piece in pieces]


def _units(text: str, room_chars: int) -> list[str]:
    """Sentences; a sentence longer than the room is cut on words, a longer word on characters."""
    units: list[str] = []
    for sentence in _SENTENCE_END.split(text):
        if len(sentence) <= room_chars:
            units.append(sentence)
            continue
        for word in sentence.split():
            units.extend(word[i : i + room_chars] for i in range(0, len(word), room_chars))
    return [unit for unit in units if unit]


def reduce_plan_calls(note_count: int, notes_per_call: int) -> int:
    """Worst-case merge + combine calls for `note_count` notes when one call takes `notes_per_call`.

    Notes are merged in groups level by level (hierarchical reduce) until one combine call can
    take them all; every merge call shrinks the count, so the number of levels is logarithmic.
    """
    if notes_per_call < 2:
        raise ValueError("a reduce call must take at least two notes")
    calls = 0
    remaining = note_count
    while remaining > notes_per_call:
        remaining = math.ceil(remaining / notes_per_call)
        calls += remaining
    return calls + 1
