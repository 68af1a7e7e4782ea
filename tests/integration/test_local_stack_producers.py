"""Recorded calls of each producer family through the local stack: exactly their spoken segments,
one final summary, one CRM delivery, nothing quarantined (records without speech are ignored)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from callrecap.contracts import CallAttr
from callrecap_local.recording import load_recording
from callrecap_local.replay_run import replay_and_wait
from callrecap_local.stack import LocalPipeline

pytestmark = pytest.mark.slow

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
SCRIPT_LINE = re.compile(r"^[AC]~?(\[[-+~=]\])?:")


def spoken_lines(script: str) -> int:
    lines = (SAMPLES / "scripts" / script).read_text(encoding="utf-8").splitlines()
    return sum(1 for line in lines if SCRIPT_LINE.match(line.strip()))


def quarantined(stack: LocalPipeline) -> int:
    assert stack.resources is not None
    attributes = stack.client("sqs").get_queue_attributes(
        QueueUrl=stack.resources.quarantine_queue_url, AttributeNames=["ApproximateNumberOfMessages"]
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"])


def call_record(stack: LocalPipeline, call_id: str) -> dict[str, Any]:
    item = stack.table().get_item(Key={"pk": f"CALL#{call_id}", "sk": "META"}, ConsistentRead=True)["Item"]
    return dict(item)


@pytest.fixture(scope="module")
def stack() -> Iterator[LocalPipeline]:
    with LocalPipeline(port=0, serve_http=False, sweeper_interval=0) as running:
        yield running


def assert_one_summary_and_delivery(result: Any) -> None:
    assert result.status == "COMPLETED", result.outcome
    finals = [int(s["version"]) for s in result.outcome.summaries if s["kind"] == "final"]
    assert len(finals) == 1, result.outcome.summaries
    assert [int(d["version"]) for d in result.outcome.deliveries] == finals


@pytest.mark.parametrize(
    ("sample", "script"),
    [
        ("password_reset.jsonl", "password_reset.txt"),  # LCA standard mode, with non-speech noise
        ("missing_parcel.jsonl", "missing_parcel.txt"),  # Amazon Connect Contact Lens
        ("unresolved_complaint.jsonl", "unresolved_complaint.txt"),  # LCA embedding TCA
        ("order_status.jsonl", "order_status.txt"),  # LCA embedding Transcribe
        ("technical_support.jsonl", "technical_support.txt"),  # LCA flat
        ("billing_dispute.jsonl", "billing_dispute.txt"),  # Chime call analytics (TCA)
    ],
)
def test_each_producer_family_replays_to_its_spoken_segments(
    stack: LocalPipeline, sample: str, script: str
) -> None:
    before = quarantined(stack)
    recording = load_recording(SAMPLES / sample)
    (result,) = replay_and_wait(stack, [recording], speed=200, timeout=90)
    assert_one_summary_and_delivery(result)
    assert result.outcome.segments == spoken_lines(script)
    assert quarantined(stack) == before
    assert stack.dead_letters == []


def test_connect_names_the_agent_keeps_its_summary_and_the_language(stack: LocalPipeline) -> None:
    recording = load_recording(SAMPLES / "missing_parcel.jsonl").renamed()
    (result,) = replay_and_wait(stack, [recording], speed=200, timeout=90)
    assert_one_summary_and_delivery(result)
    call = call_record(stack, recording.call_id)
    assert call[CallAttr.AGENT_ID.value] == "4b1d3c2a-7e6f-4a5b-9c8d-0e1f2a3b4c5d"
    assert call[CallAttr.LANGUAGE_CODE.value] == "en-US"
    assert call[CallAttr.PRODUCER_SUMMARY.value]["source"] == "contact-lens"
    assert "replacement" in call[CallAttr.PRODUCER_SUMMARY.value]["text"]
