"""LCA's call-analytics mode through the local stack: LCA START/END keyed by the Voice Connector
callId beside unchanged Media Insights records are one call, found by the call-identity rule
(its own module: the stack runs with CALLRECAP_CHIME_CALL_KEY=callId)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from callrecap.domain.transcripts.inbound import ChimeCallKey
from callrecap.settings import EnvVar
from callrecap_local.recording import load_recording
from callrecap_local.replay_run import chime_call_key_for, replay_and_wait
from callrecap_local.stack import LocalPipeline
from tests.integration.test_local_stack_producers import (
    SAMPLES,
    assert_one_summary_and_delivery,
    quarantined,
    spoken_lines,
)

pytestmark = pytest.mark.slow


def lca_call_analytics_mode(tmp_path: Path) -> Path:
    """The Chime sample as LCA's call-analytics mode writes it: LCA START/END keyed by the Voice
    Connector callId instead of streaming-status events, Media Insights records unchanged."""
    lines = [json.loads(line) for line in (SAMPLES / "billing_dispute.jsonl").read_text().splitlines()]
    records = [line for line in lines if line["source"] == "kinesis"]
    metadata = next(r["data"]["metadata"] for r in records if isinstance(r["data"].get("metadata"), dict))
    sip_call_id = metadata["callId"]
    end = max(line["at"] for line in lines)
    start = {"CallId": sip_call_id, "CustomerPhoneNumber": metadata["fromNumber"], "EventType": "START"}
    bounds = [
        {"at": 0.0, "source": "kinesis", "partitionKey": sip_call_id, "data": start},
        {
            "at": end,
            "source": "kinesis",
            "partitionKey": sip_call_id,
            "data": {"CallId": sip_call_id, "EventType": "END"},
        },
    ]
    path = tmp_path / "lca_call_analytics.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in [*bounds, *records]))
    return path


def test_lcas_call_analytics_mode_is_one_call_keyed_by_the_voice_connector_call_id(tmp_path: Path) -> None:
    recording = load_recording(lca_call_analytics_mode(tmp_path))
    assert recording.chime_call_key is ChimeCallKey.CALL_ID  # detected: LCA START/END beside Chime records
    key = chime_call_key_for([recording])
    assert key is ChimeCallKey.CALL_ID
    with LocalPipeline(
        port=0, serve_http=False, sweeper_interval=0, settings_env={EnvVar.CHIME_CALL_KEY.value: key.value}
    ) as stack:
        (result,) = replay_and_wait(stack, [recording], speed=200, timeout=90)
        assert_one_summary_and_delivery(result)
        assert result.outcome.segments == spoken_lines("billing_dispute.txt")
        assert quarantined(stack) == 0
