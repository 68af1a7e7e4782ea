"""Lambda's cold start as it is billed: init plus the first invocation, on a representative event,
from the shipped artifact, against moto's server on loopback.

The events are the pipeline's own: a Chime sample call is replayed through the local stack and
the events each function receives are kept: ingest's largest batch (a mid-call batch of
segments, what most invocations get), the first streaming-status event, the final-summary
queue's CallEnded batch, the CRM hook's CallSummarized; the API gets a read of that call, the
sweeper its schedule. Each probe is a fresh interpreter (probe.py) with the artifact
on its path and the local stack's settings in its environment, so it does what a cold container
does with that event against the same resources: an invocation that repeats work already done
(the final already written) takes the idempotent path, as a redelivery would.

The baseline, in the same run and the same way: a function that imports boto3, builds one
DynamoDB client and makes one GetItem.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench.cold_start.artifact import artifact_env
from bench.common import REPO_ROOT

PROBE = Path(__file__).with_name("probe.py")
SAMPLE = REPO_ROOT / "samples" / "billing_dispute.jsonl"
"""A Chime call: its streaming-status events reach the lifecycle function too."""


@contextmanager
def pipeline_events(functions: list[str]) -> Iterator[tuple[dict[str, Any], dict[str, str]]]:
    """The first event each of `functions` received while the sample call ran through the local
    stack, and the environment the stack's handlers run with; the stack stays up inside."""
    from callrecap.contracts import Function
    from callrecap_local.lambda_events import http_api_event, scheduled_event
    from callrecap_local.stack import LocalPipeline

    received: dict[str, list[Any]] = {}
    with LocalPipeline(port=0, serve_http=False, sweeper_interval=0, final_summary_delay=1) as stack:
        for function, local in stack.functions.items():
            invoke = local.invoke

            def capture(
                event: Any, *, asynchronous: bool = False, _f: Function = function, _i: Any = invoke
            ) -> Any:
                received.setdefault(_f.value, []).append(json.loads(json.dumps(event, default=str)))
                return _i(event, asynchronous=asynchronous)

            local.invoke = capture  # type: ignore[method-assign]
        with contextlib.redirect_stdout(io.StringIO()):  # the handlers' JSON logs and metrics
            replay = stack.replay(SAMPLE, speed=40, fresh_id=True)
            status, _ = stack.wait_for(replay.call_id, timeout=180)
        if status != "COMPLETED":
            raise RuntimeError(f"{SAMPLE.name}: the final summary is {status}")
        call_id = replay.call_id
        seen = {function: events[0] for function, events in received.items()}
        if "ingest" in received:  # a mid-call batch: the commonest kind, not the call's first
            seen["ingest"] = max(received["ingest"], key=lambda event: len(event.get("Records", [])))
        seen["api"] = http_api_event(
            method="GET",
            route_key="GET /calls/{callId}",
            raw_path=f"/calls/{call_id}",
            raw_query="",
            headers={},
            body=b"",
            path_parameters={"callId": call_id},
        )
        assert stack.resources is not None
        seen["sweeper"] = scheduled_event(stack.resources.sweeper_rule_arn, stack.region)
        missing = [f for f in functions if f not in seen]
        if missing:
            raise RuntimeError(f"no event reached {', '.join(missing)}")
        env = {k: v for k, v in os.environ.items() if k.startswith(("AWS_", "CALLRECAP_", "POWERTOOLS_"))}
        env["CALLRECAP_BENCH_TABLE"] = stack.resources.table_name
        yield seen, env


def probe(artifact: Path, stack_env: dict[str, str], job: dict[str, Any]) -> dict[str, float]:
    """One fresh interpreter running probe.py on `job`: {"init_ms", "first_ms"}."""
    env = {**artifact_env(artifact), **stack_env}
    done = subprocess.run(
        [sys.executable, str(PROBE)],
        input=json.dumps(job),
        capture_output=True,
        text=True,
        env=env,
        cwd=artifact,
        check=False,
        timeout=300,
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith('{"init_ms"')]
    if done.returncode != 0 or not lines:
        tail = (done.stderr.strip().splitlines() or ["?"])[-1]
        raise RuntimeError(f"cold-start probe of {job['handler']} failed: {tail}")
    figures: dict[str, float] = json.loads(lines[-1])
    return figures


def handler_job(function: str, event: Any) -> dict[str, Any]:
    from callrecap.contracts import FUNCTION_TIMEOUT_SECONDS, Function, handler_path

    which = Function(function)
    return {
        "handler": handler_path(which),
        "function": f"cold-{function}",
        "event": event,
        "timeout_s": FUNCTION_TIMEOUT_SECONDS[which],
    }


def baseline_job(table: str) -> dict[str, Any]:
    return {"handler": "baseline", "table": table}
