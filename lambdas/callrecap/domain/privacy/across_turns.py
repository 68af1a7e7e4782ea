"""PII over a whole transcript: what looking at one turn at a time misses.

A caller reads a card number out in groups while the agent says "okay" between them, or Transcribe
cuts one utterance into several segments: no single turn holds thirteen digits, yet the model would
read them all in a row. Here a speaker's digit groups are joined across turns when nothing but
acknowledgements stands between them ("mm-hmm", "go on", the agent reading the group back), and
a joined number is judged by the same rules as a written one (domain.pii.classify_digits). Every
piece is replaced by the number's tag; the number counts once.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from callrecap.domain.models import Turn
from callrecap.domain.ports import PiiDetector
from callrecap.domain.privacy.pii import (
    ALL_ENTITIES,
    DigitRun,
    Finding,
    PiiEntity,
    apply_findings,
    classify_digits,
    digit_runs,
    find_pii,
)
from callrecap.domain.privacy.spoken_digits import digit_words, filler_words

TURN_SEPARATOR = "\n"

MAX_INTERJECTION_WORDS = 12
"""Another speaker's turn between two pieces is an interjection when it is this short and made of
fillers and digits only (the agent reading a group back)."""

MAX_PAUSE_SECONDS = 30.0
"""A longer silence between two pieces ends the number."""

MAX_PIECES = 20
"""One digit a turn is the worst case a 19-digit card allows."""

_WORD = re.compile(r"[^\W\d_][\w'-]*|\d+")


@dataclass(frozen=True)
class _Words:
    """The call language's digit and filler words (domain.spoken_digits)."""

    digits: Mapping[str, str]
    fillers: frozenset[str]

    @classmethod
    def of(cls, language: str) -> _Words:
        return cls(digit_words(language), filler_words(language))

    def only_filler(self, text: str) -> bool:
        return all(word in self.fillers for word in _WORD.findall(text.lower()))

    def interjection(self, text: str) -> bool:
        words = _WORD.findall(text.lower())
        return len(words) <= MAX_INTERJECTION_WORDS and all(
            word in self.fillers or word in self.digits or word.isdigit() for word in words
        )


@dataclass(frozen=True)
class _Piece:
    turn: int
    run: DigitRun
    leads: bool
    """Only filler before it in its turn: it may continue a number from an earlier turn."""
    trails: bool
    """Only filler after it in its turn: a later turn may continue it."""


def numbers_across_turns(
    turns: Sequence[Turn],
    entities: Iterable[PiiEntity] = ALL_ENTITIES,
    *,
    language: str = "en",
    rules: Sequence[Sequence[Finding]] | None = None,
) -> dict[int, list[Finding]]:
    """Findings (per turn index, in the turn's offsets) for numbers read out over several turns;
    only the first piece of each number is counted. `language`: the call's (its digit and filler
    words are read beside English ones); `rules`: each turn's own findings, when already known."""
    wanted = frozenset(entities) & {PiiEntity.CARD, PiiEntity.PHONE, PiiEntity.SSN}
    if not wanted:
        return {}
    words = _Words.of(language)
    found: dict[int, list[Finding]] = {}
    open_chains: dict[str, list[_Piece]] = {}

    def close(speaker: str) -> None:
        for piece, entity, first in _numbers_in(open_chains.pop(speaker, []), turns, wanted):
            found.setdefault(piece.turn, []).append(
                Finding(piece.run.start, piece.run.end, entity, counted=first)
            )

    for index, turn in enumerate(turns):
        for speaker in [s for s in open_chains if s != turn.speaker]:
            if not words.interjection(turn.text):
                close(speaker)
        taken = rules[index] if rules is not None else find_pii(turn.text, wanted, language=language)
        pieces = _pieces(index, turn.text, taken, words)
        chain = open_chains.get(turn.speaker)
        if chain and not _continues(chain[-1], pieces, turns, index):
            close(turn.speaker)
            chain = None
        if not pieces:
            if chain is not None and not words.only_filler(turn.text):
                close(turn.speaker)
            continue
        chain = open_chains.setdefault(turn.speaker, [])
        for piece in pieces:
            if chain and not _joins(chain[-1], piece, turn.text, words):
                close(turn.speaker)
                chain = open_chains.setdefault(turn.speaker, [])
            chain.append(piece)
            if len(chain) > MAX_PIECES:
                del chain[0]
    for speaker in list(open_chains):
        close(speaker)
    return found


def _pieces(index: int, text: str, taken: Sequence[Finding], words: _Words) -> list[_Piece]:
    """The turn's digit runs that are not a whole finding already (`taken`)."""
    runs = [
        run
        for run in digit_runs(text, words.digits)
        if not any(f.start < run.end and run.start < f.end for f in taken)
    ]
    return [
        _Piece(
            index,
            run,
            leads=words.only_filler(text[: run.start]),
            trails=words.only_filler(text[run.end :]),
        )
        for run in runs
    ]


def _continues(last: _Piece, pieces: Sequence[_Piece], turns: Sequence[Turn], index: int) -> bool:
    """Whether this turn of the same speaker may carry on the open number."""
    if not last.trails:
        return False
    before, now = turns[last.turn], turns[index]
    if before.end_time and now.start_time and now.start_time - before.end_time > MAX_PAUSE_SECONDS:
        return False
    return not pieces or pieces[0].leads


def _joins(last: _Piece, piece: _Piece, text: str, words: _Words) -> bool:
    if last.turn != piece.turn:
        return True  # checked by _continues
    return words.only_filler(text[last.run.end : piece.run.start])


def _numbers_in(
    chain: Sequence[_Piece], turns: Sequence[Turn], wanted: frozenset[PiiEntity]
) -> list[tuple[_Piece, PiiEntity, bool]]:
    """The longest numbers the chain spells, left to right; a single piece was judged alone."""
    marked: list[tuple[_Piece, PiiEntity, bool]] = []
    start = 0
    while start < len(chain) - 1:
        for end in range(len(chain), start + 1, -1):
            digits = "".join(piece.run.digits for piece in chain[start:end])
            first = chain[start]
            before = turns[first.turn].text[max(0, first.run.start - 40) : first.run.start]
            entity = classify_digits(digits, before, wanted)
            if entity is not None:
                marked += [(piece, entity, i == 0) for i, piece in enumerate(chain[start:end])]
                start = end
                break
        else:
            start += 1
    return marked


def redact_turns(
    turns: Sequence[Turn],
    entities: Iterable[PiiEntity] = ALL_ENTITIES,
    *,
    detector: PiiDetector | None = None,
    language: str = "en",
) -> tuple[list[Turn], dict[str, int]]:
    """The turns as a model may see them, and how many of each entity were replaced. With a
    `detector`, its findings on the whole transcript (one request, not one a turn) are added."""
    chosen = frozenset(entities)
    if not chosen and detector is None:
        return list(turns), {}
    extra = _detected_per_turn(turns, detector, language) if detector is not None and turns else {}
    rules = [find_pii(turn.text, chosen, language=language) for turn in turns]
    for index, findings in numbers_across_turns(turns, chosen, language=language, rules=rules).items():
        extra.setdefault(index, []).extend(findings)
    total: Counter[str] = Counter()
    redacted: list[Turn] = []
    for index, turn in enumerate(turns):
        result = apply_findings(turn.text, [*rules[index], *extra.get(index, ())])
        total.update(result.counts)
        changed = result.text != turn.text
        redacted.append(Turn(turn.speaker, result.text, turn.start_time, turn.end_time) if changed else turn)
    return redacted, {str(entity): count for entity, count in sorted(total.items())}


def _detected_per_turn(
    turns: Sequence[Turn], detector: PiiDetector, language: str
) -> dict[int, list[Finding]]:
    """The detector's findings on the joined transcript, mapped back to each turn's offsets."""
    starts: list[int] = []
    position = 0
    for turn in turns:
        starts.append(position)
        position += len(turn.text) + len(TURN_SEPARATOR)
    found: dict[int, list[Finding]] = {}
    for finding in detector.find(TURN_SEPARATOR.join(t.text for t in turns), language):
        index = max(i for i, start in enumerate(starts) if start <= finding.start)
        end = min(finding.end - starts[index], len(turns[index].text))
        found.setdefault(index, []).append(Finding(finding.start - starts[index], end, finding.entity))
    return found
