"""The shared entry point: module loggers of the domain and adapters write through the one JSON
formatter with the Lambda context, the correlation id and `callId`; the cold-start metric is
captured."""

from __future__ import annotations

import io
import json
import logging
from typing import Any

import pytest

from callrecap.handlers import observability
from callrecap.handlers.observability import call_context, entry_point, logger
from tests.helpers.context import lambda_context


@pytest.fixture
def log_lines(monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> io.StringIO:
    out = io.StringIO()
    monkeypatch.setattr(logger.registered_handler, "stream", out)
    previous = logger.log_level
    logger.setLevel("INFO")
    request.addfinalizer(lambda: logger.setLevel(previous))
    return out


def test_module_loggers_write_json_with_the_call_id_and_correlation_id(log_lines: io.StringIO) -> None:
    @entry_point(correlation_id_path="detail.callId")
    def handler(event: dict[str, Any], context: Any) -> str:
        logging.getLogger("callrecap.adapters.dynamo.segment_writer").warning("from an adapter")
        with call_context("call-9"):
            logging.getLogger("callrecap.domain.transcripts.ingest_batch").info(
                "from the domain", extra={"n": 1}
            )
        return "ok"

    assert handler({"detail": {"callId": "call-7"}}, lambda_context("callrecap-ingest")) == "ok"
    lines = [json.loads(line) for line in log_lines.getvalue().splitlines()]
    adapter, domain = (
        next(line for line in lines if line["message"] == m) for m in ("from an adapter", "from the domain")
    )
    assert adapter["correlation_id"] == "call-7" and adapter["function_name"] == "callrecap-ingest"
    assert "callId" not in adapter
    assert domain["callId"] == "call-9" and domain["correlation_id"] == "call-9" and domain["n"] == 1


def test_the_cold_start_metric_is_captured(capsys: pytest.CaptureFixture[str]) -> None:
    from aws_lambda_powertools.metrics.provider import cold_start

    cold_start.is_cold_start = True  # as in a fresh container

    @entry_point()
    def handler(event: dict[str, Any], context: Any) -> None:
        return None

    handler({}, lambda_context("callrecap-api"))
    blobs = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    assert any("ColdStart" in blob for blob in blobs)
    assert observability.metrics.namespace == "callrecap"
