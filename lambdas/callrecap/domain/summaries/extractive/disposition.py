"""The disposition, chosen offline: the configured value whose words (and, for the bundled list,
a few words callers use for it) occur most in the transcript. A deployment's own list is matched
on its values' own words; nothing matching means the list's catch-all (`other`)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence

from callrecap.domain.models import SectionSpec
from callrecap.domain.summaries.extractive.text import Sentence, content_words, normalize, words_of

CUES: Mapping[str, tuple[str, ...]] = {
    "billing": ("bill", "charge", "charged", "invoice", "refund", "payment", "fee", "statement", "plan"),
    "technical support": (
        "internet", "wifi", "router", "modem", "outage", "error", "connection", "drop", "firmware",
    ),
    "order status": ("order", "delivery", "deliver", "shipped", "parcel", "package", "tracking", "courier"),
    "account access": ("password", "login", "locked", "sign", "code", "reset", "verification", "access"),
    "cancellation": ("cancel", "cancellation", "close", "leave", "switch", "discount", "retention"),
    "complaint": ("complaint", "escalate", "unacceptable", "manager", "supervisor", "again", "missed"),
    "general inquiry": ("question", "information", "hours", "wondering"),
}  # fmt: skip
"""Words callers use for the bundled dispositions (prompts/sections.toml); a deployment's own
values are matched on their own words only."""


def find_disposition(sentences: Sequence[Sentence], spec: SectionSpec) -> str:
    """The allowed value with the most matching words in the transcript; the catch-all if none."""
    said: Counter[str] = Counter(word for s in sentences for word in s.content)
    best, best_score = spec.unlisted or (spec.allowed[-1] if spec.allowed else ""), 0
    for value in spec.allowed:
        if value == spec.unlisted:
            continue
        cues = {normalize(w) for w in content_words(words_of(value))}
        cues |= {normalize(w) for w in CUES.get(value.lower(), ())}
        score = sum(said[cue] for cue in cues)
        if score > best_score:  # ties: the earlier value of the list
            best, best_score = value, score
    return best
