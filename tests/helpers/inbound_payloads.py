"""Builders of concrete inbound records from the AWS-documented shapes in ../shared/data.

The Chime call analytics `.jsonc` files are templates, not payloads: comments, `{{string}}`
placeholders, a missing comma and trailing commas. `load_jsonc_templates` turns each into plain
JSON objects (placeholders become typed dummy values) so tests start from the documented key set
and overwrite only the fields they care about.
"""

from __future__ import annotations

import base64
import copy
import json
import re
from pathlib import Path
from typing import Any

_PLACEHOLDERS = {"{{string}}": '"x"', "{{number}}": "0", "{{boolean}}": "false"}


def _strip_comments(text: str) -> str:
    return "\n".join(line.split("//", 1)[0] for line in text.splitlines())


def load_jsonc_templates(path: Path) -> list[dict[str, Any]]:
    """Every top-level object in a documented template, placeholders filled with dummies."""
    text = _strip_comments(path.read_text(encoding="utf-8"))
    for placeholder, literal in _PLACEHOLDERS.items():
        text = text.replace(f'"{placeholder}"', '"x"').replace(placeholder, literal)
    text = re.sub(r",(\s*[}\]])", r"\1", text)  # trailing commas
    text = re.sub(r'([}\]"0-9el])(\s*\n\s*")', r"\1,\2", text)  # a missing comma between members
    decoder = json.JSONDecoder()
    objects: list[dict[str, Any]] = []
    index = 0
    while True:
        while index < len(text) and text[index].isspace():
            index += 1
        if index >= len(text):
            return objects
        obj, index = decoder.raw_decode(text, index)
        objects.append(obj)


def aws_event(shared_data: Path, name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((shared_data / "aws-events" / name).read_text(encoding="utf-8"))
    return data


METADATA = {
    "voiceConnectorId": "vc-abc123",
    "callId": "sip-call-1",
    "transactionId": "txn-0001",
    "fromNumber": "+12065550100",
    "toNumber": "+13605550199",
    "direction": "Inbound",
}


def chime_transcribe_record(
    shared_data: Path,
    *,
    result_id: str = "r-1",
    channel: str = "ch_0",
    text: str = "Hello there.",
    is_partial: bool = False,
    start: float = 1.5,
    end: float = 2.75,
    language_code: str = "en-US",
    metadata: dict[str, Any] | str | None = None,
) -> dict[str, Any]:
    (record,) = load_jsonc_templates(shared_data / "aws-events" / "kds_Transcribe.TEMPLATE.jsonc")
    record["time"] = "2026-03-01T10:00:05.000Z"
    record["mediaInsightsPipelineId"] = "pipeline-1"
    if metadata is None:
        # Keep the template's own key spelling (`voiceconnectorId` in this record kind).
        template_metadata = record["metadata"]
        for key in template_metadata:
            template_metadata[key] = METADATA[key] if key in METADATA else METADATA["voiceConnectorId"]
    else:
        record["metadata"] = metadata
    result = record["TranscriptEvent"]["Transcript"]["Results"][0]
    result.update(
        ResultId=result_id,
        ChannelId=channel,
        IsPartial=is_partial,
        StartTime=start,
        EndTime=end,
        LanguageCode=language_code,
    )
    result["Alternatives"][0]["Transcript"] = text
    return record


def chime_tca_record(
    shared_data: Path,
    *,
    utterance: dict[str, Any] | None = None,
    category: dict[str, Any] | None = None,
    metadata: dict[str, Any] | str | None = None,
) -> dict[str, Any]:
    """A TCA record from the template, with the documented UtteranceEvent/CategoryEvent payloads."""
    (record,) = load_jsonc_templates(
        shared_data / "aws-events" / "kds_TranscribeCallAnalytics.TEMPLATE.jsonc"
    )
    record["time"] = "2026-03-01T10:00:07.000Z"
    record["metadata"] = copy.deepcopy(METADATA) if metadata is None else metadata
    record["UtteranceEvent"] = (
        aws_event(shared_data, "tca_streaming_UtteranceEvent.json")["UtteranceEvent"]
        if utterance is None
        else utterance
    )
    record["CategoryEvent"] = (
        aws_event(shared_data, "tca_streaming_CategoryEvent.json")["CategoryEvent"]
        if category is None
        else category
    )
    return record


def chime_metadata_record(shared_data: Path, *, as_string: bool = True) -> dict[str, Any]:
    record, metadata, one_time, _headers = load_jsonc_templates(
        shared_data / "aws-events" / "kds_CallAnalyticsMetadata.TEMPLATE.jsonc"
    )
    record["time"] = "2026-03-01T10:00:00.000Z"
    metadata.update(METADATA)
    metadata["oneTimeMetadata"] = json.dumps(one_time)
    record["metadata"] = json.dumps(metadata) if as_string else metadata
    return record


def encode(record: Any) -> bytes:
    return json.dumps(record).encode("utf-8")


def b64(record: Any) -> str:
    return base64.b64encode(encode(record)).decode("ascii")
