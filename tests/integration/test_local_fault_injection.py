"""Fault injection through the whole local stack (issue 12): recorded calls replayed while

- the `openai` provider's server (a loopback stand-in) answers most requests with 429, 500 or
  text that is not the sections,
- DynamoDB throttles a share of the writes (botocore's retries must absorb them),
- every bus event is delivered twice (EventBridge delivers at least once),

with the extractive fallback configured. Every call must end with exactly one COMPLETED final per
transcript revision (by the model or the fallback) and exactly one CRM delivery per final."""

from __future__ import annotations

import json
import random
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from callrecap.settings import EnvVar
from callrecap_local.stack import LocalPipeline
from tests.helpers.sections import complete
from tests.helpers.standin import Reply, Request, answering, chat_error, chat_reply

pytestmark = pytest.mark.slow

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
RECORDINGS = ("order_status.jsonl", "password_reset.jsonl", "technical_support.jsonl")
SECTIONS = complete(
    {
        "summary": "The caller asked for help and the agent resolved it.",
        "topic": "Customer request",
        "action_items": [],
        "resolved": "yes",
        "customer_sentiment": "neutral",
    }
)


class UnreliableModel:
    """The first summary's every attempt is throttled (429 until the provider gives up), the
    second's reply and its repair are unusable text; after that 30 % of requests get the
    sections and the rest 429, 500 or unusable text, at random. Called on the server's threads."""

    SCRIPT = ("429",) * 5 + ("junk", "junk")

    def __init__(self, seed: int = 12) -> None:
        self.rng = random.Random(seed)
        self.served = 0
        self.answers: Counter[str] = Counter()
        self.lock = threading.Lock()

    def __call__(self, request: Request) -> Reply:
        with self.lock:
            roll = self.rng.random()
            scripted = self.SCRIPT[self.served] if self.served < len(self.SCRIPT) else None
            self.served += 1
            randomly = "ok" if roll < 0.3 else "429" if roll < 0.55 else "500" if roll < 0.8 else "junk"
            kind = scripted or randomly
            self.answers[kind] += 1
        if kind in ("429", "500"):
            return chat_error(int(kind), f"injected {kind}")
        return chat_reply(json.dumps(SECTIONS) if kind == "ok" else "Sure! Here is a summary of the call.")


@contextmanager
def throttled_dynamodb_writes(share: float, seed: int = 5) -> Iterator[Counter[str]]:
    """moto's DynamoDB writes raise ProvisionedThroughputExceededException `share` of the time."""
    from moto.dynamodb.exceptions import DynamodbException
    from moto.dynamodb.models import DynamoDBBackend

    rng = random.Random(seed)
    lock = threading.Lock()
    thrown: Counter[str] = Counter()
    names = ("put_item", "update_item", "transact_write_items")
    originals = {name: getattr(DynamoDBBackend, name) for name in names}

    def throttling(name: str, original: Any) -> Any:
        def write(self: Any, *args: Any, **kwargs: Any) -> Any:
            with lock:
                throttle = rng.random() < share
            if throttle:
                thrown[name] += 1
                raise DynamodbException(
                    "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException", "injected"
                )
            return original(self, *args, **kwargs)

        return write

    for name, original in originals.items():
        setattr(DynamoDBBackend, name, throttling(name, original))
    try:
        yield thrown
    finally:
        for name, original in originals.items():
            setattr(DynamoDBBackend, name, original)


@contextmanager
def every_bus_event_twice() -> Iterator[Counter[str]]:
    from callrecap.adapters.event_bus import EventBridgePublisher

    original = EventBridgePublisher.publish
    sent: Counter[str] = Counter()

    def publish(self: Any, event: Any, detail: Any) -> None:
        original(self, event, detail)
        original(self, event, detail)  # the duplicate EventBridge may deliver
        sent[str(event)] += 1

    EventBridgePublisher.publish = publish  # type: ignore[method-assign]
    try:
        yield sent
    finally:
        EventBridgePublisher.publish = original  # type: ignore[method-assign]


def test_every_call_gets_one_final_per_revision_and_one_delivery_per_final() -> None:
    model = UnreliableModel()
    with answering(model) as server:
        settings = {
            EnvVar.LLM_PROVIDER.value: "openai",
            EnvVar.OPENAI_BASE_URL.value: f"{server.url}/v1",
            EnvVar.OPENAI_MODEL.value: "unreliable",
            # A model that answers free text (no response_format): the repair step is part of the test.
            EnvVar.OPENAI_RESPONSE_FORMAT.value: "none",
            EnvVar.LLM_FALLBACK.value: "extractive",
        }
        with (
            LocalPipeline(port=0, serve_http=False, sweeper_interval=0, settings_env=settings) as stack,
            throttled_dynamodb_writes(0.1) as throttled,
            every_bus_event_twice(),
        ):
            replays = [stack.replay(SAMPLES / name, speed=40, fresh_id=True) for name in RECORDINGS]
            outcomes = {}
            for replay in replays:
                status, outcome = stack.wait_for(replay.recording.call_id, timeout=240)
                assert status == "COMPLETED", outcome
                outcomes[replay.recording.call_id] = outcome
            assert sum(throttled.values()) > 0  # the faults really happened
            assert model.answers["ok"] < sum(model.answers.values())
            writers: Counter[str] = Counter()
            for call_id in outcomes:
                finals = [s for s in stack.outcome(call_id).summaries if s["kind"] == "final"]
                done = [s for s in finals if s["status"] == "COMPLETED"]
                writers.update(str(s["provider"]) for s in done)
                per_revision = Counter(int(s["transcriptRevision"]) for s in done)
                assert per_revision and all(n == 1 for n in per_revision.values()), (call_id, finals)
                versions = {int(s["version"]) for s in finals if s["status"] in ("COMPLETED", "STALE")}
                delivered = Counter(int(d["version"]) for d in stack.outcome(call_id).deliveries)
                assert set(delivered) == versions, (call_id, delivered, versions)
                assert all(n == 1 for n in delivered.values()), (call_id, delivered)
                assert not [s for s in finals if s["status"] == "PENDING"], finals
            # What happened, for whoever reads a failure: the model's answers, throttled writes, who wrote.
            print(f"model {dict(model.answers)}, throttled {dict(throttled)}, finals by {dict(writers)}")
            assert writers["extractive"] >= 2  # the throttled one and the unusable one: by the fallback
            assert writers["openai"] >= 1
