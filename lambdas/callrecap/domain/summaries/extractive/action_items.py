"""The `action_items` section: commitments made on the call that are still to be done."""

from __future__ import annotations

import re
from collections.abc import Sequence

from callrecap.domain.summaries.extractive.text import Sentence, speaker_label

_ACTION_VERBS = (
    r"(?:send|email|e-mail|call|ring|contact|follow|check|look|update|refund|credit|replace|ship|"
    r"escalate|schedule|book|cancel|reset|process|issue|arrange|forward|get back|reach out|dm|"
    r"message|submit|fix|review|confirm|transfer|open|create|file|investigate|waive|bring|order|"
    r"deliver|pay|return|visit|try|install|restart|reinstall|set up|sort|share|provide|note|add|"
    r"remove|move|change|apply|request|raise|pass|keep|text|write|test|run|take care|give)"
)
_DONE_VERBS = (
    r"(?:sent|emailed|applied|scheduled|booked|refunded|credited|flagged|submitted|added|removed|ordered|"
    r"arranged|escalated|put in|noted|marked|written|set up|opened|created|logged|issued|processed|"
    r"cancelled|canceled|switched|changed|waived|replaced|reset|updated)"
)
# A follow-up is a commitment ("I'll send", "a supervisor will call you back"), something the
# customer is told to expect or do ("you'll get an email", "you need to"), or work recorded as done
# on the call ("I've refunded", "I've flagged it for our billing team"). In-call steps
# ("let me check") are not follow-ups.
_COMMITMENT = re.compile(
    r"\b(?:(?:i|we)(?:(?:'ll| will| shall)(?: also| just)?|(?:'m| am|'re| are)(?: also| just)? going to)"
    r"|please|you(?:'ll| will)? need to|you should|make sure(?: to)?|remember to"
    r"|(?:it|this|that|they|your \w+) will be|(?:a|the|our) \w+ will)\s(?:\w+\s){0,2}?"
    + _ACTION_VERBS
    + r"\w*"
    r"|\bwill be (?:sent|shipped|credited|refunded|processed|delivered|in touch|contacting|calling)\b"
    r"|\byou(?:'ll|'d| will| would) (?:also )?(?:get|receive|see|hear)\b"
    r"|\b(?:i|we)(?:'ve| have) (?:also |just |now )?" + _DONE_VERBS + r"\b"
    r"|\bhas been " + _DONE_VERBS + r"\b",
    re.IGNORECASE,
)


_COMMITMENT_CUES_TEXT = (
    "will i'll we'll you'll you'd going shall please need should sure remember be i've we've have been"
)
_COMMITMENT_CUES = frozenset(_COMMITMENT_CUES_TEXT.split())


_DONE = re.compile(r"\b(?:(?:i|we)(?:'ve| have)|has been)\b", re.IGNORECASE)
_IN_CALL_STEP = re.compile(r"^(?:\w+,? )?let (?:me|us)\b", re.IGNORECASE)


def find_action_items(sentences: Sequence[Sentence], limit: int = 5) -> list[str]:
    """Sentences where someone commits to (or is asked to do) something, in spoken order.

    Over `limit`, what is still to happen beats what was already done on the call, and later
    beats earlier: the commitments made while closing are the ones that stand.
    """
    found: list[tuple[bool, int, str]] = []  # (still to happen, position, item)
    seen: set[tuple[str, ...]] = set()
    for sentence in sentences:
        if sentence.words < 4 or sentence.text.endswith("?") or _COMMITMENT_CUES.isdisjoint(sentence.tokens):
            continue
        if _IN_CALL_STEP.search(sentence.text) or not (match := _COMMITMENT.search(sentence.text)):
            continue
        key = sentence.content
        if key in seen:
            continue
        seen.add(key)
        name = speaker_label(sentence.speaker)
        item = f"{name}: {sentence.text}" if name else sentence.text
        found.append((not _DONE.match(match.group(0)), sentence.index, item))
    kept = sorted(found, key=lambda entry: (entry[0], entry[1]), reverse=True)[:limit]
    return [item for _, _, item in sorted(kept, key=lambda entry: entry[1])]
