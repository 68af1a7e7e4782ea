"""Post-call analytics output JSON, turn by turn: Amazon Transcribe Call Analytics
(docs.aws.amazon.com/transcribe/latest/dg/tca-output-batch.html, "Compiled post-call analytics
output": `Transcript[]` items with `Content`, `BeginOffsetMillis`, `EndOffsetMillis` and
`ParticipantRole`) and Amazon Connect Contact Lens (docs.aws.amazon.com/connect/latest/adminguide/
contact-lens-example-output-files.html: `Participants[]` mapping each `ParticipantId` to its
`ParticipantRole`, and `Transcript[]` items naming the `ParticipantId`).

Roles: AGENT and CUSTOMER as such; any other role (SUPERVISOR, SYSTEM for IVR prompts, CUSTOM_BOT)
is kept as a named speaker, so the summary sees who said it. Contact Lens names its file
`<contact id>_analysis_<time>.json`: the contact id is the call id; Call Analytics carries `JobName`.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from callrecap.domain.models import Speaker, Turn
from callrecap_local.transcript_files.base import (
    FileFormat,
    TranscriptFile,
    TranscriptFileError,
    merge_consecutive,
    speaker_named,
)

ROLES = {"AGENT": Speaker.AGENT.value, "CUSTOMER": Speaker.CUSTOMER.value}


def is_analytics_output(document: Any) -> bool:
    transcript = document.get("Transcript") if isinstance(document, dict) else None
    return isinstance(transcript, list) and any(
        isinstance(turn, dict) and "Content" in turn for turn in transcript
    )


def _role_speaker(role: str) -> str:
    if not role:
        return Speaker.UNKNOWN.value
    return ROLES.get(role.upper()) or speaker_named(role.replace("_", " ").title())


def _participants(document: Mapping[str, Any]) -> dict[str, str]:
    found: dict[str, str] = {}
    for participant in document.get("Participants") or []:
        if isinstance(participant, dict) and participant.get("ParticipantId") is not None:
            found[str(participant["ParticipantId"])] = str(participant.get("ParticipantRole") or "")
    return found


def _millis(value: Any) -> float:
    try:
        return float(value) / 1000
    except (TypeError, ValueError):
        return 0.0


def read_analytics_output(document: Mapping[str, Any], path: Path) -> TranscriptFile:
    contact_lens = isinstance(document.get("Participants"), list)
    roles = _participants(document)
    turns: list[Turn] = []
    for number, item in enumerate(document["Transcript"]):
        if not isinstance(item, dict):
            raise TranscriptFileError(f"{path}: Transcript[{number}] is not an object")
        text = str(item.get("Content") or "").strip()
        if not text:
            continue
        if "ParticipantRole" in item:
            role = str(item["ParticipantRole"])
        else:
            participant = str(item.get("ParticipantId") or "")
            role = roles.get(participant, participant)  # the documented example names roles as ids too
        turns.append(
            Turn(
                _role_speaker(role),
                text,
                _millis(item.get("BeginOffsetMillis")),
                _millis(item.get("EndOffsetMillis")),
            )
        )
    if not turns:
        raise TranscriptFileError(f"{path}: the post-call output's Transcript has no speech")
    if contact_lens:
        call_id = path.name.split("_analysis", 1)[0] if "_analysis" in path.name else path.stem
        kind = FileFormat.CONTACT_LENS
    else:
        call_id = str(document.get("JobName") or path.stem)
        kind = FileFormat.CALL_ANALYTICS
    status = str(document.get("JobStatus") or "COMPLETED")
    warnings = () if status == "COMPLETED" else (f"{path}: the analytics job's status is {status}",)
    return TranscriptFile(call_id, merge_consecutive(turns), kind, warnings)
