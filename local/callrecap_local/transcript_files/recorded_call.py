"""A recorded call (DESIGN.md §2, what `callrecap replay` plays) or a dump of stream records: its
Kinesis records are parsed by the same inbound parser the ingest Lambda uses, and the final
segments become the turns."""

from __future__ import annotations

from pathlib import Path

from callrecap.domain.models import Segment
from callrecap.domain.transcripts.inbound.transcribe import channel_roles_with_agent_on
from callrecap.domain.transcripts.rules import final_turns
from callrecap.settings import AgentChannel
from callrecap_local.transcript_files.base import FileFormat, TranscriptFile, TranscriptFileError


def read_recorded_call(path: Path, agent_channel: str = AgentChannel.CH_1.value) -> TranscriptFile:
    """Final segments of a recorded call or a dump of stream records, through the ingest
    Lambda's own parser and its channel convention."""
    from callrecap.domain.transcripts.inbound import (
        DEFAULT_CHIME_CALL_KEY,
        MalformedRecord,
        parse_record_object,
    )
    from callrecap_local.recording import RecordingError, load_recording

    try:
        recording = load_recording(path)
    except RecordingError as error:
        raise TranscriptFileError(str(error)) from error
    roles = channel_roles_with_agent_on(agent_channel)
    finals: dict[str, Segment] = {}
    for index, event in enumerate(recording.events):
        if event.source != "kinesis":
            continue
        try:
            observations = parse_record_object(
                event.payload,
                record_id=f"{path.name}#{index}",
                channel_roles=roles,
                chime_call_key=recording.chime_call_key or DEFAULT_CHIME_CALL_KEY,
            )
        except MalformedRecord as error:
            raise TranscriptFileError(f"{path}: event {index}: {error}") from error
        for observation in observations:
            if isinstance(observation, Segment) and not observation.is_partial and observation.text.strip():
                finals[observation.segment_id] = observation
    turns = final_turns(finals.values())
    if not turns:
        raise TranscriptFileError(f"{path}: the recorded call has no final transcript segments")
    kind = FileFormat.EVENT_DUMP if recording.dump else FileFormat.RECORDED_CALL
    return TranscriptFile(recording.call_id, turns, kind)
