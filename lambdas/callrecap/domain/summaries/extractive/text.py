"""Text helpers of the extractive summarizer: speech cleaning, words, sentences, centrality."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from callrecap.domain.models import Turn

_STOPWORDS_TEXT = """
a about above after again against all am an and any are as at be because been before being below
between both but by can could did do does doing down during each few for from further had has
have having he her here hers herself him himself his how i if in into is it its itself just me
more most my myself no nor not now of off on once only or other our ours ourselves out over own
same she should so some such than that the their theirs them themselves then there these they
this those through to too under until up very was we were what when where which while who whom
why will with would you your yours yourself yourselves ok okay yes yeah hi hello hey thanks
thank please sorry oh well also get got let us know like one go going want need im ive dont cant
youre thats its theres sure right really just can't don't i'm i've you're that's it's we're
we'll i'll you'll there's let's won't isn't didn't doesn't s t re ve ll d m something anything
everything nothing thing things way lot bit kind sort actually maybe probably mean said say says
see look think thought today now much many even still back yet two three first sir madam ma'am
alright guess gonna wanna kinda other another every lets okay bye goodbye day morning afternoon
evening
"""
STOPWORDS = frozenset(_STOPWORDS_TEXT.split())

_MARKERS = re.compile(r"\{[^{}]{0,30}\}|\[[^\[\]]{0,30}\]|<[^<>]{0,30}>")
_FILLERS = re.compile(r"\b(?:[Uu]h-huh|[Uu][hm]+|[Ee]rm*|[Hh]mm+|[Mm]m+|[Aa]h+)\b[,.]?(?!')")
_MENTION = re.compile(r"(?<!\w)@\w+")
_URL = re.compile(r"https?://\S+|www\.\S+")
_SIGNATURE = re.compile(r"(?:\s[-^~*/]\s?[A-Z]{1,3}\w{0,2})+$")
_SPACE_BEFORE_PUNCT = re.compile(r"\s+([,.!?;:])")
_REPEATED_PUNCT = re.compile(r"([,;:])(?:\s*[,;:])+")
"""`is [CARD], [CARD], thanks` without its tags: one comma, not `,,`."""
_GREETING = re.compile(
    r"\b(?:thanks?(?: you)? for (?:calling|contacting|holding)|you(?:'re| are) (?:through|speaking) to"
    r"|(?:this|it) is \w+(?: \w+)?(?: speaking| here)?\b.{0,20}how (?:can|may) i help"
    r"|how (?:can|may|could) i (?:help|assist)(?: you)?(?: today)?[?.!]?$|welcome to\b)",
    re.IGNORECASE,
)
_APOSTROPHE = re.compile(r"\s*'\s*(?=(?:s|t|re|ve|ll|d|m)\b)", re.IGNORECASE)
_SPACES = re.compile(r"\s+")
SENTENCE_END = re.compile(r"(?<=[.!?]) (?=[\"'(\[]?[A-Z0-9#])")  # text is space-collapsed by now
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")


def clean_text(text: str) -> str:
    """Drop what is not speech content: fillers, markers, handles, links, agent signatures."""
    if "/" in text or "www." in text:
        text = _URL.sub(" ", text)
    if "@" in text:
        text = _MENTION.sub(" ", text)
    if "{" in text or "[" in text or "<" in text:
        text = _MARKERS.sub(" ", text)
    text = _FILLERS.sub(" ", text)
    if "'" in text:
        text = _APOSTROPHE.sub("'", text)
    text = _SPACES.sub(" ", text).strip()
    tail = _SIGNATURE.search(text[-16:])  # a "^AB" / "-JD" sign-off, only ever at the very end
    if tail:
        text = text[: len(text) - 16 + tail.start()] if len(text) > 16 else text[: tail.start()]
    text = _SPACE_BEFORE_PUNCT.sub(r"\1", text)
    text = _REPEATED_PUNCT.sub(r"\1", text)
    return text.strip(" ,;:-")


def is_greeting(text: str) -> bool:
    """An opening formula ("Thank you for calling ..., this is Priya", "How can I help you today?"):
    it says nothing about the call, so the summary does not open with it."""
    return bool(_GREETING.search(text))


def words_of(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def content_words(words: Iterable[str]) -> list[str]:
    """The words that carry meaning, as spoken (stopwords, short words and numbers dropped)."""
    return [w for w in words if w not in STOPWORDS and len(w) > 2 and not w.isdigit()]


@lru_cache(maxsize=16384)
def normalize(word: str) -> str:
    """A light plural/inflection folding, enough to count 'refund' and 'refunds' together."""
    word = word.split("'")[0]
    for suffix, minimum in (("ies", 5), ("ing", 6), ("ed", 5), ("es", 5), ("s", 4)):
        if word.endswith(suffix) and len(word) >= minimum and not word.endswith("ss"):
            return word[: -len(suffix)] + ("y" if suffix == "ies" else "")
    return word


def speaker_label(speaker: str) -> str:
    """'CUSTOMER' -> 'Customer', 'PERSON1' -> 'Person1', '' / 'UNKNOWN' -> ''."""
    name = speaker.strip()
    if not name or name.upper() == "UNKNOWN":
        return ""
    return name.title() if name.isupper() or name.islower() else name


@dataclass(frozen=True)
class Sentence:
    index: int  # spoken order
    turn_index: int
    speaker: str
    text: str
    tokens: tuple[str, ...]  # lower-case words
    content: tuple[str, ...]  # normalized content words
    spoken: tuple[str, ...]  # the same content words as spoken (for display)
    first_of_speaker: bool

    @property
    def words(self) -> int:
        return len(self.tokens)


def split_sentences(turns: Sequence[Turn]) -> list[Sentence]:
    sentences: list[Sentence] = []
    seen_speakers: set[str] = set()
    for turn_index, turn in enumerate(turns):
        text = clean_text(turn.text)
        if not text:
            continue
        first = turn.speaker not in seen_speakers
        seen_speakers.add(turn.speaker)
        for piece in SENTENCE_END.split(text):
            piece = piece.strip()
            tokens = tuple(words_of(piece))
            if not tokens:
                continue
            spoken = content_words(tokens)
            sentences.append(
                Sentence(
                    index=len(sentences),
                    turn_index=turn_index,
                    speaker=turn.speaker,
                    text=piece,
                    tokens=tokens,
                    content=tuple(normalize(w) for w in spoken),
                    spoken=tuple(spoken),
                    first_of_speaker=first,
                )
            )
            first = False
    return sentences


def centrality(sentences: Sequence[Sentence]) -> list[float]:
    """Score = how much of the call's recurring vocabulary a sentence carries, per word."""
    frequency: Counter[str] = Counter()
    for sentence in sentences:
        frequency.update(set(sentence.content))
    weight = {word: math.log1p(count) for word, count in frequency.items()}
    scores = []
    for sentence in sentences:
        unique = set(sentence.content)
        if not unique:
            scores.append(0.0)
            continue
        mass = sum(weight[word] for word in unique)
        scores.append(mass / math.sqrt(len(unique) + 2.0))
    return scores


def join_labelled(sentences: Iterable[Sentence], label: bool) -> str:
    parts: list[str] = []
    previous_speaker: str | None = None
    for sentence in sentences:
        text = sentence.text if sentence.text[-1] in ".!?" else sentence.text + "."
        name = speaker_label(sentence.speaker) if label else ""
        if name and sentence.speaker != previous_speaker:
            text = f"{name}: {text}"
        previous_speaker = sentence.speaker
        parts.append(text)
    return " ".join(parts)
