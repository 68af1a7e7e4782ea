"""The `summary` section: the most central sentences of the call, in spoken order, labelled."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from callrecap.domain.summaries.extractive.text import Sentence, is_greeting, join_labelled


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


def central_sentence(sentences: Sequence[Sentence], central: Sequence[float]) -> str:
    """The one sentence that carries most of the call's recurring vocabulary (earliest on ties)."""
    candidates = [(score, -s.index, s) for s, score in zip(sentences, central, strict=True) if s.words >= 4]
    if not candidates:
        return join_labelled(sentences[:1], label=False)
    return join_labelled([max(candidates, key=lambda item: (item[0], item[1]))[2]], label=False)


def pick_summary(sentences: Sequence[Sentence], central: Sequence[float], tuning: ExtractiveTuning) -> str:
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
        if sentence.words < 4 or is_greeting(sentence.text):
            value -= 1.0
        ranked.append((value, -sentence.index, sentence))
    ranked.sort(key=lambda item: (item[0], item[1]), reverse=True)

    # A longer call gets a longer summary, and one sentence from how it ended: the opening says
    # why the customer called, the closing what came of it.
    extra = sum(1 for threshold in tuning.longer_after_sentences if total > threshold)
    wanted = tuning.summary_sentences + extra
    max_words = tuning.max_summary_words + 25 * extra
    chosen: list[Sentence] = []
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
    return join_labelled(chosen, tuning.label_speakers)
