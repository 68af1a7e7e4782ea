"""Our Porter stemmer against NLTK's (the stemmer rouge-score uses), word for word.

The vocabulary is every word of the shared dialogs, meetings and calls, plus stems crossed with
every suffix the algorithm knows (so each rule, and each extension NLTK adds to the 1980 paper,
is exercised even where the corpora lack an example). nltk is a dev-only extra: the Lambda and
the CLI never import it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from nltk.stem.porter import PorterStemmer

from callrecap_local.evaluation import porter

STEMS = [
    "geo",
    "bio",
    "theo",
    "archaeo",
    "philo",
    "hop",
    "tap",
    "fil",
    "relat",
    "condit",
    "rat",
    "caus",
    "gener",
    "sens",
    "hope",
    "cry",
    "happ",
    "triv",
    "electr",
    "operat",
    "adopt",
    "controll",
    "roll",
    "fall",
    "feed",
    "agree",
    "plaster",
    "bled",
    "motor",
    "sing",
    "conflat",
    "troubl",
    "siz",
    "hiss",
    "fizz",
    "fail",
    "breath",
    "tire",
    "flaw",
    "care",
    "help",
]
EXTRA_SUFFIXES = [
    "s",
    "es",
    "ies",
    "sses",
    "ed",
    "ing",
    "eed",
    "y",
    "e",
    "ly",
    "lessly",
    "lessli",
    "fully",
    "ness",
    "ally",
    "ically",
    "ement",
    "ization",
    "ational",
    "logy",
]


def vocabulary(shared_data: Path) -> set[str]:
    words: set[str] = set()
    for path in shared_data.rglob("*"):
        if path.is_file() and path.suffix in (".json", ".jsonl", ".txt"):
            words |= set(re.findall(r"[a-z]+", path.read_text(encoding="utf-8", errors="ignore").lower()))
    suffixes = {s for s, _ in porter._STEP2} | {s for s, _ in porter._STEP3} | set(porter._STEP4)
    suffixes |= set(EXTRA_SUFFIXES)
    return words | {stem + suffix for stem in STEMS for suffix in suffixes}


def test_every_word_stems_as_nltk_stems_it(shared_data: Path) -> None:
    nltk = PorterStemmer()  # NLTK_EXTENSIONS mode, rouge-score's
    words = vocabulary(shared_data)
    assert len(words) > 10_000
    differ = [(w, porter.stem(w), nltk.stem(w)) for w in sorted(words) if porter.stem(w) != nltk.stem(w)]
    assert differ == []


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("biology", "biolog"),
        ("geology", "geolog"),
        ("breathlessly", "breathlessli"),
        ("flawlessly", "flawlessli"),
    ],
)
def test_the_two_rules_that_used_to_differ(word: str, expected: str) -> None:
    assert porter.stem(word) == expected == PorterStemmer().stem(word)
