"""Token estimate, per-model budgets and chunking on turn boundaries."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from callrecap.domain.models import Turn
from callrecap.domain.summaries.chunking import (
    DEFAULT_MAX_INPUT_TOKENS,
    Budget,
    chunk_turns,
    estimate_tokens,
    input_budget_for,
    reduce_plan_calls,
    turn_tokens,
)


def test_estimate_is_chars_over_four_rounded_up() -> None:
    assert estimate_tokens("") == 0
    assert estimate_tokens("abcd") == 1
    assert estimate_tokens("abcde") == 2


@pytest.mark.parametrize(
    ("model", "tokens"),
    [
        ("anthropic.claude-3-haiku-20240307-v1:0", 150_000),
        ("us.anthropic.claude-3-5-sonnet-20241022-v2:0", 150_000),
        ("amazon.nova-micro-v1:0", 100_000),
        ("amazon.nova-lite-v1:0", 250_000),
        ("meta.llama3-8b-instruct-v1:0", 6_000),
        ("meta.llama3-1-70b-instruct-v1:0", 100_000),
        ("my-local-model", DEFAULT_MAX_INPUT_TOKENS),
    ],
)
def test_budget_table(model: str, tokens: int) -> None:
    assert input_budget_for(model) == tokens


def test_override_wins() -> None:
    assert input_budget_for("anthropic.claude-3-haiku", 500) == 500
    budget = Budget.for_model("anthropic.claude-3-haiku", 1000)
    assert budget.max_input_tokens == 1000
    assert 2 * budget.notes_max_tokens < budget.max_input_tokens


def test_chunks_cut_on_turn_boundaries() -> None:
    turns = [Turn("AGENT" if i % 2 else "CUSTOMER", f"Sentence number {i} here.") for i in range(40)]
    chunks = chunk_turns(turns, 60)
    assert len(chunks) > 1
    assert [turn for chunk in chunks for turn in chunk] == turns
    assert all(sum(turn_tokens(t) for t in chunk) <= 60 for chunk in chunks)


def test_a_long_turn_is_split_on_sentences() -> None:
    text = " ".join(f"This is sentence {i} of a long monologue." for i in range(30))
    chunks = chunk_turns([Turn("AGENT", text, 1.0, 2.0)], 50)
    pieces = [turn for chunk in chunks for turn in chunk]
    assert len(pieces) > 1
    assert all(piece.speaker == "AGENT" and piece.text.endswith(".") for piece in pieces)
    assert " ".join(piece.text for piece in pieces) == text


def test_a_sentence_without_punctuation_is_split_on_words() -> None:
    text = "word " * 400
    chunks = chunk_turns([Turn("CUSTOMER", text)], 30)
    assert all(sum(turn_tokens(t) for t in chunk) <= 30 for chunk in chunks)
    assert " ".join(t.text for chunk in chunks for t in chunk).split() == text.split()


@given(
    st.lists(
        st.tuples(st.sampled_from(["AGENT", "CUSTOMER"]), st.text(min_size=1, max_size=300)), max_size=30
    ),
    st.integers(min_value=10, max_value=200),
)
def test_no_chunk_overflows_and_nothing_is_lost(raw: list[tuple[str, str]], limit: int) -> None:
    turns = [Turn(speaker, text) for speaker, text in raw]
    chunks = chunk_turns(turns, limit)
    assert all(sum(turn_tokens(t) for t in chunk) <= limit for chunk in chunks)
    kept = "".join("".join(t.text.split()) for c in chunks for t in c)
    assert kept == "".join("".join(text.split()) for _, text in raw)


def test_reduce_plan_is_hierarchical() -> None:
    assert reduce_plan_calls(3, 5) == 1  # one combine
    assert reduce_plan_calls(10, 5) == 2 + 1  # two merges, one combine
    assert reduce_plan_calls(100, 4) == 25 + 7 + 2 + 1
    with pytest.raises(ValueError):
        reduce_plan_calls(3, 1)


def test_every_priced_bedrock_model_has_a_context_window_its_budget_fits() -> None:
    """The models of the price table (domain/summaries/cost.py) are the ones a deployment is
    expected to pick: each has a known window, and its input budget plus the output fits it."""
    from callrecap.domain.summaries.chunking import (
        DEFAULT_MAX_OUTPUT_TOKENS,
        context_window_for,
        input_budget_for,
    )
    from callrecap.domain.summaries.cost import DEFAULT_PRICES

    for model in DEFAULT_PRICES:
        window = context_window_for(model)
        assert window > 0, model
        assert input_budget_for(model) + DEFAULT_MAX_OUTPUT_TOKENS < window, model
        assert context_window_for(f"us.{model}") == window  # an inference profile id too
