"""What a running local stack does with calls: replay recordings, end calls, put raw records on
the stream, and read or wait for a call's outcome. A base of LocalPipeline (stack.py), which
starts and stops the pieces these use."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from callrecap_local.lca_events import lca_call_event
from callrecap_local.outcome import TIMEOUT, CallOutcome, read_outcome
from callrecap_local.pollers import KinesisShardPoller, Worker
from callrecap_local.recording import Recording, load_recording
from callrecap_local.replayer import Replay

if TYPE_CHECKING:
    from callrecap_local.resources import LocalResources


class LocalPipelineError(RuntimeError):
    """The local stack could not start (port in use, moto missing, ...) or was misused."""


class CallsOnTheStack:
    resources: LocalResources | None
    replays: dict[str, Replay]
    workers: list[Worker]

    def client(self, service: str) -> Any:
        raise NotImplementedError

    def table(self) -> Any:
        raise NotImplementedError

    def _require_started(self) -> None:
        raise NotImplementedError

    def replay(
        self,
        recording: str | Path | Recording,
        speed: float = 1.0,
        *,
        fresh_id: bool = False,
        rebase_time: bool = True,
    ) -> Replay:
        """Start playing a recorded call; returns at once (the Replay is a running thread).

        `fresh_id` gives the call a new id (replay the same file more than once);
        `rebase_time` moves the recording's timestamps so the call starts now and its times
        advance at `speed` (the stored start/end times then match the replay).
        """
        self._require_started()
        assert self.resources is not None
        loaded = recording if isinstance(recording, Recording) else load_recording(recording)
        if fresh_id or rebase_time:
            loaded = loaded.renamed(
                str(uuid.uuid4()) if fresh_id else loaded.call_id,
                rebase_to=datetime.now(UTC) if rebase_time else None,
                speed=speed,
            )
        if loaded.call_id in self.replays and self.replays[loaded.call_id].is_alive():
            raise LocalPipelineError(f"call {loaded.call_id} is already being replayed (use fresh_id=True)")
        replay = Replay(
            loaded,
            speed=speed,
            kinesis=self.client("kinesis"),
            events=self.client("events"),
            stream_name=self.resources.stream_name,
        )
        self.replays[loaded.call_id] = replay
        replay.start()
        return replay

    def end_call(self, call_id: str) -> None:
        """Make a call end now.

        A call being replayed plays the rest of its recording at once (its own end events);
        any other call gets an LCA `END` record on the stream, as an LCA producer would send.
        """
        self._require_started()
        assert self.resources is not None
        replay = self.replays.get(call_id)
        if replay is not None and replay.is_alive():
            replay.finish_now()
            return
        self.put_kinesis_record(lca_call_event("END", call_id), call_id)

    def put_kinesis_record(self, record: Mapping[str, Any] | bytes, partition_key: str) -> str:
        """Write one raw record to the inbound stream; returns its sequence number."""
        self._require_started()
        assert self.resources is not None
        data = record if isinstance(record, bytes) else json.dumps(record).encode()
        response = self.client("kinesis").put_record(
            StreamName=self.resources.stream_name, Data=data, PartitionKey=partition_key
        )
        return str(response["SequenceNumber"])

    def outcome(self, call_id: str) -> CallOutcome:
        return read_outcome(self.table(), call_id)

    def wait_for(
        self, call_id: str, timeout: float = 120.0, poll: float = 0.25, *, delivered: bool = True
    ) -> tuple[str, CallOutcome]:
        """Wait until the call has a final summary in an end state and its CRM hook delivery
        (`delivered=False`: the final alone, for a stack whose crmSendOn waits for an approval).

        For a replayed call, also until every record was sent and handed to ingest, and the final
        covers the whole stored transcript (a final that CallEnded made before the last segments
        landed is re-made by the pipeline: the wait goes on until then).

        Returns (status, outcome): status is the final summary's status (COMPLETED, FAILED) or
        TIMEOUT.
        """
        deadline = time.monotonic() + timeout
        while True:
            outcome = self.outcome(call_id)
            done = outcome.finished if delivered else outcome.summarized
            if done and self._delivered_to_ingest(call_id):
                return outcome.summary_status, outcome
            if time.monotonic() >= deadline:
                return TIMEOUT, outcome
            time.sleep(poll)

    def settled(self, call_id: str) -> CallOutcome | None:
        """The call's outcome once it is finished (what `wait_for` waits for), else None."""
        outcome = self.outcome(call_id)
        return outcome if outcome.finished and self._delivered_to_ingest(call_id) else None

    def _delivered_to_ingest(self, call_id: str) -> bool:
        """A replayed call's records have all been sent and handed to ingest (none in flight)."""
        replay = self.replays.get(call_id)
        if replay is None:
            return True
        sent_at = replay.finished_at
        if sent_at is None:
            return False
        shard_pollers = [w for w in self.workers if isinstance(w, KinesisShardPoller)]
        return all(p.caught_up_at > sent_at for p in shard_pollers)
