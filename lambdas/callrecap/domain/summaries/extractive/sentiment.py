"""The `customer_sentiment` section: the customer's words weighed, leaning on the call's outcome."""

from __future__ import annotations

import math
from collections.abc import Sequence

from callrecap.domain.summaries.extractive.text import Sentence

_POSITIVE_TEXT = """
thank thanks great good excellent awesome perfect appreciate appreciated love happy glad helpful
wonderful amazing fantastic nice pleased resolved works worked fixed best brilliant quick fast
easy kind lovely satisfied
"""
_POSITIVE = frozenset(_POSITIVE_TEXT.split())
_NEGATIVE_TEXT = """
bad terrible awful horrible worst angry upset frustrated frustrating annoyed annoying
disappointed disappointing ridiculous unacceptable useless broken problem issue issues wrong
fail failed failing error charged overcharged late delay delayed never cancel cancelled lost
rude poor slow waste complaint refund stuck can't cannot won't doesn't didn't isn't sucks hate
worried stupid scam nobody missed disruptive worse
"""
_NEGATIVE = frozenset(_NEGATIVE_TEXT.split())
_NEGATORS_TEXT = "not no never don't didn't isn't wasn't aren't won't can't nothing hardly"
NEGATORS = frozenset(_NEGATORS_TEXT.split())


_OUTCOME_LEAN = {"yes": 0.3, "no": -0.3}
_POLITE_TEXT = "thank thanks appreciate appreciated"
_POLITE = frozenset(_POLITE_TEXT.split())
"""Said at the end of nearly every call, happy or not: half a positive word."""


def find_sentiment(sentences: Sequence[Sentence], outcome: str = "unclear") -> str:
    """Lexicon polarity of the customer's words (everyone's if no one is labelled customer).

    Weighted towards the end (how the customer leaves the call is what a supervisor asks
    about); "have a good day" is a formula, not a mood, and a negator up to three words before
    flips a word ("nothing is actually fixed"). The outcome (`_resolved`) leans the score: a
    customer who got what they called for rarely leaves unhappy, one left stuck rarely leaves
    pleased, and the closing "thanks" of both sounds the same to a word list.
    """
    customer = [s for s in sentences if s.speaker.upper() == "CUSTOMER"] or list(sentences)
    score = 0.0
    words_total = 0
    for position, sentence in enumerate(customer, start=1):
        weight = 1.0 + 2.0 * (position / len(customer)) ** 2
        words = sentence.tokens
        words_total += len(words)
        for i, word in enumerate(words):
            polarity = 1.0 if word in _POSITIVE else -1.0 if word in _NEGATIVE else 0.0
            if not polarity or (polarity > 0 and i and words[i - 1] == "a"):
                continue
            if word in _POLITE:
                polarity = 0.5
            if any(w in NEGATORS for w in words[max(0, i - 3) : i]):
                polarity = -polarity
            score += weight * polarity
    normalized = score / math.sqrt(words_total or 1) + _OUTCOME_LEAN.get(outcome, 0.0)
    if normalized >= 0.35:
        return "positive"
    if normalized <= -0.35:
        return "negative"
    return "neutral"
