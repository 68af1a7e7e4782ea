"""Estimated LLM cost of a summary, from a price table in USD per 1,000 tokens.

The estimate is stored on every summary (`estimatedCostUsd`) and emitted as a metric so that a
team can see what summaries cost per provider and model. Prices change and differ by region and
contract, so the defaults below are a starting point: `Settings.price_table_json`
(CALLRECAP_PRICE_TABLE) overrides or extends them without a code change. The offline extractive
summarizer costs nothing; a model missing from the table is estimated at 0 and reported by
`PriceTable.knows` so callers can log it instead of inventing a price.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

EXTRACTIVE_PROVIDER = "extractive"

CROSS_REGION_PREFIXES: tuple[str, ...] = ("us.", "eu.", "apac.", "jp.", "au.", "ca.", "us-gov.", "global.")
"""Bedrock inference-profile prefixes: `us.anthropic...` is priced like `anthropic...`."""


@dataclass(frozen=True)
class Price:
    """USD per 1,000 input and output tokens."""

    input_per_1k: float
    output_per_1k: float


DEFAULT_PRICES: Mapping[str, Price] = {
    # Bedrock on-demand list prices (us-east-1) at the time of writing; override in config.
    "anthropic.claude-3-haiku-20240307-v1:0": Price(0.00025, 0.00125),
    "anthropic.claude-3-5-haiku-20241022-v1:0": Price(0.0008, 0.004),
    "anthropic.claude-3-5-sonnet-20240620-v1:0": Price(0.003, 0.015),
    "anthropic.claude-3-5-sonnet-20241022-v2:0": Price(0.003, 0.015),
    "anthropic.claude-3-7-sonnet-20250219-v1:0": Price(0.003, 0.015),
    "amazon.nova-micro-v1:0": Price(0.000035, 0.00014),
    "amazon.nova-lite-v1:0": Price(0.00006, 0.00024),
    "amazon.nova-pro-v1:0": Price(0.0008, 0.0032),
    "meta.llama3-1-8b-instruct-v1:0": Price(0.00022, 0.00022),
    "meta.llama3-1-70b-instruct-v1:0": Price(0.00072, 0.00072),
    "mistral.mistral-small-2402-v1:0": Price(0.001, 0.003),
}


class PriceTableError(ValueError):
    """The configured price table is not valid JSON of the documented shape."""


@dataclass(frozen=True)
class PriceTable:
    prices: Mapping[str, Price] = field(default_factory=lambda: dict(DEFAULT_PRICES))

    @classmethod
    def from_json(cls, raw: str, *, base: Mapping[str, Price] = DEFAULT_PRICES) -> PriceTable:
        """Defaults overridden/extended by `{"model-id": {"input": USD/1k, "output": USD/1k}}`."""
        prices = dict(base)
        if not raw.strip():
            return cls(prices)
        try:
            parsed: Any = json.loads(raw)
        except json.JSONDecodeError as error:
            raise PriceTableError(f"price table is not valid JSON: {error.msg}") from error
        if not isinstance(parsed, dict):
            raise PriceTableError("price table must be a JSON object keyed by model id")
        for model, entry in parsed.items():
            prices[str(model)] = _parse_price(str(model), entry)
        return cls(prices)

    def lookup(self, model: str) -> Price | None:
        """Exact id, then the id without a cross-region prefix, then the longest key prefix."""
        if not model:
            return None
        candidates = [model]
        for prefix in CROSS_REGION_PREFIXES:
            if model.startswith(prefix):
                candidates.append(model[len(prefix) :])
        for candidate in candidates:
            if candidate in self.prices:
                return self.prices[candidate]
        best: str | None = None
        for candidate in candidates:
            for key in self.prices:
                if candidate.startswith(key) and (best is None or len(key) > len(best)):
                    best = key
        return self.prices[best] if best is not None else None

    def knows(self, provider: str, model: str) -> bool:
        return provider == EXTRACTIVE_PROVIDER or self.lookup(model) is not None

    def estimate_usd(self, provider: str, model: str, input_tokens: int, output_tokens: int) -> float:
        """Estimated cost in USD, rounded to a millionth of a dollar; 0 when unpriced or offline."""
        if provider == EXTRACTIVE_PROVIDER:
            return 0.0
        price = self.lookup(model)
        if price is None:
            return 0.0
        cost = input_tokens / 1000 * price.input_per_1k + output_tokens / 1000 * price.output_per_1k
        return round(cost, 6)


def _parse_price(model: str, entry: Any) -> Price:
    if not isinstance(entry, dict) or set(entry) - {"input", "output"} or not entry:
        raise PriceTableError(f'price of {model!r} must be {{"input": number, "output": number}}')
    values: list[float] = []
    for key in ("input", "output"):
        value = entry.get(key, 0)
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise PriceTableError(f"price {key} of {model!r} must be a number, got {value!r}")
        if value < 0:
            raise PriceTableError(f"price {key} of {model!r} must not be negative")
        values.append(float(value))
    return Price(values[0], values[1])
