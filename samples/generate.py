"""Compose the recorded sample calls (samples/*.jsonl) from the written scripts in samples/scripts/.

Deterministic: the same scripts always give byte-identical files (fixed seeds, fixed start times,
uuid5 ids). Run `.venv/bin/python samples/generate.py` after editing a script; `--check` exits non-zero
when a committed .jsonl differs from what the scripts produce.

Script lines (one utterance a line; blank lines and `#` comments are ignored):
    A: text            the agent speaks
    C: text            the customer speaks
    C~: text           starts before the previous utterance has finished (an overlap)
    A[-]: / A[+]: / A[~]: / A[=]:
                       sentiment NEGATIVE / POSITIVE / MIXED / NEUTRAL (TCA-style sources only;
                       an untagged utterance is NEUTRAL)
    (pause 8)          8 seconds of silence (e.g. the customer is put on hold)
    (category name)    a Transcribe Call Analytics category matched at this point

Each call is written in one of the inbound formats (see samples/README.md):
    chime-transcribe   Chime call analytics `Transcribe` records + streaming status events
    chime-tca          Chime call analytics `TranscribeCallAnalytics` records + streaming status
    lca-flat           LCA events, ADD_TRANSCRIPT_SEGMENT with flat fields
    lca-transcribe     LCA events embedding a Transcribe TranscriptEvent
    lca-tca            LCA events embedding a TCA UtteranceEvent, ADD_CALL_CATEGORY
    lca-standard       what LCA's Chime VC transcriber writes in standard mode: flat segments with
                       string times, START without AgentId, END with only CallId, interleaved with
                       records that carry no speech (agent-assist answers, the recording URL, LCA's
                       own summary)
    contact-lens       Amazon Connect Contact Lens real-time voice segments (Utterance pieces, then
                       the Transcript final; Categories; PostContactSummary; COMPLETED) plus the
                       Connect contact event that names the agent
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from callrecap_local.lca_events import lca_call_event, lca_segment

HERE = Path(__file__).resolve().parent
SCRIPTS = HERE / "scripts"
NAMESPACE = uuid.UUID("6f1c2a52-3d0e-4a5b-9a59-2b8f0c1d7e10")

SECONDS_PER_WORD = 0.36  # ~165 words a minute, a brisk but ordinary phone pace
PARTIAL_EVERY_WORDS = 3  # a partial result about every second of speech
FINAL_LATENCY = 0.4  # the final result lands a little after the utterance ends
SENTIMENTS = {"-": "NEGATIVE", "+": "POSITIVE", "~": "MIXED", "=": "NEUTRAL"}

LINE = re.compile(r"^(?P<who>[AC])(?P<overlap>~)?(?:\[(?P<sentiment>[-+~=])\])?:\s*(?P<text>.+)$")
DIRECTIVE = re.compile(r"^\((?P<name>pause|category)\s+(?P<arg>[^)]+)\)$")


@dataclass(frozen=True)
class Utterance:
    speaker: str  # "AGENT" | "CUSTOMER"
    text: str
    overlap: bool = False
    sentiment: str = "NEUTRAL"


@dataclass(frozen=True)
class Pause:
    seconds: float


@dataclass(frozen=True)
class Category:
    name: str


Step = Utterance | Pause | Category


@dataclass(frozen=True)
class CallSpec:
    name: str
    title: str
    fmt: str
    scripts: tuple[str, ...]
    start: datetime
    customer_number: str
    system_number: str
    agent_id: str
    direction: str = "Inbound"
    seed: int = 1
    duplicate_end: bool = False
    pauses_between_parts: tuple[float, ...] = ()


CALLS: tuple[CallSpec, ...] = (
    CallSpec(
        name="billing_dispute",
        title="Billing dispute: a double charge after a plan change",
        fmt="chime-tca",
        scripts=("billing_dispute.txt",),
        start=datetime(2026, 3, 2, 14, 5, 12, tzinfo=UTC),
        customer_number="+15125550143",
        system_number="+18885550110",
        agent_id="agent-priya",
        seed=11,
    ),
    CallSpec(
        name="technical_support",
        title="Technical support: home Wi-Fi drops every evening",
        fmt="lca-flat",
        scripts=("technical_support.txt",),
        start=datetime(2026, 3, 2, 18, 41, 3, tzinfo=UTC),
        customer_number="+16175550187",
        system_number="+18885550120",
        agent_id="agent-marcus",
        seed=12,
    ),
    CallSpec(
        name="cancellation_retention",
        title="Cancellation with a retention offer: streaming subscription",
        fmt="chime-transcribe",
        scripts=("cancellation_retention.txt",),
        start=datetime(2026, 3, 3, 9, 12, 44, tzinfo=UTC),
        customer_number="+13125550166",
        system_number="+18885550130",
        agent_id="agent-dana",
        seed=13,
        duplicate_end=True,
    ),
    CallSpec(
        name="order_status",
        title="Order status: a delayed sofa delivery",
        fmt="lca-transcribe",
        scripts=("order_status.txt",),
        start=datetime(2026, 3, 3, 11, 30, 0, tzinfo=UTC),
        customer_number="+14155550122",
        system_number="+18885550140",
        agent_id="agent-tomas",
        seed=14,
    ),
    CallSpec(
        name="unresolved_complaint",
        title="Unresolved complaint: a repeated missed technician appointment",
        fmt="lca-tca",
        scripts=("unresolved_complaint.txt",),
        start=datetime(2026, 3, 4, 16, 2, 31, tzinfo=UTC),
        customer_number="+12065550178",
        system_number="+18885550150",
        agent_id="agent-lena",
        seed=15,
    ),
    CallSpec(
        name="password_reset",
        title="Locked out after a phone upgrade: sign-in restored (LCA standard mode)",
        fmt="lca-standard",
        scripts=("password_reset.txt",),
        start=datetime(2026, 3, 6, 15, 20, 5, tzinfo=UTC),
        customer_number="+15035550134",
        system_number="+18885550170",
        agent_id="agent-ray",
        seed=17,
    ),
    CallSpec(
        name="missing_parcel",
        title="A parcel marked delivered that never came (Amazon Connect, Contact Lens)",
        fmt="contact-lens",
        scripts=("missing_parcel.txt",),
        start=datetime(2026, 3, 6, 17, 45, 30, tzinfo=UTC),
        customer_number="+16465550155",
        system_number="+18885550180",
        agent_id="4b1d3c2a-7e6f-4a5b-9c8d-0e1f2a3b4c5d",
        seed=18,
    ),
    CallSpec(
        name="long_business_migration",
        title="Long call (30+ minutes): moving a dental office's phones and internet",
        fmt="chime-tca",
        scripts=tuple(f"long_call/part{n}.txt" for n in range(1, 7)),
        start=datetime(2026, 3, 5, 13, 0, 9, tzinfo=UTC),
        customer_number="+17205550191",
        system_number="+18885550160",
        agent_id="agent-sam",
        seed=16,
        pauses_between_parts=(95.0, 140.0, 80.0, 160.0, 70.0),
    ),
)


# --------------------------------------------------------------------------- script reading


def read_script(path: Path) -> list[Step]:
    steps: list[Step] = []
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        directive = DIRECTIVE.match(line)
        if directive:
            if directive["name"] == "pause":
                steps.append(Pause(float(directive["arg"])))
            else:
                steps.append(Category(directive["arg"].strip()))
            continue
        match = LINE.match(line)
        if not match:
            raise ValueError(f"{path}:{number}: cannot read {line!r}")
        steps.append(
            Utterance(
                speaker="AGENT" if match["who"] == "A" else "CUSTOMER",
                text=match["text"].strip(),
                overlap=bool(match["overlap"]),
                sentiment=SENTIMENTS.get(match["sentiment"] or "=", "NEUTRAL"),
            )
        )
    return steps


def read_call(spec: CallSpec) -> list[Step]:
    steps: list[Step] = []
    for index, name in enumerate(spec.scripts):
        if index:
            steps.append(Pause(spec.pauses_between_parts[index - 1]))
        steps.extend(read_script(SCRIPTS / name))
    return steps


# --------------------------------------------------------------------------- timing


@dataclass(frozen=True)
class Timed:
    utterance: Utterance
    index: int
    start: float
    end: float
    words: tuple[str, ...]
    partials: tuple[tuple[float, str], ...]  # (at, growing text)

    def spoken_until(self, text: str) -> float:
        """Where in the call the words of a (partial) text end, at this utterance's pace."""
        fraction = len(text.split()) / max(1, len(self.words))
        return round(self.start + (self.end - self.start) * fraction, 3)


@dataclass
class Timeline:
    utterances: list[Timed] = field(default_factory=list)
    categories: list[tuple[float, str]] = field(default_factory=list)
    end: float = 0.0


def lay_out(steps: list[Step], seed: int) -> Timeline:
    """Place utterances in time: speaking pace, gaps between turns, overlaps, pauses."""
    rng = random.Random(seed)
    timeline = Timeline()
    clock = 2.0  # a couple of seconds of ringing/greeting set-up before the first word
    previous: Timed | None = None
    for step in steps:
        if isinstance(step, Pause):
            clock += step.seconds
            continue
        if isinstance(step, Category):
            timeline.categories.append((round(clock, 3), step.name))
            continue
        words = tuple(step.text.split())
        duration = max(0.8, len(words) * SECONDS_PER_WORD * rng.uniform(0.9, 1.12))
        if step.overlap and previous is not None:
            start = max(previous.start + 0.5, previous.end - rng.uniform(0.5, 1.2))
        else:
            same_speaker = previous is not None and previous.utterance.speaker == step.speaker
            start = clock + (rng.uniform(0.2, 0.5) if same_speaker else rng.uniform(0.4, 1.4))
        end = start + duration
        partials: list[tuple[float, str]] = []
        for count in range(PARTIAL_EVERY_WORDS, len(words), PARTIAL_EVERY_WORDS):
            at = start + duration * count / len(words) + 0.25  # always before the final lands
            partials.append((round(at, 3), " ".join(words[:count]).rstrip(",.?!")))
        timed = Timed(step, len(timeline.utterances), round(start, 3), round(end, 3), words, tuple(partials))
        timeline.utterances.append(timed)
        previous = timed
        clock = max(clock, end)
    timeline.end = round(clock + 1.5, 3)
    return timeline


# --------------------------------------------------------------------------- emitters


def stable_id(*parts: object) -> str:
    return str(uuid.uuid5(NAMESPACE, "/".join(str(p) for p in parts)))


def iso(start: datetime, offset: float) -> str:
    instant = start + timedelta(seconds=offset)
    return instant.strftime("%Y-%m-%dT%H:%M:%S.") + f"{instant.microsecond // 1000:03d}Z"


class CallWriter:
    """Turns a laid-out call into the recorded-call lines of one inbound format."""

    def __init__(self, spec: CallSpec, timeline: Timeline) -> None:
        self.spec = spec
        self.timeline = timeline
        self.lines: list[tuple[float, int, dict[str, Any]]] = []
        self.call_id = (
            stable_id(spec.name, "transaction")
            if spec.fmt.startswith("chime")
            else stable_id(spec.name, "contact")
            if spec.fmt == "contact-lens"
            else stable_id(spec.name, "lca-call")
        )
        self.voice_connector_id = "vc0callrecap0sample01"
        self.pipeline_id = stable_id(spec.name, "pipeline")

    # ------------------------------------------------------------------ plumbing

    def add_kinesis(self, at: float, record: dict[str, Any]) -> None:
        line = {"at": round(at, 3), "source": "kinesis", "partitionKey": self.call_id, "data": record}
        self.lines.append((round(at, 3), len(self.lines), line))

    def add_eventbridge(self, at: float, event: dict[str, Any]) -> None:
        self.lines.append(
            (round(at, 3), len(self.lines), {"at": round(at, 3), "source": "eventbridge", "event": event})
        )

    def result_id(self, timed: Timed) -> str:
        return stable_id(self.spec.name, "utterance", timed.index)

    def sorted_lines(self) -> list[dict[str, Any]]:
        return [line for _, _, line in sorted(self.lines, key=lambda item: (item[0], item[1]))]

    # ------------------------------------------------------------------ per format

    def write(self) -> list[dict[str, Any]]:
        fmt = self.spec.fmt
        if fmt == "contact-lens":
            return self.write_contact_lens()
        if fmt == "lca-standard":
            return self.write_lca_standard()
        if fmt.startswith("chime"):
            self.chime_lifecycle()
            self.add_kinesis(0.6, self.chime_metadata_record())
        else:
            self.lca_lifecycle()
        for timed in self.timeline.utterances:
            for at, text in timed.partials:
                self.add_kinesis(at, self.segment_record(timed, text, partial=True, at=at))
            final_at = timed.end + FINAL_LATENCY
            self.add_kinesis(
                final_at, self.segment_record(timed, " ".join(timed.words), partial=False, at=final_at)
            )
        for at, name in self.timeline.categories:
            self.add_kinesis(at + 0.2, self.category_record(name, at + 0.2))
        return self.sorted_lines()

    # Chime ---------------------------------------------------------------

    def chime_metadata(self) -> dict[str, Any]:
        return {
            "voiceConnectorId": self.voice_connector_id,
            "callId": stable_id(self.spec.name, "sip-call-id"),
            "transactionId": self.call_id,
            "fromNumber": self.spec.customer_number,
            "toNumber": self.spec.system_number,
            "direction": self.spec.direction,
        }

    def chime_envelope(self, at: float, detail: dict[str, Any], tag: str) -> dict[str, Any]:
        return {
            "version": "0",
            "id": stable_id(self.spec.name, "event", tag),
            "detail-type": "Chime VoiceConnector Streaming Status",
            "source": "aws.chime",
            "account": "111122223333",
            "time": iso(self.spec.start, at).split(".")[0] + "Z",
            "region": "us-east-1",
            "resources": [],
            "detail": detail,
        }

    def chime_leg_detail(self, status: str, is_caller: bool) -> dict[str, Any]:
        leg = "caller" if is_caller else "callee"
        detail: dict[str, Any] = {
            "streamingStatus": status,
            "voiceConnectorId": self.voice_connector_id,
            "transactionId": self.call_id,
            "callId": stable_id(self.spec.name, "sip-call-id"),
            "direction": self.spec.direction,
            "fromNumber": self.spec.customer_number,
            "toNumber": self.spec.system_number,
            "isCaller": is_caller,
            "mediaType": "audio/L16",
            "startFragmentNumber": str(91343852333181432392682062600000000000 + (0 if is_caller else 1)),
            "startTime": iso(self.spec.start, 0.0).split(".")[0] + "Z",
            "streamArn": (
                "arn:aws:kinesisvideo:us-east-1:111122223333:stream/ChimeVoiceConnector-"
                f"{self.voice_connector_id}-{stable_id(self.spec.name, leg)}/1700000000000"
            ),
            "version": "0",
        }
        if status == "ENDED":
            detail["endTime"] = iso(self.spec.start, self.timeline.end).split(".")[0] + "Z"
        return detail

    def chime_lifecycle(self) -> None:
        end = self.timeline.end
        # Legs arrive in either order: the callee leg first on start, the caller leg first on end.
        self.add_eventbridge(
            0.0, self.chime_envelope(0.0, self.chime_leg_detail("STARTED", False), "started-callee")
        )
        self.add_eventbridge(
            0.1, self.chime_envelope(0.1, self.chime_leg_detail("STARTED", True), "started-caller")
        )
        self.add_eventbridge(
            end, self.chime_envelope(end, self.chime_leg_detail("ENDED", True), "ended-caller")
        )
        self.add_eventbridge(
            end + 0.2, self.chime_envelope(end + 0.2, self.chime_leg_detail("ENDED", False), "ended-callee")
        )
        if self.spec.duplicate_end:  # EventBridge delivers at least once: the same event again
            self.add_eventbridge(
                end + 0.9, self.chime_envelope(end, self.chime_leg_detail("ENDED", True), "ended-caller")
            )

    def chime_metadata_record(self) -> dict[str, Any]:
        metadata = self.chime_metadata()
        metadata["oneTimeMetadata"] = json.dumps(
            {"inviteHeaders": json.dumps({"from": f"<sip:{self.spec.customer_number}@198.51.100.7>"})}
        )
        return {
            "time": iso(self.spec.start, 0.6),
            "service-type": "CallAnalytics",
            "detail-type": "CallAnalyticsMetadata",
            "mediaInsightsPipelineId": self.pipeline_id,
            "metadata": json.dumps(metadata),  # a JSON string in this record kind
        }

    def chime_record(self, detail_type: str, at: float, **payload: Any) -> dict[str, Any]:
        return {
            "time": iso(self.spec.start, at),
            "service-type": "CallAnalytics",
            "detail-type": detail_type,
            "mediaInsightsPipelineId": self.pipeline_id,
            "metadata": self.chime_metadata(),  # an object in this record kind
            **payload,
        }

    # LCA -----------------------------------------------------------------

    def lca_lifecycle(self) -> None:
        spec = self.spec
        start = lca_call_event("START", self.call_id, created_at=iso(spec.start, 0.0))
        numbers = {"CustomerPhoneNumber": spec.customer_number, "SystemPhoneNumber": spec.system_number}
        self.add_kinesis(0.0, {**start, **numbers, "AgentId": None})
        agent = lca_call_event("UPDATE_AGENT", self.call_id, created_at=iso(spec.start, 1.0))
        self.add_kinesis(1.0, {**agent, "AgentId": spec.agent_id})
        end = self.timeline.end
        self.add_kinesis(end, lca_call_event("END", self.call_id, created_at=iso(spec.start, end)))

    # LCA standard mode (lca-chimevc-stack/lambda_functions/call_transcriber/lca.js) ---------

    def write_lca_standard(self) -> list[dict[str, Any]]:
        spec, call_id = self.spec, self.call_id
        self.add_kinesis(
            0.0,
            {
                "CallId": call_id,
                "CreatedAt": iso(spec.start, 0.0),
                "CustomerPhoneNumber": spec.customer_number,
                "SystemPhoneNumber": spec.system_number,
                "EventType": "START",
            },
        )
        for timed in self.timeline.utterances:
            channel = "ch_1" if timed.utterance.speaker == "AGENT" else "ch_0"
            pieces = [*timed.partials, (timed.end + FINAL_LATENCY, " ".join(timed.words))]
            for number, (at, text) in enumerate(pieces):
                final = number == len(pieces) - 1
                self.add_kinesis(
                    at,
                    {
                        "Channel": "AGENT" if channel == "ch_1" else "CALLER",
                        "CallId": call_id,
                        "SegmentId": f"{channel}-{timed.start}",
                        "StartTime": str(timed.start),
                        "EndTime": str(timed.end if final else timed.spoken_until(text)),
                        "Transcript": text,
                        "IsPartial": not final,
                        "EventType": "ADD_TRANSCRIPT_SEGMENT",
                        "CreatedAt": iso(spec.start, at),
                    },
                )
            if timed.utterance.speaker == "CUSTOMER" and timed.index % 3 == 1:
                at = timed.end + FINAL_LATENCY + 0.3
                self.add_kinesis(  # the agent-assist orchestrator's answer to that customer turn
                    at,
                    {
                        "CallId": call_id,
                        "Channel": "AGENT_ASSISTANT",
                        "SegmentId": stable_id(spec.name, "assist", timed.index),
                        "StartTime": timed.end,
                        "EndTime": timed.end,
                        "Transcript": "Suggested answer: check the member's recent sign-in activity first.",
                        "IsPartial": False,
                        "EventType": "ADD_AGENT_ASSIST",
                        "CreatedAt": iso(spec.start, at),
                    },
                )
        end = self.timeline.end
        self.add_kinesis(end, {"CallId": call_id, "EventType": "END"})
        recording = f"https://lca-recordings.s3.us-east-1.amazonaws.com/lca-audio-recordings/{call_id}.wav"
        self.add_kinesis(
            end + 2.0,
            {
                "CallId": call_id,
                "RecordingUrl": recording,
                "EventType": "ADD_S3_RECORDING_URL",
                "CreatedAt": iso(spec.start, end + 2.0),
            },
        )
        self.add_kinesis(
            end + 4.0,
            {
                "CallId": call_id,
                "EventType": "ADD_SUMMARY",
                "ExpiresAfter": 1_800_000_000,
                "CallSummaryText": json.dumps({"Summary": "Member regained access to online banking."}),
            },
        )
        return self.sorted_lines()

    # Amazon Connect Contact Lens ------------------------------------------------------------

    def contact_lens_event(self, event_type: str, **fields: Any) -> dict[str, Any]:
        return {
            "Version": "1.0.0",
            "Channel": "VOICE",
            "AccountId": "111122223333",
            "InstanceId": "0a0b0c0d-1111-2222-3333-444455556666",
            "ContactId": self.call_id,
            "LanguageCode": "en-US",
            "EventType": event_type,
            **fields,
        }

    def write_contact_lens(self) -> list[dict[str, Any]]:
        spec = self.spec
        self.add_kinesis(0.0, self.contact_lens_event("STARTED"))
        instance = "arn:aws:connect:us-east-1:111122223333:instance/0a0b0c0d-1111-2222-3333-444455556666"
        self.add_eventbridge(
            1.5,
            {
                "version": "0",
                "id": stable_id(spec.name, "contact-event"),
                "detail-type": "Amazon Connect Contact Event",
                "source": "aws.connect",
                "account": "111122223333",
                "time": iso(spec.start, 1.5).split(".")[0] + "Z",
                "region": "us-east-1",
                "resources": [f"{instance}/contact/{self.call_id}", instance],
                "detail": {
                    "eventType": "CONNECTED_TO_AGENT",
                    "contactId": self.call_id,
                    "initialContactId": self.call_id,
                    "channel": "VOICE",
                    "instanceArn": instance,
                    "initiationMethod": "INBOUND",
                    "agentInfo": {"agentArn": f"{instance}/agent/{spec.agent_id}"},
                },
            },
        )
        for timed in self.timeline.utterances:
            transcript_id = self.result_id(timed)
            previous = 0
            for number, (at, text) in enumerate(timed.partials):
                words = text.split()
                piece = " ".join(words[previous:])
                begin = timed.spoken_until(" ".join(words[:previous])) if previous else timed.start
                previous = len(words)
                utterance = {
                    "Id": stable_id(spec.name, "piece", timed.index, number),
                    "TranscriptId": transcript_id,
                    "ParticipantId": timed.utterance.speaker,
                    "ParticipantRole": timed.utterance.speaker,
                    "PartialContent": piece,
                    "BeginOffsetMillis": round(begin * 1000),
                    "EndOffsetMillis": round(timed.spoken_until(text) * 1000),
                }
                self.add_kinesis(at, self.contact_lens_event("SEGMENTS", Segments=[{"Utterance": utterance}]))
            final_at = timed.end + FINAL_LATENCY
            final = {
                "Id": transcript_id,
                "ParticipantId": timed.utterance.speaker,
                "ParticipantRole": timed.utterance.speaker,
                "Content": " ".join(timed.words),
                "BeginOffsetMillis": round(timed.start * 1000),
                "EndOffsetMillis": round(timed.end * 1000),
                "Sentiment": timed.utterance.sentiment,
            }
            self.add_kinesis(final_at, self.contact_lens_event("SEGMENTS", Segments=[{"Transcript": final}]))
        for at, name in self.timeline.categories:
            categories = {"MatchedCategories": [name], "MatchedDetails": {name: {"PointsOfInterest": []}}}
            self.add_kinesis(
                at + 0.2, self.contact_lens_event("SEGMENTS", Segments=[{"Categories": categories}])
            )
        end = self.timeline.end
        summary = {
            "Content": "The customer's parcel was marked delivered but not received; a replacement was sent.",
            "Status": "COMPLETED",
        }
        self.add_kinesis(
            end + 1.0, self.contact_lens_event("SEGMENTS", Segments=[{"PostContactSummary": summary}])
        )
        self.add_kinesis(end + 1.5, self.contact_lens_event("COMPLETED"))
        return self.sorted_lines()

    # Segments in every format --------------------------------------------

    def transcript_event(self, timed: Timed, text: str, partial: bool) -> dict[str, Any]:
        channel = "ch_1" if timed.utterance.speaker == "AGENT" else "ch_0"
        end = timed.spoken_until(text)
        return {
            "Transcript": {
                "Results": [
                    {
                        "Alternatives": [{"Items": [], "Transcript": text}],
                        "ChannelId": channel,
                        "EndTime": end,
                        "IsPartial": partial,
                        "LanguageCode": "en-US",
                        "ResultId": self.result_id(timed),
                        "StartTime": timed.start,
                    }
                ]
            }
        }

    def utterance_event(self, timed: Timed, text: str, partial: bool) -> dict[str, Any]:
        end = timed.spoken_until(text)
        event: dict[str, Any] = {
            "UtteranceId": self.result_id(timed),
            "ParticipantRole": timed.utterance.speaker,
            "IsPartial": partial,
            "BeginOffsetMillis": round(timed.start * 1000),
            "EndOffsetMillis": round(end * 1000),
            "Transcript": text,
            "Items": [],
            "Entities": [],
            "IssuesDetected": [],
        }
        if not partial:  # TCA reports sentiment on complete utterances
            event["Sentiment"] = timed.utterance.sentiment
        return event

    def segment_record(self, timed: Timed, text: str, *, partial: bool, at: float) -> dict[str, Any]:
        fmt = self.spec.fmt
        if fmt == "chime-transcribe":
            return self.chime_record(
                "Transcribe", at, TranscriptEvent=self.transcript_event(timed, text, partial)
            )
        if fmt == "chime-tca":
            return self.chime_record(
                "TranscribeCallAnalytics", at, UtteranceEvent=self.utterance_event(timed, text, partial)
            )
        base = {
            "EventType": "ADD_TRANSCRIPT_SEGMENT",
            "CallId": self.call_id,
            "CreatedAt": iso(self.spec.start, at),
        }
        if fmt == "lca-transcribe":
            return {
                **base,
                "TranscriptEvent": self.transcript_event(timed, text, partial),
                "UtteranceEvent": None,
            }
        if fmt == "lca-tca":
            return {
                **base,
                "TranscriptEvent": None,
                "UtteranceEvent": self.utterance_event(timed, text, partial),
            }
        flat = lca_segment(
            self.call_id,
            self.result_id(timed),
            timed.start,
            timed.spoken_until(text),
            text,
            agent=timed.utterance.speaker == "AGENT",
            partial=partial,
            created_at=base["CreatedAt"],
        )
        absent = {"Sentiment": None, "TranscriptEvent": None, "UtteranceEvent": None}
        return {**flat, "UpdatedAt": iso(self.spec.start, at), **absent}

    def category_record(self, name: str, at: float) -> dict[str, Any]:
        millis = round(at * 1000)
        category_event = {
            "MatchedCategories": [name],
            "MatchedDetails": {
                name: {"TimestampRanges": [{"BeginOffsetMillis": millis - 4000, "EndOffsetMillis": millis}]}
            },
        }
        if self.spec.fmt.startswith("chime"):
            return self.chime_record("TranscribeCallAnalytics", at, CategoryEvent=category_event)
        return {
            "EventType": "ADD_CALL_CATEGORY",
            "CallId": self.call_id,
            "CategoryEvent": category_event,
            "CreatedAt": iso(self.spec.start, at),
        }


def build(spec: CallSpec) -> list[dict[str, Any]]:
    return CallWriter(spec, lay_out(read_call(spec), spec.seed)).write()


def render(lines: list[dict[str, Any]]) -> str:
    return "".join(json.dumps(line, separators=(",", ":"), ensure_ascii=False) + "\n" for line in lines)


def outputs() -> Iterator[tuple[Path, str]]:
    for spec in CALLS:
        yield HERE / f"{spec.name}.jsonl", render(build(spec))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--check", action="store_true", help="fail if a committed .jsonl is out of date")
    args = parser.parse_args(argv)
    stale = []
    for path, text in outputs():
        if args.check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                stale.append(path.name)
        else:
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path.relative_to(HERE.parent)} ({text.count(chr(10))} events)")
    if stale:
        print(f"out of date: {', '.join(stale)} (run .venv/bin/python samples/generate.py)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
