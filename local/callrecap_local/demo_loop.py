"""`serve --demo`: keep replaying the sample calls in real time so the page always has live calls."""

from __future__ import annotations

import itertools
import logging
import threading
from collections.abc import Sequence
from pathlib import Path

from callrecap_local.recording import Recording, load_recording
from callrecap_local.stack import LocalPipeline

log = logging.getLogger("callrecap_local")


class DemoLoop(threading.Thread):
    """Start the samples one after another (fresh call ids each time), at most `live` at once."""

    def __init__(
        self,
        stack: LocalPipeline,
        paths: Sequence[Path],
        *,
        speed: float = 1.0,
        live: int = 3,
        gap_seconds: float = 20.0,
    ):
        super().__init__(name="demo-loop", daemon=True)
        self.stack = stack
        self.recordings: list[Recording] = [load_recording(p) for p in paths]
        self.speed = speed
        self.live = live
        self.gap_seconds = gap_seconds
        self.stopping = threading.Event()
        self.started_calls = 0

    def run(self) -> None:
        if not self.recordings:
            return
        running: list[threading.Thread] = []
        for recording in itertools.cycle(self.recordings):
            if self.stopping.is_set():
                return
            while True:
                running = [r for r in running if r.is_alive()]
                if len(running) < self.live or self.stopping.wait(1.0):
                    break
            if self.stopping.is_set():
                return
            try:
                replay = self.stack.replay(recording, speed=self.speed, fresh_id=True)
            except Exception:
                log.exception("demo: could not start %s", recording.path.name)
            else:
                running.append(replay)
                self.started_calls += 1
                log.info("demo: playing %s as call %s", recording.path.name, replay.call_id)
            if self.stopping.wait(self.gap_seconds / self.speed):
                return

    def stop(self) -> None:
        self.stopping.set()
