"""The measured profile: the sample calls replayed through the local stack, as deployed, and what
they asked of AWS, per call and per call-minute (the package doc lists what is counted)."""

from __future__ import annotations

import io
import json
import math
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bench.common import REPO_ROOT

SAMPLES = REPO_ROOT / "samples"
REPLAY_SPEED = 40.0


@dataclass
class Profile:
    """What the sample calls asked of AWS, per call and per call-minute (see the module doc)."""

    calls: int = 0
    call_minutes: float = 0.0
    kinesis_records: int = 0
    kinesis_bytes: int = 0
    kinesis_billed_kb: int = 0  # each record rounded up to 1 KB (on-demand ingest)
    requests: dict[str, int] = field(default_factory=dict)  # "function service.operation" -> count
    invocations: dict[str, int] = field(default_factory=dict)
    busy_seconds: dict[str, float] = field(default_factory=dict)
    write_units: dict[str, float] = field(default_factory=dict)  # table or table/index -> units
    read_units: dict[str, float] = field(default_factory=dict)
    hottest_call_partition_units: float = 0.0  # the busiest call partition's write units in a second
    bus_entries: int = 0
    queue_messages: int = 0
    watcher_lookups: int = 0  # = pushes with one page per call
    log_bytes: int = 0
    model_calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    segments_final: int = 0
    segments_partial: int = 0
    summary_sections: int = 0

    def per_call(self, value: float) -> float:
        return value / max(1, self.calls)

    def per_minute(self, value: float) -> float:
        return value / max(1e-9, self.call_minutes)


class _CountingStdout(io.TextIOBase):
    """Counts what the handlers print (Powertools JSON logs and EMF metrics: CloudWatch Logs)."""

    def __init__(self) -> None:
        self.bytes = 0

    def write(self, text: str) -> int:
        self.bytes += len(text.encode())
        return len(text)


class RequestCounter:
    """Counts the AWS API calls each function's handler makes, as `<function> <svc>.<op>`, through
    the local stack's request hook (botocore's event system: LocalPipeline.on_function_request),
    with the bus entries, queue messages and watcher lookups they stand for."""

    def __init__(self, counts: dict[str, int]) -> None:
        self.counts = counts
        self.extra = {"bus_entries": 0, "queue_messages": 0, "watcher_lookups": 0}
        self._lock = threading.Lock()

    def __call__(self, function: Any, service: str, operation: str, params: Mapping[str, Any]) -> None:
        key = f"{function.value} {service}.{operation}"
        with self._lock:
            self.counts[key] = self.counts.get(key, 0) + 1
            if operation == "PutEvents":
                entries = params.get("Entries", [])
                self.extra["bus_entries"] += len(entries)
                # CallEnded waits in the final-summary queue (a rule target in AWS as here).
                self.extra["queue_messages"] += sum(1 for e in entries if e.get("DetailType") == "CallEnded")
            if operation in ("SendMessage", "SendMessageBatch"):
                self.extra["queue_messages"] += len(params.get("Entries", [])) or 1
            values = json.dumps(params.get("ExpressionAttributeValues", {})) if operation == "Query" else ""
            if service == "dynamodb" and '"WATCH#' in values:
                self.extra["watcher_lookups"] += 1


def _model_tokens(stack: Any, call_id: str) -> tuple[int, int, int]:
    """Input tokens of the prompt the engine renders for the stored transcript, output tokens of
    the stored final summary's sections (chars/4, the engine's own estimate), model calls."""
    from callrecap.domain.summaries.chunking import estimate_tokens

    outcome = stack.outcome(call_id)
    table = stack.table()
    items = table.query(
        KeyConditionExpression="pk = :pk AND begins_with(sk, :seg)",
        ExpressionAttributeValues={":pk": f"CALL#{call_id}", ":seg": "SEG#"},
    )["Items"]
    transcript = "\n".join(
        f"{i.get('speaker', '')}: {i.get('text', '')}" for i in items if not i.get("isPartial")
    )
    prompt_overhead = sum(estimate_tokens(p.read_text()) for p in (REPO_ROOT / "prompts").glob("*.j2")) // 3
    sections = json.dumps(outcome.sections, default=str)
    return estimate_tokens(transcript) + prompt_overhead, estimate_tokens(sections), 1


def measure_profile(speed: float = REPLAY_SPEED, limit: int | None = None) -> Profile:
    """Replay the samples through the local stack and count (see the module doc)."""
    from callrecap.contracts import GSI_LIVE_CALLS
    from callrecap_local.environment import ProcessEnvironment
    from callrecap_local.recording import load_recording
    from callrecap_local.stack import LocalPipeline

    recordings = [load_recording(p) for p in sorted(SAMPLES.glob("*.jsonl"))][:limit]
    profile = Profile(calls=len(recordings))
    counter = RequestCounter(profile.requests)
    stdout = _CountingStdout()
    saved = sys.stdout
    sys.stdout = stdout  # type: ignore[assignment]
    # As deployed: INFO logs and EMF metrics on (they are what CloudWatch Logs ingests).
    logging_on = {"POWERTOOLS_LOG_LEVEL": "INFO", "POWERTOOLS_METRICS_DISABLED": "false"}
    environment = ProcessEnvironment()
    environment.set(logging_on)
    try:
        with LocalPipeline(port=0, sweeper_interval=3600, settings_env=logging_on) as stack:
            stack.on_function_request(counter)
            for recording in recordings:
                profile.call_minutes += recording.duration / 60
                for event in recording.events:
                    if event.source == "kinesis":
                        size = len(json.dumps(event.payload).encode())
                        profile.kinesis_records += 1
                        profile.kinesis_bytes += size
                        profile.kinesis_billed_kb += math.ceil(size / 1024)
                        if (
                            isinstance(event.payload, dict)
                            and event.payload.get("EventType") == "ADD_TRANSCRIPT_SEGMENT"
                        ):
                            if event.payload.get("IsPartial"):
                                profile.segments_partial += 1
                            else:
                                profile.segments_final += 1
            replays = [stack.replay(r, speed=speed, fresh_id=True) for r in recordings]
            for replay in replays:
                status, outcome = stack.wait_for(replay.recording.call_id, timeout=300)
                if status != "COMPLETED":
                    raise RuntimeError(f"{replay.recording.path.name}: final summary {status}")
                tokens_in, tokens_out, calls = _model_tokens(stack, replay.recording.call_id)
                profile.input_tokens += tokens_in
                profile.output_tokens += tokens_out
                profile.model_calls += calls
                profile.summary_sections += len(outcome.sections)
            time.sleep(1.0)  # the CRM hook's delivery and the last pushes
            measure_api(stack, [r.recording.call_id for r in replays], profile)
            totals: dict[str, float] = defaultdict(float)
            reads: dict[str, float] = defaultdict(float)
            per_second: dict[tuple[int, str], float] = defaultdict(float)
            table_name = stack.resources.table_name if stack.resources else ""
            for (second, target, partition), units in list(stack.heat.units.items()):
                totals[target] += units
                if target == table_name and partition.startswith("CALL#"):
                    per_second[(second, partition)] += units
            for (_, target, _), units in list(stack.heat.read.items()):
                reads[target] += units
            rename = {table_name: "table", f"{table_name}/{GSI_LIVE_CALLS}": "liveCalls"}
            profile.write_units = {
                rename.get(t, t.rsplit("/", 1)[-1]): round(u, 1) for t, u in totals.items()
            }
            profile.read_units = {rename.get(t, t.rsplit("/", 1)[-1]): round(u, 1) for t, u in reads.items()}
            # Replayed `speed` times faster: a real second holds 1/speed of a replayed one.
            profile.hottest_call_partition_units = round(max(per_second.values(), default=0.0) / speed, 2)
    finally:
        sys.stdout = saved
        environment.restore()
    profile.bus_entries = counter.extra["bus_entries"]
    profile.queue_messages = counter.extra["queue_messages"]
    profile.watcher_lookups = counter.extra["watcher_lookups"]
    profile.log_bytes = stdout.bytes
    return profile


def measure_api(stack: Any, call_ids: list[str], profile: Profile, reads_per_call: int = 10) -> None:
    """A page's requests against the stored calls: reads since a cursor and a ticket, to time the
    api function (the replays make none)."""
    import urllib.request

    for call_id in call_ids:
        for _ in range(reads_per_call):
            with urllib.request.urlopen(f"{stack.api_url}/calls/{call_id}", timeout=30) as reply:
                reply.read()
    for function, local in stack.functions.items():
        profile.invocations[function.value] = local.invocations
        profile.busy_seconds[function.value] = round(local.busy_seconds, 3)
