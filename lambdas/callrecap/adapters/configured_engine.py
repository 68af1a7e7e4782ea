"""Bind the configured provider, prompts and token budget into the service's `Engine`.

Shared by the summarizer Lambda and the `callrecap summarize` CLI so both summarize the same way.
Prompts come from a PromptSource and are fetched per run (an S3 override is picked up within its
cache TTL without a redeploy); the provider and budget are built once. Every provider, fallbacks
and the offline one included, gets the turns with PII replaced by tags (domain.pii).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from callrecap.adapters.llm.factory import build_budget, build_provider
from callrecap.adapters.prompt_source import PromptSource, build_prompt_source
from callrecap.domain.models import Turn
from callrecap.domain.ports import PiiDetector
from callrecap.domain.privacy.across_turns import redact_turns
from callrecap.domain.privacy.pii import ALL_ENTITIES, PiiEntity
from callrecap.domain.summaries.chunking import Budget
from callrecap.domain.summaries.engine import AnyProvider, EngineResult, summarize
from callrecap.domain.summaries.languages import language_name, summary_language
from callrecap.domain.summaries.prompts import FOLLOW_UP_EMAIL_SECTION
from callrecap.settings import PiiDetection, Settings


@dataclass(frozen=True)
class BoundEngine:
    """Callable as `domain.summary_runs.Engine`: (turns, call id) -> EngineResult."""

    provider: AnyProvider
    prompts: PromptSource
    budget: Budget
    redact: frozenset[PiiEntity] = ALL_ENTITIES
    """PII replaced by tags before the provider sees the turns (CALLRECAP_PII_REDACT_BEFORE_MODEL)."""
    language: str = ""
    """CALLRECAP_SUMMARY_LANGUAGE: every summary in it ("": the call's language, else English)."""
    dispositions: tuple[str, ...] = ()
    """CALLRECAP_DISPOSITIONS: the deployment's own disposition list."""
    drop_sections: tuple[str, ...] = ()
    """Sections the deployment turned off (follow_up_email with CALLRECAP_FOLLOW_UP_EMAIL=false)."""
    detector: PiiDetector | None = None
    """A PII detector beside the rules (CALLRECAP_PII_DETECTOR=comprehend)."""

    def __call__(self, turns: Sequence[Turn], call_id: str = "", *, language: str = "") -> EngineResult:
        """`language`: the call's language code, when its producer said (domain.languages)."""
        seen, counts = redact_turns(turns, self.redact, detector=self.detector, language=language or "en")
        code = summary_language(self.language, language)
        prompts = (
            self.prompts.get()
            .configured(dispositions=self.dispositions, drop=self.drop_sections)
            .with_defaults(language=language_name(code), language_code=code)
        )
        result = summarize(seen, self.provider, prompts, self.budget, call_id=call_id)
        return replace(result, pii_redactions=counts) if counts else result

    @property
    def provider_name(self) -> str:
        return self.provider.name

    @property
    def model_name(self) -> str:
        return self.provider.model


def build_engine(
    settings: Settings, *, provider: str | None = None, model: str = "", max_input_tokens: int = 0
) -> BoundEngine:
    """The engine of `settings` (provider, model and budget overridable: the CLI's flags, a
    fallback link's own model)."""
    chosen = build_provider(settings, provider, model=model)
    return BoundEngine(
        provider=chosen,
        prompts=build_prompt_source(settings),
        budget=build_budget(settings, chosen, max_input_tokens),
        redact=settings.pii_redact_before_model,
        language=settings.summary_language,
        dispositions=settings.dispositions,
        drop_sections=() if settings.follow_up_email else (FOLLOW_UP_EMAIL_SECTION,),
        detector=build_detector(settings),
    )


def build_detector(settings: Settings) -> PiiDetector | None:
    """Amazon Comprehend beside the rules when configured (its client is created on first use)."""
    if settings.pii_detector is not PiiDetection.COMPREHEND:
        return None
    from callrecap.adapters.comprehend_pii import ComprehendPiiDetector

    return ComprehendPiiDetector()
