"""One call-identity rule: the ingest parser and the local replay key a call the same way."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from callrecap.domain.models import observed_call_id
from callrecap.domain.transcripts.inbound import parse_record_object
from callrecap_local.recording import load_recording
from tests.helpers.inbound_payloads import chime_metadata_record, chime_transcribe_record

METADATA = {"transactionId": "txn-42", "callId": "sip-call-id-leg-a", "voiceConnectorId": "vc-1"}


def recorded(tmp_path: Path, *records: dict[str, Any]) -> Path:
    path = tmp_path / "call.jsonl"
    lines = [json.dumps({"at": i, "source": "kinesis", "data": r}) for i, r in enumerate(records)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("as_string", [True, False], ids=["metadata-string", "metadata-object"])
def test_replay_names_a_chime_call_as_the_parser_keys_it(
    shared_data: Path, tmp_path: Path, as_string: bool
) -> None:
    metadata: dict[str, Any] | str = json.dumps(METADATA) if as_string else dict(METADATA)
    record = chime_transcribe_record(shared_data, metadata=metadata)
    [segment] = parse_record_object(record, record_id="r")
    assert observed_call_id(segment) == "txn-42"  # transactionId: shared by both legs
    assert load_recording(recorded(tmp_path, record)).call_id == "txn-42"


def test_replay_and_parser_agree_on_every_shipped_sample(shared_data: Path) -> None:
    samples = sorted((Path(__file__).resolve().parents[2] / "samples").glob("*.jsonl"))
    assert samples
    for path in samples:
        recording = load_recording(path)
        keyed = set()
        for event in recording.events:
            if event.source == "kinesis":
                keyed |= {observed_call_id(o) for o in parse_record_object(event.payload, record_id="r")}
        assert keyed <= {recording.call_id}, path.name


def test_metadata_record_without_transaction_id_falls_back_to_the_sip_call_id(shared_data: Path) -> None:
    record = chime_metadata_record(shared_data, as_string=False)
    record["metadata"].pop("transactionId", None)
    record["metadata"]["callId"] = "sip-only"
    [details] = parse_record_object(record, record_id="r")
    assert observed_call_id(details) == "sip-only"


def test_beside_lcas_call_analytics_producers_chime_records_are_keyed_by_the_vc_call_id(
    shared_data: Path,
) -> None:
    """LCA's START/END carry CallId = the Voice Connector callId; with the callId rule the Media
    Insights records of the same call land on the same call."""
    from callrecap.domain.transcripts.inbound import ChimeCallKey

    record = chime_transcribe_record(shared_data, metadata=json.dumps(METADATA))
    lca_start = {"EventType": "START", "CallId": "sip-call-id-leg-a"}
    [segment] = parse_record_object(record, record_id="r", chime_call_key=ChimeCallKey.CALL_ID)
    [start] = parse_record_object(lca_start, record_id="s")
    assert observed_call_id(segment) == observed_call_id(start) == "sip-call-id-leg-a"
