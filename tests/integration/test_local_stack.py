"""The local stack end to end on moto's server: resources, HTTP, replay through the real handlers."""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from callrecap import contracts
from callrecap.settings import EnvVar
from callrecap_local.stack import LocalPipeline

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def stack() -> Iterator[LocalPipeline]:
    with LocalPipeline(port=0, sweeper_interval=0) as running:
        yield running


def get(url: str) -> tuple[int, Any]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            body = response.read()
            kind = response.headers.get("content-type", "")
            return response.status, json.loads(body) if "json" in kind else body
    except urllib.error.HTTPError as error:
        body = error.read()
        return error.code, json.loads(body) if "json" in error.headers.get("content-type", "") else body


def test_resources_follow_the_contracts(stack: LocalPipeline) -> None:
    assert stack.resources is not None
    table = stack.client("dynamodb").describe_table(TableName=stack.resources.table_name)["Table"]
    assert {k["AttributeName"] for k in table["KeySchema"]} == {contracts.PK, contracts.SK}
    assert {i["IndexName"] for i in table["GlobalSecondaryIndexes"]} == {
        contracts.GSI_BY_DAY,
        contracts.GSI_LIVE_CALLS,
    }
    assert [i["IndexName"] for i in table["LocalSecondaryIndexes"]] == [contracts.LSI_SEGMENT_WRITES]
    events = stack.client("events")
    patterns = {
        (t.function, t.sqs_source, t.name.removeprefix(f"{stack.prefix}-")): json.loads(
            events.describe_rule(Name=t.name, EventBusName=t.bus)["EventPattern"]
        )
        for t in stack.resources.targets
    }
    assert len(patterns) == len(stack.resources.targets) == 6
    lifecycle = [p for (function, _, _), p in patterns.items() if function is contracts.Function.LIFECYCLE]
    assert sorted(lifecycle, key=json.dumps) == sorted(
        [contracts.chime_streaming_pattern(), contracts.connect_agent_pattern()], key=json.dumps
    )
    by_name = {name: p for (_, _, name), p in patterns.items()}
    # SummaryRequested straight to the summarizer; CallEnded and stale requests through the
    # final-summary delay queue (one queue: the stale rule delivers to the same one).
    assert by_name["summarizer"] == contracts.summary_requested_pattern()
    assert by_name["final-summary"] == contracts.call_ended_pattern()
    assert by_name["stale-summary"] == contracts.stale_summary_pattern()
    targets = {t.name.removeprefix(f"{stack.prefix}-"): t for t in stack.resources.targets}
    assert targets["stale-summary"].queue_url == targets["final-summary"].queue_url
    assert by_name["crm-hook"] == contracts.crm_hook_pattern()
    assert os.environ[EnvVar.TABLE_NAME.value] == stack.resources.table_name
    assert os.environ["AWS_ENDPOINT_URL"] == stack.moto_url


def test_page_config_and_unknown_api_route(stack: LocalPipeline) -> None:
    assert get(f"{stack.url}/config.json") == (
        200,
        {"apiBase": "/api", "auth": None, "local": True, "viewer": "admin"},
    )
    assert get(f"{stack.api_url}/no/such/route") == (404, {"message": "Not Found"})
    status, _ = get(f"{stack.url}/../../etc/passwd")
    assert status == 404


def test_the_running_stack_refuses_an_event_aws_would_refuse(stack: LocalPipeline) -> None:
    from botocore.exceptions import ClientError

    assert stack.resources is not None
    entry = {
        "Source": contracts.BUS_SOURCE,
        "DetailType": contracts.BusEvent.CALL_SUMMARIZED.value,
        "Detail": '{"callId":"c1","pad":"' + "x" * contracts.EVENTBRIDGE_ENTRY_LIMIT_BYTES + '"}',
        "EventBusName": stack.resources.bus_name,
    }
    with pytest.raises(ClientError, match="Total size of the entries in the request is over the limit"):
        stack.client("events").put_events(Entries=[entry])


def test_the_running_stack_meters_partition_heat(stack: LocalPipeline) -> None:
    assert stack.resources is not None
    table = stack.resources.table_name
    stack.client("dynamodb").put_item(
        TableName=table, Item={contracts.PK: {"S": "CALL#heat"}, contracts.SK: {"S": "META"}}
    )
    hottest = stack.heat.hottest(table)
    assert hottest is not None and hottest.units >= 1
