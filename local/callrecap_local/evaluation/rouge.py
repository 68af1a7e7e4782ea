"""ROUGE-1/2/L F1 with stemming, scored like rouge-score so published figures compare.

Tokens: lower-case, every run of non-alphanumerics is a separator, words longer than three
letters are Porter-stemmed. ROUGE-L is the sentence-level LCS over the whole text (rouge-score's
`rougeL`, not `rougeLsum`). With several references the best F1 per metric is kept, which is how
the reference figures in ../shared/data/README.md were measured.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from callrecap.domain.summaries.similarity import f1 as _f1
from callrecap.domain.summaries.similarity import lcs_length
from callrecap_local.evaluation.porter import stem

_SEPARATORS = re.compile(r"[^a-z0-9]+")

METRICS = ("rouge1", "rouge2", "rougeL")


def tokenize(text: str, *, stemmed: bool = True) -> list[str]:
    words = _SEPARATORS.sub(" ", text.lower()).split()
    if stemmed:
        return [stem(word) if len(word) > 3 else word for word in words]
    return words


@dataclass(frozen=True)
class RougeScores:
    rouge1: float
    rouge2: float
    rougeL: float

    def as_dict(self) -> dict[str, float]:
        return {"rouge1": self.rouge1, "rouge2": self.rouge2, "rougeL": self.rougeL}


def _ngrams(tokens: Sequence[str], n: int) -> Counter[tuple[str, ...]]:
    return Counter(tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1))


def rouge_n(prediction: Sequence[str], reference: Sequence[str], n: int) -> float:
    predicted = _ngrams(prediction, n)
    wanted = _ngrams(reference, n)
    overlap = sum((predicted & wanted).values())
    return _f1(overlap, sum(predicted.values()), sum(wanted.values()))


__all__ = ["METRICS", "RougeScores", "lcs_length", "rouge_l", "rouge_n", "score", "tokenize"]


def rouge_l(prediction: Sequence[str], reference: Sequence[str]) -> float:
    return _f1(lcs_length(prediction, reference), len(prediction), len(reference))


def score(prediction: str, references: Sequence[str]) -> RougeScores:
    """F1 of each metric, best over the references (0 for an empty prediction or no reference)."""
    predicted = tokenize(prediction)
    best = {name: 0.0 for name in METRICS}
    for reference in references:
        wanted = tokenize(reference)
        best["rouge1"] = max(best["rouge1"], rouge_n(predicted, wanted, 1))
        best["rouge2"] = max(best["rouge2"], rouge_n(predicted, wanted, 2))
        best["rougeL"] = max(best["rougeL"], rouge_l(predicted, wanted))
    return RougeScores(**best)
