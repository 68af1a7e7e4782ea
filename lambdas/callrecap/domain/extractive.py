"""Offline extractive summarizer: every section filled from the transcript's own words.

It is the provider used when no LLM is configured (and the floor an LLM has to beat in
`callrecap eval`): no network, no model, no randomness, stdlib only, linear in the transcript
length. Everything it writes is copied or picked from what was said, never invented, so its
output is labelled provider "extractive", model `MODEL_ID`.

The summary is the most central sentences of the main speakers, in spoken order, each labelled
with its speaker ("Customer: ... Agent: ..."): human call notes are phrased as who said what,
and the label keeps an extract readable. Tuning knobs live in `ExtractiveTuning`; the defaults
were chosen on the even rows of the evaluation sets and reported on the odd rows
(docs/evaluation.md).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise
from typing import Any

from callrecap.domain.models import SectionSpec, SectionType, Turn

MODEL_ID = "extractive-v1"
"""Model id recorded on summaries this module writes (bump when its output changes)."""

PROVIDER_NAME = "extractive"


@dataclass(frozen=True)
class ExtractiveTuning:
    """Knobs of the sentence picker (defaults tuned on the even rows of the dialog sets)."""

    summary_sentences: int = 2
    """Sentences picked for `summary` (at most one more if they are all very short)."""
    min_summary_words: int = 12
    """Keep adding sentences until the summary has at least this many words."""
    max_summary_words: int = 60
    position_weight: float = 1.0
    """How much an early sentence is preferred (the opening usually states the reason to call)."""
    first_speaker_bonus: float = 0.0
    """Extra weight for the first sentence of each speaker (their opening line)."""
    label_speakers: bool = True
    longer_after_sentences: tuple[int, ...] = (40, 150)
    """One more sentence (and 25 more words) for a call longer than each of these sentence counts."""


DEFAULT_TUNING = ExtractiveTuning()

# ------------------------------------------------------------------------------------------ text

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
_STOPWORDS = frozenset(_STOPWORDS_TEXT.split())

_MARKERS = re.compile(r"\{[^{}]{0,30}\}|\[[^\[\]]{0,30}\]|<[^<>]{0,30}>")
_FILLERS = re.compile(r"\b(?:[Uu]h-huh|[Uu][hm]+|[Ee]rm*|[Hh]mm+|[Mm]m+|[Aa]h+)\b[,.]?(?!')")
_MENTION = re.compile(r"(?<!\w)@\w+")
_URL = re.compile(r"https?://\S+|www\.\S+")
_SIGNATURE = re.compile(r"(?:\s[-^~*/]\s?[A-Z]{1,3}\w{0,2})+$")
_SPACE_BEFORE_PUNCT = re.compile(r"\s+([,.!?;:])")
_APOSTROPHE = re.compile(r"\s*'\s*(?=(?:s|t|re|ve|ll|d|m)\b)", re.IGNORECASE)
_SPACES = re.compile(r"\s+")
_SENTENCE_END = re.compile(r"(?<=[.!?]) (?=[\"'(\[]?[A-Z0-9#])")  # text is space-collapsed by now
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
    return text.strip(" ,;:-")


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def _content_words(words: Iterable[str]) -> list[str]:
    """The words that carry meaning, as spoken (stopwords, short words and numbers dropped)."""
    return [w for w in words if w not in _STOPWORDS and len(w) > 2 and not w.isdigit()]


@lru_cache(maxsize=16384)
def _normalize(word: str) -> str:
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
class _Sentence:
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


def _sentences(turns: Sequence[Turn]) -> list[_Sentence]:
    sentences: list[_Sentence] = []
    seen_speakers: set[str] = set()
    for turn_index, turn in enumerate(turns):
        text = clean_text(turn.text)
        if not text:
            continue
        first = turn.speaker not in seen_speakers
        seen_speakers.add(turn.speaker)
        for piece in _SENTENCE_END.split(text):
            piece = piece.strip()
            tokens = tuple(_words(piece))
            if not tokens:
                continue
            spoken = _content_words(tokens)
            sentences.append(
                _Sentence(
                    index=len(sentences),
                    turn_index=turn_index,
                    speaker=turn.speaker,
                    text=piece,
                    tokens=tokens,
                    content=tuple(_normalize(w) for w in spoken),
                    spoken=tuple(spoken),
                    first_of_speaker=first,
                )
            )
            first = False
    return sentences


# ------------------------------------------------------------------------------------- sections


def _centrality(sentences: Sequence[_Sentence]) -> list[float]:
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


def _central_sentence(sentences: Sequence[_Sentence], central: Sequence[float]) -> str:
    """The one sentence that carries most of the call's recurring vocabulary (earliest on ties)."""
    candidates = [(score, -s.index, s) for s, score in zip(sentences, central, strict=True) if s.words >= 4]
    if not candidates:
        return _join_labelled(sentences[:1], label=False)
    return _join_labelled([max(candidates, key=lambda item: (item[0], item[1]))[2]], label=False)


def _summary(sentences: Sequence[_Sentence], central: Sequence[float], tuning: ExtractiveTuning) -> str:
    if not sentences:
        return ""
    top = max(central) or 1.0
    total = len(sentences)
    ranked = []
    for sentence, score in zip(sentences, central, strict=True):
        value = score / top
        value += tuning.position_weight * (1.0 - sentence.index / total) ** 2
        if sentence.first_of_speaker:
            value += tuning.first_speaker_bonus
        if sentence.words < 4:
            value -= 1.0
        ranked.append((value, -sentence.index, sentence))
    ranked.sort(key=lambda item: (item[0], item[1]), reverse=True)

    # A longer call gets a longer summary, and one sentence from how it ended: the opening says
    # why the customer called, the closing what came of it.
    extra = sum(1 for threshold in tuning.longer_after_sentences if total > threshold)
    wanted = tuning.summary_sentences + extra
    max_words = tuning.max_summary_words + 25 * extra
    chosen: list[_Sentence] = []
    words = 0
    if extra:
        closing_start = int(total * 0.6)
        closing = [item for item in ranked if item[2].index >= closing_start and item[2].words >= 6]
        if closing:
            chosen.append(closing[0][2])
            words += closing[0][2].words
    for _, _, sentence in ranked:
        enough = len(chosen) >= wanted and words >= tuning.min_summary_words
        if enough or len(chosen) >= wanted + 1:
            break
        if sentence in chosen or (chosen and words + sentence.words > max_words):
            continue
        chosen.append(sentence)
        words += sentence.words
    chosen.sort(key=lambda s: s.index)
    return _join_labelled(chosen, tuning.label_speakers)


def _join_labelled(sentences: Iterable[_Sentence], label: bool) -> str:
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


def _topic(sentences: Sequence[_Sentence], limit: int = 4) -> str:
    """Key phrases: recurring content-word pairs first, then recurring words, most frequent first."""
    words: Counter[str] = Counter()
    pairs: Counter[tuple[str, str]] = Counter()
    for sentence in sentences:
        content = sentence.content
        words.update(content)
        pairs.update(pairwise(content))
    # Counter keeps first-insertion order, so most_common() breaks ties by first mention
    chosen: list[tuple[str, ...]] = []
    covered: set[str] = set()
    for pair, count in pairs.most_common():
        if count < 2 or len(chosen) >= limit // 2:
            break
        if pair[0] == pair[1] or covered.intersection(pair):
            continue
        chosen.append(pair)
        covered.update(pair)
    for word, _ in words.most_common(limit + len(covered)):
        if len(chosen) >= limit:
            break
        if word not in covered:
            chosen.append((word,))
            covered.add(word)

    surface: dict[str, Counter[str]] = {word: Counter() for word in covered}
    for sentence in sentences:
        for normalized, spoken in zip(sentence.content, sentence.spoken, strict=True):
            forms = surface.get(normalized)
            if forms is not None:
                forms[spoken] += 1

    def as_spoken(word: str) -> str:
        forms = surface[word]
        return forms.most_common(1)[0][0] if forms else word

    return ", ".join(" ".join(as_spoken(word) for word in phrase) for phrase in chosen)


_ACTION_VERBS = (
    r"(?:send|email|e-mail|call|ring|contact|follow|check|look|update|refund|credit|replace|ship|"
    r"escalate|schedule|book|cancel|reset|process|issue|arrange|forward|get back|reach out|dm|"
    r"message|submit|fix|review|confirm|transfer|open|create|file|investigate|waive|bring|order|"
    r"deliver|pay|return|visit|try|install|restart|reinstall|set up|sort|share|provide|note|add|"
    r"remove|change|apply|request|raise|pass|keep|text|write|test|run|take care|give)"
)
_COMMITMENT = re.compile(
    r"\b(?:(?:i|we)(?:'ll| will| shall|'m going to| am going to|'re going to| are going to)"
    r"|let me|let us|please|you(?:'ll| will)? need to|you should|make sure(?: to)?|remember to"
    r"|(?:it|this|that|they|your \w+) will be)\s(?:\w+\s){0,2}?" + _ACTION_VERBS + r"\w*"
    r"|\bwill be (?:sent|shipped|credited|refunded|processed|delivered|in touch|contacting|calling)\b",
    re.IGNORECASE,
)


_COMMITMENT_CUES_TEXT = "will i'll we'll you'll going shall let please need should sure remember be"
_COMMITMENT_CUES = frozenset(_COMMITMENT_CUES_TEXT.split())


def _action_items(sentences: Sequence[_Sentence], limit: int = 5) -> list[str]:
    """Sentences where someone commits to (or is asked to do) something, in spoken order."""
    items: list[str] = []
    seen: set[tuple[str, ...]] = set()
    for sentence in sentences:
        if sentence.words < 4 or sentence.text.endswith("?") or _COMMITMENT_CUES.isdisjoint(sentence.tokens):
            continue
        if not _COMMITMENT.search(sentence.text):
            continue
        key = sentence.content
        if key in seen:
            continue
        seen.add(key)
        name = speaker_label(sentence.speaker)
        items.append(f"{name}: {sentence.text}" if name else sentence.text)
    if len(items) > limit:
        items = items[-limit:]  # the commitments made while closing are the ones that stand
    return items


_RESOLVED_YES = re.compile(
    r"\b(?:that (?:worked|works|did it|fixed it|helps|helped|solved it|does it)|it works|works now|"
    r"working now|all set|resolved|sorted|fixed|problem solved|that'?s all i needed|perfect|"
    r"great,? thank|thanks? (?:so much|a lot)|appreciate (?:it|your help|the help)|"
    r"you'?ve been (?:very |so )?helpful|glad (?:i|we) could help|glad to hear|awesome)\b",
    re.IGNORECASE,
)
_RESOLVED_NO = re.compile(
    r"\b(?:still (?:not|doesn'?t|isn'?t|can'?t|no)|not (?:resolved|fixed|working)|doesn'?t work|"
    r"didn'?t (?:work|help)|unacceptable|escalat\w*|supervisor|manager|nobody|no one|useless|"
    r"waste of time|cancel my|file a complaint|call back later|we'?ll get back|will get back|"
    r"send us a (?:dm|note|message)|dm us|follow up|pending|waiting)\b",
    re.IGNORECASE,
)


def _resolved(sentences: Sequence[_Sentence]) -> str:
    """Closing cues in the last part of the call: the ending tells whether the issue was settled."""
    if not sentences:
        return "unclear"
    tail = sentences[-max(4, len(sentences) // 4) :]
    yes = no = 0.0
    for position, sentence in enumerate(tail, start=1):
        weight = 1.0 + position / len(tail)  # later cues count more
        yes += weight * len(_RESOLVED_YES.findall(sentence.text))
        no += weight * len(_RESOLVED_NO.findall(sentence.text))
    if yes > no * 1.25 and yes >= 1.0:
        return "yes"
    if no > yes * 1.25 and no >= 1.0:
        return "no"
    return "unclear"


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
worried stupid scam
"""
_NEGATIVE = frozenset(_NEGATIVE_TEXT.split())
_NEGATORS_TEXT = "not no never don't didn't isn't wasn't aren't won't can't nothing hardly"
_NEGATORS = frozenset(_NEGATORS_TEXT.split())


def _sentiment(sentences: Sequence[_Sentence]) -> str:
    """Lexicon polarity of the customer's words (everyone's if no one is labelled customer)."""
    customer = [s for s in sentences if s.speaker.upper() == "CUSTOMER"] or list(sentences)
    score = 0.0
    words_total = 0
    for position, sentence in enumerate(customer, start=1):
        weight = 1.0 + position / len(customer)  # how the customer ends matters more
        words = sentence.tokens
        words_total += len(words)
        for i, word in enumerate(words):
            polarity = 1 if word in _POSITIVE else -1 if word in _NEGATIVE else 0
            if polarity and any(w in _NEGATORS for w in words[max(0, i - 2) : i]):
                polarity = -polarity
            score += weight * polarity
    normalized = score / math.sqrt(words_total or 1)
    if normalized >= 0.35:
        return "positive"
    if normalized <= -0.35:
        return "negative"
    return "neutral"


def _pick_allowed(value: str, spec: SectionSpec) -> str:
    """`value` if the section allows it, else a non-committal allowed value, else the first."""
    if not spec.allowed or value in spec.allowed:
        return value
    lowered = {allowed.lower(): allowed for allowed in spec.allowed}
    if value.lower() in lowered:
        return lowered[value.lower()]
    for fallback in ("unclear", "neutral", "unknown", "none", "n/a", "other"):
        if fallback in lowered:
            return lowered[fallback]
    return spec.allowed[0]


def summarize_extractive(
    turns: list[Turn], sections: list[SectionSpec], tuning: ExtractiveTuning = DEFAULT_TUNING
) -> dict[str, Any]:
    """Fill every section in `sections` from the transcript, by name where known, else by type.

    Deterministic: the same turns and sections always give the same output.
    """
    sentences = _sentences(turns)
    central = _centrality(sentences)
    summary = _summary(sentences, central, tuning)
    result: dict[str, Any] = {}
    for spec in sections:
        name = spec.name.lower()
        value: Any
        if spec.type is SectionType.LIST:
            value = _action_items(sentences) if "action" in name or "next" in name else []
        elif spec.type is SectionType.ENUM:
            if "resolv" in name:
                value = _pick_allowed(_resolved(sentences), spec)
            elif "sentiment" in name:
                value = _pick_allowed(_sentiment(sentences), spec)
            else:
                value = _pick_allowed("unclear", spec)
        elif name == "summary":
            value = summary
        elif "topic" in name or "keyword" in name or "subject" in name:
            value = _topic(sentences)
        else:
            value = _central_sentence(sentences, central) if sentences else ""
        result[spec.name] = value
    return result
