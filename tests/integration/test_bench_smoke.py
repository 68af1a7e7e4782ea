"""Each benchmark imports and runs at its tiny size (figures are not asserted: no timings in tests)."""

from __future__ import annotations

import importlib
from typing import Any

import pytest

from bench.__main__ import BENCHMARKS
from bench.common import BenchResult, Size


@pytest.mark.parametrize("name", ["cold_start", "summarizer", "ingest", "capacity"])
def test_benchmark_runs_at_tiny_size(name: str) -> None:
    module = importlib.import_module(f"bench.{name}")
    result = module.run(Size.TINY)

    assert isinstance(result, BenchResult) and result.name == name
    assert result.command.endswith(f"--only {name}")
    if not result.skipped:
        assert result.lines
        rendered = result.render()
        assert "reproduce:" in rendered


@pytest.mark.parametrize("name", BENCHMARKS)
def test_every_benchmark_module_imports(name: str) -> None:
    module = importlib.import_module(f"bench.{name}")
    assert callable(module.run) and name == module.NAME


def test_scale_records_interleave_calls_and_end_every_call() -> None:
    from bench.scale import SEGMENTS_PER_CALL, _records

    records = _records(["a", "b"])
    kinds = [r["EventType"] for _, r in records]
    assert kinds.count("START") == 2 and kinds.count("END") == 2
    assert kinds.count("ADD_TRANSCRIPT_SEGMENT") == 2 * SEGMENTS_PER_CALL
    assert [c for c, _ in records[2:4]] == ["a", "b"]


def test_main_prints_every_requested_benchmark(capsys: pytest.CaptureFixture[str]) -> None:
    from bench.__main__ import main

    assert main(["--tiny", "--only", "summarizer"]) == 0
    out = capsys.readouterr().out
    assert "== summarizer" in out and "python -m bench --tiny --only summarizer" in out


def test_moto_transaction_speed_up_keeps_rollback_semantics() -> None:
    import boto3
    from moto import mock_aws
    from moto.dynamodb import models

    from bench.moto_env import moto_transactions_copy_once

    original = models.DynamoDBBackend.transact_write_items
    with mock_aws(), moto_transactions_copy_once():
        client = boto3.client("dynamodb", region_name="us-east-1")
        client.create_table(
            TableName="t",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        client.put_item(TableName="t", Item={"pk": {"S": "a"}, "n": {"N": "1"}})
        with pytest.raises(client.exceptions.TransactionCanceledException):
            client.transact_write_items(
                TransactItems=[
                    {"Put": {"TableName": "t", "Item": {"pk": {"S": "b"}}}},
                    {
                        "Update": {
                            "TableName": "t",
                            "Key": {"pk": {"S": "a"}},
                            "UpdateExpression": "SET n = :two",
                            "ConditionExpression": "n = :zero",
                            "ExpressionAttributeValues": {":two": {"N": "2"}, ":zero": {"N": "0"}},
                        }
                    },
                ]
            )
        items = client.scan(TableName="t")["Items"]
        assert items == [{"pk": {"S": "a"}, "n": {"N": "1"}}]  # nothing of the cancelled transaction
    assert models.DynamoDBBackend.transact_write_items is original  # moto put back


def test_the_capacity_model_prints_one_json_object_per_call_count(
    tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    """`python -m bench.capacity --calls N --json` (on a saved profile: no stack needed)."""
    import json
    from dataclasses import asdict

    from bench.capacity import Profile, main

    profile = Profile(
        calls=2, call_minutes=12.0, kinesis_records=480, kinesis_bytes=240_000, kinesis_billed_kb=480,
        invocations={"ingest": 20, "summarizer": 2, "api": 10},
        busy_seconds={"ingest": 1.0, "summarizer": 0.4, "api": 0.2},
        write_units={"table": 500.0, "byDay": 2.0, "liveCalls": 30.0}, read_units={"table": 400.0},
        hottest_call_partition_units=2.0, bus_entries=6, queue_messages=2, watcher_lookups=40,
        log_bytes=10_000, model_calls=2, input_tokens=3000, output_tokens=400, segments_final=140,
        segments_partial=60, summary_sections=10,
    )  # fmt: skip
    saved = tmp_path / "profile.json"
    saved.write_text(json.dumps(asdict(profile)))
    assert main(["--profile", str(saved), "--calls", "100", "--calls", "10000", "--json"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["calls"] for line in lines] == [100, 10000]
    for line in lines:
        assert 0 <= line["hottestPartitionUtilization"] <= 1
        assert {"name", "figure", "limit", "utilization", "raise"} <= set(line["rows"][0])
    big = {row["name"]: row for row in lines[1]["rows"]}
    polled = big["API Gateway: HTTP API requests/s if the pages polled (before live updates)"]
    assert polled["utilization"] > 1 and polled["raise"]  # 20,000 requests/s is over the quota
