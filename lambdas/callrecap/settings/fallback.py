"""The `llmFallback` chain: the providers that write a summary when the one before fails, parsed
and resolved the same way at synth (infra/config) and at the summarizer's cold start."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from callrecap.choices import Provider


@dataclass(frozen=True)
class Fallback:
    """One link of the `llmFallback` chain: a provider, and the model it uses ("" = its configured
    one). Written `extractive`, `bedrock:<model id>` or `openai:<model>` (split at the first colon:
    Bedrock model ids contain colons of their own)."""

    provider: Provider
    model: str = ""

    def __str__(self) -> str:
        return f"{self.provider.value}:{self.model}" if self.model else self.provider.value


DEFAULT_FALLBACK = "extractive"
"""`llmFallback` when none is configured: the offline extractive summarizer writes the final when
the model cannot (throttled, down, an unusable reply), so every ended call gets a COMPLETED final
that says which provider wrote it. A deployment sets the chain empty to get FAILED instead."""


def default_fallback(primary: Provider) -> str:
    """The chain when none is configured (none behind the extractive summarizer itself)."""
    return "" if primary is Provider.EXTRACTIVE else DEFAULT_FALLBACK


def parse_fallback_chain(raw: str) -> tuple[list[Fallback], list[str]]:
    """The links of a comma-separated chain, and what is wrong with it (unknown providers)."""
    chain: list[Fallback] = []
    problems: list[str] = []
    for part in (p.strip() for p in raw.split(",") if p.strip()):
        name, _, model = part.partition(":")
        try:
            provider = Provider(name.strip().lower())
        except ValueError:
            allowed = ", ".join(p.value for p in Provider)
            problems.append(f"unknown provider {name.strip().lower()!r} in {part!r} (one of {allowed})")
            continue
        if provider is Provider.EXTRACTIVE and model.strip():
            problems.append(f"{part!r}: extractive has no model")
            continue
        chain.append(Fallback(provider, model.strip()))
    return chain, problems


def resolve_fallback_chain(
    raw: str, primary: Provider, configured: Mapping[Provider, str]
) -> tuple[tuple[Fallback, ...], list[str]]:
    """The chain with each link's model resolved (`configured`: each provider's own model), and
    its problems: unknown providers, a link equal to the primary or to an earlier link. Shared
    by the Lambda's cold start and the synth (infra/config)."""
    links, problems = parse_fallback_chain(raw)
    head = Fallback(primary, configured.get(primary, ""))
    chain: list[Fallback] = []
    for link in links:
        resolved = Fallback(link.provider, link.model or configured.get(link.provider, ""))
        if resolved == head or resolved in chain:
            problems.append(f"{link} is already in the chain")
            continue
        chain.append(resolved)
    return tuple(chain), problems
