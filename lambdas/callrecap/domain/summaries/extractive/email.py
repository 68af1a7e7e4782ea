"""The follow-up email, assembled offline from what the other sections extracted: the topic,
whether the issue was resolved, and the commitments made on the call. Nothing is added that the
transcript did not say; with no commitments of the agent's the email only thanks the caller, under
a subject line naming the topic."""

from __future__ import annotations

import re
from collections.abc import Sequence

_SPEAKER_PREFIX = re.compile(r"^(agent|customer|caller)\s*:\s*", re.IGNORECASE)

RESOLUTION_LINES = {
    "yes": "We were able to sort this out during the call.",
    "no": "We could not resolve everything during the call yet, and we are following up.",
}


def follow_up_email(topic: str, resolved: str, action_items: Sequence[str]) -> str:
    """'Subject: ...', a blank line, then a short body in the agent's voice."""
    # The topic is a phrase of any shape ("Late order", "Technician didn't show up"): it stands
    # after a colon, where any phrase reads right, not inside a sentence.
    subject_topic = topic.strip().rstrip(".")
    subject = f"Following up on your call: {subject_topic}" if subject_topic else "Following up on your call"
    lines = [f"Subject: {subject}", "", "Hello,", "", "Thank you for calling us today."]
    if resolved.lower() in RESOLUTION_LINES:
        lines.append(RESOLUTION_LINES[resolved.lower()])
    # The agent's own commitments (the email is in the agent's voice; the caller's are theirs).
    items = [
        _SPEAKER_PREFIX.sub("", item).strip()
        for item in action_items
        if item.strip() and not re.match(r"^(customer|caller)\s*:", item.strip(), re.IGNORECASE)
    ]
    if items:
        lines += ["", "What we agreed on the call:"]
        lines += [f"- {item}" for item in items]
    lines += ["", "Kind regards,", "Customer care"]
    return "\n".join(lines)
