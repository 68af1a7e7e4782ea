"""Which summarizer `callrecap eval` runs: the production engine whenever it is available.

The eval must measure what production does, so it goes through the same path as the summarizer
Lambda: `adapters.llm.factory.build_provider` for the provider (bedrock, lambda, openai,
extractive, configured by the same CALLRECAP_* variables), the same prompts/ (or a directory
given with --prompts) and `domain.summary_engine.summarize` with the same token budget. Only if the
engine modules are missing (a partial checkout) does provider `extractive` fall back to calling
`domain.extractive` directly with the default sections.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from callrecap.domain.models import SectionSpec, SectionType, Turn
from callrecap.domain.summaries.extractive import MODEL_ID, PROVIDER_NAME, summarize_extractive


class EvalSetupError(ValueError):
    """The requested provider or prompts cannot be set up (message is user-facing)."""


@dataclass(frozen=True)
class Produced:
    """One summarizer run on one dialog."""

    sections: dict[str, Any]
    provider: str
    model: str
    llm_calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    error: str = ""
    failure_reason: str = ""
    repaired: bool = False
    output_format: str = ""


@dataclass
class DialogSummarizer:
    """A configured summarizer: call it with (dialog id, turns)."""

    provider: str
    model: str
    run: Callable[[str, list[Turn]], Produced]
    path: str
    """"engine" (production path) or "direct" (extractive fallback)."""
    price: Callable[[str, str, int, int], float] = field(default=lambda *_: 0.0)

    def __call__(self, dialog_id: str, turns: list[Turn]) -> Produced:
        return self.run(dialog_id, turns)


FALLBACK_SECTIONS: tuple[SectionSpec, ...] = (
    SectionSpec("summary", "What the call was about and how it ended."),
    SectionSpec("topic", "Main topic."),
    SectionSpec("action_items", "Follow-ups.", SectionType.LIST),
    SectionSpec("resolved", "Resolved?", SectionType.ENUM, ("yes", "no", "unclear")),
    SectionSpec("customer_sentiment", "Sentiment.", SectionType.ENUM, ("positive", "neutral", "negative")),
)
"""Used only by the direct fallback; the engine path reads the sections from prompts/."""


def build_summarizer(
    provider: str | None = None,
    *,
    prompts_dir: str | None = None,
    max_input_tokens: int = 0,
    environ: Mapping[str, str] | None = None,
) -> DialogSummarizer:
    try:
        return _engine_summarizer(provider, prompts_dir, max_input_tokens, environ)
    except ImportError:
        if provider not in (None, PROVIDER_NAME):
            raise EvalSetupError(
                f"provider {provider!r} needs the summarizing engine (callrecap.domain.summaries.engine)"
            ) from None
        return _direct_extractive()


def _engine_summarizer(
    provider_name: str | None,
    prompts_dir: str | None,
    max_input_tokens: int,
    environ: Mapping[str, str] | None,
) -> DialogSummarizer:
    from callrecap.adapters.configured_engine import BoundEngine, build_detector
    from callrecap.adapters.llm.factory import build_budget, build_provider
    from callrecap.adapters.prompt_files import load_prompt_set
    from callrecap.domain.summaries.cost import PriceTable, PriceTableError
    from callrecap.domain.summaries.prompts import FOLLOW_UP_EMAIL_SECTION, PromptError
    from callrecap.settings import Settings, SettingsError

    try:
        settings = Settings.from_env(os.environ if environ is None else environ, require=())
        provider = build_provider(settings, provider_name)
        budget = build_budget(settings, provider, max_input_tokens)
        prices = PriceTable.from_json(settings.price_table_json)
    except (SettingsError, PriceTableError) as error:
        raise EvalSetupError(str(error)) from error
    try:
        prompts = load_prompt_set(prompts_dir or settings.prompts_dir or None)
    except PromptError as error:
        raise EvalSetupError(f"prompts: {error}") from error

    # The production engine around the loaded prompts: PII hidden from the model, the deployment's
    # dispositions and sections, the summary language (adapters.configured_engine).
    engine = BoundEngine(
        provider=provider,
        prompts=_Loaded(prompts),
        budget=budget,
        redact=settings.pii_redact_before_model,
        language=settings.summary_language,
        dispositions=settings.dispositions,
        drop_sections=() if settings.follow_up_email else (FOLLOW_UP_EMAIL_SECTION,),
        detector=build_detector(settings),
    )

    def run(dialog_id: str, turns: list[Turn]) -> Produced:
        result = engine(turns, dialog_id)
        return Produced(
            sections=dict(result.sections),
            provider=result.provider,
            model=result.model,
            llm_calls=result.usage.llm_calls,
            input_tokens=result.usage.input_tokens,
            output_tokens=result.usage.output_tokens,
            error=result.error,
            failure_reason=result.failure_reason,
            repaired=result.repaired,
            output_format=result.output_format,
        )

    return DialogSummarizer(
        provider=provider.name, model=provider.model, run=run, path="engine", price=prices.estimate_usd
    )


@dataclass(frozen=True)
class _Loaded:
    """A PromptSource of prompts already loaded (`eval --prompts DIR`)."""

    prompts: Any

    def get(self) -> Any:
        return self.prompts


def _direct_extractive() -> DialogSummarizer:
    def run(dialog_id: str, turns: list[Turn]) -> Produced:
        sections = summarize_extractive(turns, list(FALLBACK_SECTIONS))
        error = "" if sections.get("summary") else "the transcript has no speech to summarize"
        return Produced(sections=sections, provider=PROVIDER_NAME, model=MODEL_ID, error=error)

    return DialogSummarizer(provider=PROVIDER_NAME, model=MODEL_ID, run=run, path="direct")
