"""ROUGE scorer and Porter stemmer on small cases worked out by hand."""

from __future__ import annotations

import pytest

from callrecap_local.evaluation.porter import stem
from callrecap_local.evaluation.rouge import lcs_length, score, tokenize


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("caresses", "caress"),
        ("ponies", "poni"),
        ("agreed", "agre"),
        ("hopping", "hop"),
        ("filing", "file"),
        ("happy", "happi"),
        ("relational", "relat"),
        ("generalizations", "gener"),
        ("replacement", "replac"),
        ("controll", "control"),
        ("customer", "custom"),
        ("dies", "die"),
        ("sky", "sky"),
    ],
)
def test_porter_stemmer(word: str, expected: str) -> None:
    assert stem(word) == expected


def test_tokenize_lowercases_splits_on_non_alphanumerics_and_stems_long_words() -> None:
    assert tokenize("The Customer's refunds, #Person1# asked!") == [
        "the",
        "custom",
        "s",
        "refund",
        "person1",
        "ask",
    ]
    assert tokenize("Running dogs", stemmed=False) == ["running", "dogs"]


def test_identical_texts_score_one_and_disjoint_texts_zero() -> None:
    assert score("the cat sat", ["the cat sat"]).as_dict() == {"rouge1": 1.0, "rouge2": 1.0, "rougeL": 1.0}
    assert score("dogs bark", ["the cat sat"]).as_dict() == {"rouge1": 0.0, "rouge2": 0.0, "rougeL": 0.0}


def test_known_small_case() -> None:
    # prediction: the cat was found under the bed (7 tokens); reference: the cat was under the bed (6)
    scores = score("the cat was found under the bed", ["the cat was under the bed"])
    assert scores.rouge1 == pytest.approx(2 * 6 / (7 + 6))  # 6 unigrams overlap
    assert scores.rouge2 == pytest.approx(2 * 4 / (6 + 5))  # the-cat, cat-was, under-the, the-bed
    assert scores.rougeL == pytest.approx(2 * 6 / (7 + 6))  # LCS = 6


def test_best_reference_wins_per_metric() -> None:
    scores = score("the cat sat", ["a dog ran", "the cat sat down"])
    assert scores.rouge1 == pytest.approx(2 * 3 / (3 + 4))


def test_empty_prediction_or_no_reference_scores_zero() -> None:
    assert score("", ["anything"]).rougeL == 0.0
    assert score("anything", []).rougeL == 0.0


def test_lcs_length() -> None:
    assert lcs_length(list("ABCBDAB"), list("BDCABA")) == 4
    assert lcs_length([], ["a"]) == 0
