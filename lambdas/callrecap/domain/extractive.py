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


def _key_phrase(sentences: Sequence[_Sentence]) -> str:
    """Fallback topic: the most repeated content-word pair (else word), as spoken."""
    words: Counter[str] = Counter()
    pairs: Counter[tuple[str, str]] = Counter()
    for sentence in sentences:
        words.update(sentence.spoken)
        pairs.update((a, b) for a, b in pairwise(sentence.spoken) if a != b)
    if pairs and pairs.most_common(1)[0][1] >= 2:
        return " ".join(pairs.most_common(1)[0][0])
    return words.most_common(1)[0][0] if words else ""


# A topic is the customer's first substantive request or problem, cut down to its core clause:
# openings (greetings, "my name is", account numbers) are skipped, lead-ins ("I'm calling
# because", "I'd like to") and trailing circumstances ("every few minutes since yesterday") cut.
_GREETING = re.compile(
    r"^(?:(?:hi|hello|hey|yeah|yes|yep|no|so|well|okay|ok|oh|honestly|basically|and|but|um|uh|"
    r"good (?:morning|afternoon|evening)|thanks|thank you)\b(?: [A-Z][a-z]+\b(?=[,.!]))?[\s,.!]*)+",
    re.IGNORECASE,
)
_IDENTITY = re.compile(
    r"\b(?:my name is|name'?s|this is|speaking|calling from|account number|last four|"
    r"thank you for calling|thanks for calling|date of birth|i'?m the \w+(?: \w+)? (?:at|of|for))\b"
    r"|^(?:it'?s|i'?m|this is) [A-Z]\w*(?: [A-Z]\w*)?[.!]?$",
    re.IGNORECASE,
)
_LEAD_IN = re.compile(
    r"^(?:(?:i'?m|i am|i was|we'?re|we are) (?:just )?(?:calling|ringing|phoning|writing|contacting you|"
    r"looking at|reaching out)(?: (?:about|because|regarding|since|as|to (?:ask|talk|check|see|find out|"
    r"report|say)(?: about| that| if| whether)?|on behalf of \w+))?"
    r"|(?:i'?d|i would|we'?d|we would) like to|(?:i|we) (?:want|wanted|need|needed|have|had|got) to"
    r"|(?:i'?m|we'?re) (?:trying|hoping) to|(?:can|could) you(?: please)?(?: help me)?"
    r"|(?:i|we) (?:have|had) a question (?:about|on|regarding)|i was wondering (?:if|whether|about))\s+",
    re.IGNORECASE,
)
_REQUEST_CUE = re.compile(
    r"\b(?:calling (?:about|because|regarding|to)|like to|want(?:ed)? to|need(?:ed)? to|trying to|"
    r"question|wondering|help with|keeps?|kept|won'?t|can'?t|cannot|doesn'?t|didn'?t|isn'?t|never|"
    r"stopped|broken|not working|error|problem|issue|issues|trouble|charged|twice|cancel\w*|refund|wrong|"
    r"missing|late|delayed|moving|move|dropp\w*|fail\w*)\b",
    re.IGNORECASE,
)
_VAGUE_TEXT = "having have had some an a few issue issues problem problems trouble question questions"
_VAGUE = frozenset(_VAGUE_TEXT.split())
_CLAUSE_SPLIT = re.compile(r"\s*[,;:]\s*|\s+(?:and|but|so|because|which|then)\s+", re.IGNORECASE)
_SUBJECT = re.compile(
    r"^(?:(?:i|we|it|they|there)(?:'ve| have)? been|i'?m|we'?re|i am|we are|i|we|it'?s|it is|there'?s|"
    r"there is|they'?re|they are)\s+",
    re.IGNORECASE,
)
_DETERMINER = re.compile(r"^(?:the|a|an|my|our|your|this|that|these|those|like|some)\s+", re.IGNORECASE)
_POSSESSIVE = re.compile(r"\b(?:my|our|your)\s+", re.IGNORECASE)
_CIRCUMSTANCE = re.compile(
    r"\s+(?:every|since|for the|for about|last|yesterday|today|tonight|this (?:morning|week|month|year)|"
    r"at|on|from|during|when|while|after|before|until|instead|again|anymore|please|now|right now|"
    r"or something|or anything|though|too|saying|here)\b.*$",
    re.IGNORECASE,
)
_NUMBER_WORDS_TEXT = (
    "zero oh one two three four five six seven eight nine ten eleven twelve hundred thousand dot at"
)
_NUMBER_WORDS = frozenset(_NUMBER_WORDS_TEXT.split())
_TOPIC_MAX_WORDS = 8
_PARTICLES_TEXT = "up down out off in on over back now again"
_DANGLING = _STOPWORDS - frozenset(_PARTICLES_TEXT.split())
"""Words a phrase cannot end on (a particle like "show up" can)."""


def _is_opening(text: str) -> bool:
    """Greeting, introduction, verification answer: nothing yet about why they call."""
    core = _GREETING.sub("", text).strip()
    words = _words(core)
    if len(words) < 3 or _IDENTITY.search(core):
        return True
    numbers = sum(1 for w in words if w.isdigit() or w in _NUMBER_WORDS)
    return numbers * 3 >= len(words) or len(_content_words(words)) < 2


def _core_clause(text: str, vocabulary: Counter[str]) -> str:
    """The request or problem of a sentence without lead-in, subject and circumstances."""
    text = _GREETING.sub("", text.rstrip(".!?")).strip()
    text = _LEAD_IN.sub("", text, count=1)
    clauses = [c for c in _CLAUSE_SPLIT.split(text) if len(_content_words(_words(c))) >= 1]
    if not clauses:
        return ""
    cued = [i for i, c in enumerate(clauses) if _REQUEST_CUE.search(c)]
    index = cued[0] if cued else 0

    def trim(clause: str) -> str:
        clause = _LEAD_IN.sub("", _SUBJECT.sub("", clause.strip(), count=1), count=1)
        clause = _DETERMINER.sub("", _POSSESSIVE.sub("", clause))
        cut = _CIRCUMSTANCE.sub("", clause)
        return cut if len(_words(cut)) >= 2 else clause

    core = trim(clauses[index])
    others = [c for i, c in enumerate(clauses) if i != index]
    if others and set(_words(core)) <= _VAGUE:
        # "we've been having some issues": what with is said in the rest of the sentence
        thing = max(
            (w for c in others for w in _content_words(_words(c))),
            key=lambda w: vocabulary[_normalize(w)],
        )
        noun = next(
            (w for w in _words(core) if w in {"issue", "issues", "problem", "problems", "trouble"}), ""
        )
        core = f"{noun or 'question'} with {thing}"
    elif len(_words(core)) < 3 and index > 0:
        if set(_words(core)) <= _STOPWORDS | _NEGATORS:
            core = trim(clauses[index - 1])  # "an order that was due ... and never did"
        else:
            core = f"{trim(clauses[index - 1])}, {core}"  # "March bill, charged twice"
    return core


def _topic(sentences: Sequence[_Sentence]) -> str:
    """What the call is about, as a short phrase (see the comment above `_GREETING`)."""
    if not sentences:
        return ""
    vocabulary: Counter[str] = Counter(w for s in sentences for w in s.content)
    customer = [s for s in sentences if s.speaker.upper() == "CUSTOMER"] or list(sentences)
    window = customer[: max(6, len(customer) // 3)]
    candidates = [s for s in window if not s.text.endswith("?") or _REQUEST_CUE.search(s.text)]
    candidates = [s for s in candidates if not _is_opening(s.text)][:4]
    chosen = next((s for s in candidates if _REQUEST_CUE.search(s.text)), None)
    core = _core_clause(chosen.text, vocabulary) if chosen else ""
    if not core and candidates:
        core = _core_clause(candidates[0].text, vocabulary)
    if not core:
        core = _key_phrase(sentences)
    words = core.split()
    if len(words) > _TOPIC_MAX_WORDS:
        words = words[:6]
    while len(words) > 2 and (not _words(words[-1]) or _words(words[-1])[0] in _DANGLING):
        words.pop()  # "... for next quarter is" -> "... for next quarter"
    core = " ".join(words).strip(" ,;:-")
    return core[:1].upper() + core[1:]


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


def _action_items(sentences: Sequence[_Sentence], limit: int = 5) -> list[str]:
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


# Closing cues. An outcome ("that fixed it", "pages are loading again"), work done on the call
# ("I've refunded / applied / booked ...") and a customer with nothing left to ask ("no, that's
# it") say resolved; a hand-off ("escalate", "a supervisor will call"), a customer still stuck
# ("I still", "nothing is fixed", "unfortunately") or unhappy say not. Cues inside a contingency
# ("if it drops again, call back", "in case you need to call back") say nothing about the outcome.
_RESOLVED_YES = re.compile(
    r"\b(?:that (?:worked|works|did it|fixed it|helps|helped|solved it|does it|sounds good|'?s fine)|"
    r"that'?s (?:good|great|fine|perfect|all i needed|it|everything|all)|sounds good|it works|"
    r"works now|(?:is|are|it'?s|they'?re) (?:working|connected|loading|stable)(?! \w+ not)|"
    r"(?:working|loading|connected) (?:now|again|fine|fast)|back online|came back|looks stable|"
    r"all set|resolved|sorted|fixed|problem solved|perfect|great,? thank|"
    r"thanks? (?:you )?(?:so much|a lot|for (?:sorting|fixing|the help|helping|your help|explaining|"
    r"taking care))|appreciate (?:your help|the help)|easier than|"
    r"you'?ve been (?:very |so |really )?helpful|(?:been|was) (?:really |very |so )?helpful|"
    r"glad (?:i|we) could help|glad to hear|awesome|"
    r"(?:i'?ve|we'?ve|i have|we have) (?:also |just )?(?:refunded|removed|applied|added|booked|credited|"
    r"scheduled|updated|fixed|reset|issued|submitted|processed|switched|changed|cancelled|replaced|"
    r"waived|restored|reactivated)|has been (?:refunded|submitted|processed|credited|applied|fixed|"
    r"resolved|restored))\b",
    re.IGNORECASE,
)
_RESOLVED_NO = re.compile(
    r"\b(?:still (?:not|doesn'?t|isn'?t|can'?t|no|won'?t|drops|broken|waiting)|i still|"
    r"not (?:resolved|fixed|working|able to)|"
    r"nothing (?:is |was )?(?:actually |really )?(?:fixed|done|resolved)|"
    r"doesn'?t work|didn'?t (?:work|help)|unacceptable|escalat\w*|supervisor|manager will|nobody|"
    r"no one|useless|waste of time|cancel my|(?:file|filing) a complaint|call back later|"
    r"we'?ll get back|will get back|send us a (?:dm|note|message)|dm us|pending|waiting|stuck|"
    r"unfortunately|frustrat\w*|not happy|thanks for trying|there'?s nothing|can'?t do anything|"
    r"no way to)\b",
    re.IGNORECASE,
)
_CONTINGENCY = re.compile(
    r"^(?:\w+,? )?(?:if|in case|should|unless|when)\b"
    r"|\b(?:in case|if (?:it|this|that|the|you|anything|something))\b",
    re.IGNORECASE,
)


def _resolved(sentences: Sequence[_Sentence]) -> str:
    """Closing cues in the last part of the call: the ending tells whether the issue was settled."""
    if not sentences:
        return "unclear"
    tail = sentences[-max(6, len(sentences) // 4) :]
    yes = no = 0.0
    for position, sentence in enumerate(tail, start=1):
        if _CONTINGENCY.search(sentence.text):
            continue
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
worried stupid scam nobody missed disruptive worse
"""
_NEGATIVE = frozenset(_NEGATIVE_TEXT.split())
_NEGATORS_TEXT = "not no never don't didn't isn't wasn't aren't won't can't nothing hardly"
_NEGATORS = frozenset(_NEGATORS_TEXT.split())


_OUTCOME_LEAN = {"yes": 0.3, "no": -0.3}
_POLITE_TEXT = "thank thanks appreciate appreciated"
_POLITE = frozenset(_POLITE_TEXT.split())
"""Said at the end of nearly every call, happy or not: half a positive word."""


def _sentiment(sentences: Sequence[_Sentence], outcome: str = "unclear") -> str:
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
            if any(w in _NEGATORS for w in words[max(0, i - 3) : i]):
                polarity = -polarity
            score += weight * polarity
    normalized = score / math.sqrt(words_total or 1) + _OUTCOME_LEAN.get(outcome, 0.0)
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
    outcome = _resolved(sentences)
    summary = _summary(sentences, central, tuning)
    result: dict[str, Any] = {}
    for spec in sections:
        name = spec.name.lower()
        value: Any
        if spec.type is SectionType.LIST:
            value = _action_items(sentences) if "action" in name or "next" in name else []
        elif spec.type is SectionType.ENUM:
            if "resolv" in name:
                value = _pick_allowed(outcome, spec)
            elif "sentiment" in name:
                value = _pick_allowed(_sentiment(sentences, outcome), spec)
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
