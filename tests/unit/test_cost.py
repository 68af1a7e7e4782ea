"""Price table: defaults, config override, model id matching, extractive is free."""

from __future__ import annotations

import pytest

from callrecap.domain.summaries.cost import DEFAULT_PRICES, Price, PriceTable, PriceTableError


def test_default_bedrock_price() -> None:
    table = PriceTable()
    cost = table.estimate_usd("bedrock", "anthropic.claude-3-haiku-20240307-v1:0", 4000, 500)
    assert cost == pytest.approx(4 * 0.00025 + 0.5 * 0.00125)


def test_cross_region_inference_profile_is_priced_like_the_model() -> None:
    table = PriceTable()
    assert table.lookup("us.amazon.nova-lite-v1:0") == DEFAULT_PRICES["amazon.nova-lite-v1:0"]
    assert table.lookup("amazon.nova-lite-v1:0:300k") == DEFAULT_PRICES["amazon.nova-lite-v1:0"]


def test_extractive_costs_nothing_even_with_tokens() -> None:
    assert PriceTable().estimate_usd("extractive", "extractive", 10_000, 10_000) == 0.0
    assert PriceTable().knows("extractive", "anything")


def test_unknown_model_is_estimated_zero_and_reported_unknown() -> None:
    table = PriceTable()
    assert table.estimate_usd("openai", "my-local-llama", 1000, 1000) == 0.0
    assert not table.knows("openai", "my-local-llama")


def test_override_replaces_and_extends_defaults() -> None:
    table = PriceTable.from_json(
        '{"amazon.nova-lite-v1:0": {"input": 1, "output": 2}, "my-local-llama": {"input": 0.5}}'
    )
    assert table.lookup("amazon.nova-lite-v1:0") == Price(1.0, 2.0)
    assert table.lookup("my-local-llama") == Price(0.5, 0.0)
    assert table.lookup("anthropic.claude-3-haiku-20240307-v1:0") is not None
    assert table.estimate_usd("openai", "my-local-llama", 2000, 100) == 1.0


def test_empty_override_means_defaults() -> None:
    assert PriceTable.from_json("  ").prices == DEFAULT_PRICES


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "JSON object"),
        ('{"m": 3}', '"input": number'),
        ('{"m": {"input": "cheap"}}', "must be a number"),
        ('{"m": {"input": -1}}', "negative"),
        ('{"m": {"inputs": 1}}', '"input": number'),
        ('{"m": {"input": true}}', "must be a number"),
    ],
)
def test_invalid_override_is_a_clear_error(raw: str, message: str) -> None:
    with pytest.raises(PriceTableError, match=message):
        PriceTable.from_json(raw)
