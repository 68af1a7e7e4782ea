"""Synthetic calls of a given length, worded from real conversation text.

Speech runs at about 150 words a minute; a transcript segment (one Transcribe result) carries
about 12 words, so a minute is about 12 segments, alternating between agent and customer. The
words are taken in order from the long meetings in ../shared/data/long (cycled), so prompts and
the extractive summarizer see realistic sentences; without that data, a fixed vocabulary is used.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import lru_cache

from bench.common import SHARED_DATA
from callrecap.domain.models import Segment, Speaker

SEGMENTS_PER_MINUTE = 12
WORDS_PER_SEGMENT = 12
_FALLBACK = [
    "I",
    "am",
    "calling",
    "about",
    "the",
    "invoice",
    "on",
    "my",
    "account",
    "because",
    "the",
    "amount",
    "looks",
    "wrong",
    "this",
    "month",
    "and",
    "I",
    "would",
    "like",
    "to",
    "know",
    "why",
    "the",
    "charge",
    "went",
    "up",
    "after",
    "I",
    "changed",
    "my",
    "plan",
    "last",
    "week",
]


@lru_cache(maxsize=1)
def _words() -> tuple[str, ...]:
    words: list[str] = []
    folder = SHARED_DATA / "long"
    if folder.is_dir():
        for path in sorted(folder.glob("*.jsonl")):
            for line in path.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    for turn in json.loads(line)["turns"]:
                        words.extend(w for w in turn["text"].split() if not w.startswith("{"))
    return tuple(words) or tuple(_FALLBACK)


def _word_stream() -> Iterator[str]:
    words = _words()
    index = 0
    while True:
        yield words[index % len(words)]
        index += 1


def synthetic_segments(call_id: str, minutes: float, *, source: str = "bench") -> list[Segment]:
    count = max(1, round(minutes * SEGMENTS_PER_MINUTE))
    words = _word_stream()
    seconds = 60.0 / SEGMENTS_PER_MINUTE
    segments = []
    for i in range(count):
        text = " ".join(next(words) for _ in range(WORDS_PER_SEGMENT))
        segments.append(
            Segment(
                call_id=call_id,
                segment_id=f"seg-{i:06d}",
                speaker=Speaker.AGENT if i % 2 == 0 else Speaker.CUSTOMER,
                start_time=i * seconds,
                end_time=i * seconds + seconds * 0.9,
                text=text,
                is_partial=False,
                channel="AGENT" if i % 2 == 0 else "CALLER",
                source=source,
            )
        )
    return segments
