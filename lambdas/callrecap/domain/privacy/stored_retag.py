"""The stored transcript, redacted across segments once the call is over (redactStoredTranscript).

Ingest tags PII segment by segment as it stores them, so a card number read out in groups over
several segments ("four one one one" / "okay" / "one one one one" ...) is stored in pieces, none of
them a number on its own. When the call's final summary is run, its whole transcript is known:
the same joining rules the model's input gets (domain.pii_turns) find those numbers, and the
segments holding a piece are rewritten with the tag. Until then the pieces are in the table, as
they were said; pages watching the call see the tags replace them.
"""

from __future__ import annotations

from collections.abc import Iterable

from callrecap.contracts import CallAttr
from callrecap.domain.models import Turn
from callrecap.domain.ports import SegmentRewriter, TextChange
from callrecap.domain.privacy.across_turns import numbers_across_turns
from callrecap.domain.privacy.pii import PiiEntity, redact
from callrecap.domain.transcripts.rules import resolve


def retag_stored_transcript(store: SegmentRewriter, call_id: str, entities: Iterable[PiiEntity]) -> int:
    """Rewrite the call's final segments that hold a piece of a number; how many were rewritten."""
    chosen = frozenset(entities)
    if not chosen:
        return 0
    call = store.get_call(call_id) or {}
    language = str(call.get(CallAttr.LANGUAGE_CODE.value) or "en")
    segments = [s for s in resolve(store.list_segments(call_id)) if not s.is_partial and s.text.strip()]
    turns = [Turn(s.speaker.value, s.text, s.start_time, s.end_time) for s in segments]
    changes = []
    for index, findings in sorted(numbers_across_turns(turns, chosen, language=language).items()):
        segment = segments[index]
        tagged = redact(segment.text, chosen, extra=findings, language=language).text
        if tagged != segment.text:
            changes.append(TextChange(segment.segment_id, segment.text, tagged))
    return store.rewrite_segment_texts(call_id, changes) if changes else 0
