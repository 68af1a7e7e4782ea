"""The `topic` section: the customer's first request cut to its core clause (a fallback: the
most repeated content-word pair)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from itertools import pairwise

from callrecap.domain.summaries.extractive.sentiment import NEGATORS
from callrecap.domain.summaries.extractive.text import STOPWORDS, Sentence, content_words, normalize, words_of


def _key_phrase(sentences: Sequence[Sentence]) -> str:
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
_DANGLING = STOPWORDS - frozenset(_PARTICLES_TEXT.split())
"""Words a phrase cannot end on (a particle like "show up" can)."""


def _is_opening(text: str) -> bool:
    """Greeting, introduction, verification answer: nothing yet about why they call."""
    core = _GREETING.sub("", text).strip()
    words = words_of(core)
    if len(words) < 3 or _IDENTITY.search(core):
        return True
    numbers = sum(1 for w in words if w.isdigit() or w in _NUMBER_WORDS)
    return numbers * 3 >= len(words) or len(content_words(words)) < 2


def _core_clause(text: str, vocabulary: Counter[str]) -> str:
    """The request or problem of a sentence without lead-in, subject and circumstances."""
    text = _GREETING.sub("", text.rstrip(".!?")).strip()
    text = _LEAD_IN.sub("", text, count=1)
    clauses = [c for c in _CLAUSE_SPLIT.split(text) if len(content_words(words_of(c))) >= 1]
    if not clauses:
        return ""
    cued = [i for i, c in enumerate(clauses) if _REQUEST_CUE.search(c)]
    index = cued[0] if cued else 0

    def trim(clause: str) -> str:
        clause = _LEAD_IN.sub("", _SUBJECT.sub("", clause.strip(), count=1), count=1)
        clause = _DETERMINER.sub("", _POSSESSIVE.sub("", clause))
        cut = _CIRCUMSTANCE.sub("", clause)
        return cut if len(words_of(cut)) >= 2 else clause

    core = trim(clauses[index])
    others = [c for i, c in enumerate(clauses) if i != index]
    if others and set(words_of(core)) <= _VAGUE:
        # "we've been having some issues": what with is said in the rest of the sentence
        thing = max(
            (w for c in others for w in content_words(words_of(c))),
            key=lambda w: vocabulary[normalize(w)],
        )
        noun = next(
            (w for w in words_of(core) if w in {"issue", "issues", "problem", "problems", "trouble"}), ""
        )
        core = f"{noun or 'question'} with {thing}"
    elif len(words_of(core)) < 3 and index > 0:
        if set(words_of(core)) <= STOPWORDS | NEGATORS:
            core = trim(clauses[index - 1])  # "an order that was due ... and never did"
        else:
            core = f"{trim(clauses[index - 1])}, {core}"  # "March bill, charged twice"
    return core


def find_topic(sentences: Sequence[Sentence]) -> str:
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
    while len(words) > 2 and (not words_of(words[-1]) or words_of(words[-1])[0] in _DANGLING):
        words.pop()  # "... for next quarter is" -> "... for next quarter"
    core = " ".join(words).strip(" ,;:-")
    return core[:1].upper() + core[1:]
