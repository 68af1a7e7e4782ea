"""The `resolved` section: how the call ended, from its closing cues."""

from __future__ import annotations

import re
from collections.abc import Sequence

from callrecap.domain.summaries.extractive.text import Sentence

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


def find_resolution(sentences: Sequence[Sentence]) -> str:
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
