"""How far two texts are apart, word by word: the measures of an agent's correction (and ROUGE-L
of `callrecap eval`, which adds stemming on top).

Words: lower-case runs of letters and digits, everything else a separator, so a changed comma
is no correction and "Refund" equals "refund".
"""

from __future__ import annotations

import re
from collections.abc import Sequence

_SEPARATORS = re.compile(r"[^a-z0-9]+")


def words(text: str) -> list[str]:
    return _SEPARATORS.sub(" ", text.lower()).split()


def f1(overlap: int, predicted: int, reference: int) -> float:
    if overlap == 0 or predicted == 0 or reference == 0:
        return 0.0
    precision = overlap / predicted
    recall = overlap / reference
    return 2 * precision * recall / (precision + recall)


def lcs_length(a: Sequence[str], b: Sequence[str]) -> int:
    """Longest common subsequence, one row of the table at a time (O(len(b)) memory)."""
    if len(a) < len(b):
        a, b = b, a
    previous = [0] * (len(b) + 1)
    for token in a:
        current = [0]
        for j, other in enumerate(b, start=1):
            current.append(previous[j - 1] + 1 if token == other else max(previous[j], current[j - 1]))
        previous = current
    return previous[-1]


def rouge_l(a: Sequence[str], b: Sequence[str]) -> float:
    """LCS F1 of two word sequences (1.0 for two empty ones: nothing was changed)."""
    if not a and not b:
        return 1.0
    return f1(lcs_length(a, b), len(a), len(b))


def edit_distance(a: Sequence[str], b: Sequence[str]) -> int:
    """Word-level Levenshtein distance (insertions, deletions, substitutions of whole words)."""
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, token in enumerate(a, start=1):
        current = [i]
        for j, other in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (token != other)))
        previous = current
    return previous[-1]


def normalized_edit_distance(a: Sequence[str], b: Sequence[str]) -> float:
    """The edit distance over the longer text's length: 0 unchanged, 1 rewritten entirely."""
    longest = max(len(a), len(b))
    return round(edit_distance(a, b) / longest, 4) if longest else 0.0
