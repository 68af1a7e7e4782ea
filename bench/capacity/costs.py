"""Cost per 1,000 five-minute calls from the measured profile and public on-demand prices, beside
the same figures for LCA's documented shape (a mutation and a write per segment, partials
included, one model call per summary section)."""

from __future__ import annotations

from typing import Any

from bench.capacity.load import DEFAULT_ASSUMPTIONS, Assumptions
from bench.capacity.profile import Profile

COST_CALL_MINUTES = 5.0

PRICES_USD = {
    # Public on-demand list prices, us-east-1, read 2026-12-01 from the service pricing pages
    # (aws.amazon.com/<service>/pricing); first tier where tiered. Excluded: Transcribe, the
    # Voice Connector, the model (reported separately), free tiers.
    "dynamodb_write_unit": 0.625 / 1e6,  # on-demand WRU (since the November 2024 reduction)
    "dynamodb_read_unit": 0.125 / 1e6,
    "dynamodb_gb_month": 0.25,
    "lambda_request": 0.20 / 1e6,
    "lambda_arm_gb_second": 0.0000133334,
    "kinesis_on_demand_gb_in": 0.08,
    "kinesis_on_demand_gb_out": 0.04,
    "kinesis_on_demand_stream_hour": 0.04,
    "eventbridge_event": 1.00 / 1e6,  # custom events, per 64 KB chunk
    "sqs_request": 0.40 / 1e6,
    "http_api_request": 1.00 / 1e6,
    "websocket_message": 1.00 / 1e6,  # per 32 KB
    "websocket_connection_minute": 0.25 / 1e6,
    "appsync_operation": 4.00 / 1e6,  # GraphQL query/mutation (LCA)
    "appsync_realtime_update": 2.00 / 1e6,
    "appsync_connection_minute": 0.08 / 1e6,
    "kms_request": 0.03 / 1e4,
    "logs_gb_ingested": 0.50,
}


def _gb(nbytes: float) -> float:
    return nbytes / 1024**3


def cost(
    profile: Profile, assume: Assumptions = DEFAULT_ASSUMPTIONS, model: str = "amazon.nova-lite-v1:0"
) -> dict[str, Any]:
    """USD per 1,000 five-minute calls: this pipeline and the LCA-shaped baseline (module doc)."""
    from callrecap.contracts import FUNCTION_MEMORY_MB, Function
    from callrecap.domain.summaries.cost import PriceTable

    price = PRICES_USD
    minutes = 1000 * COST_CALL_MINUTES
    calls = 1000.0

    def scaled(value: float) -> float:  # a measured count, for 1,000 five-minute calls
        return profile.per_minute(value) * minutes

    page_reads = calls * COST_CALL_MINUTES * 60 / assume.reconcile_s
    tickets = calls * assume.tickets_per_call
    lambda_seconds_gb = sum(
        scaled(seconds) * FUNCTION_MEMORY_MB[Function(name)] / 1024
        for name, seconds in profile.busy_seconds.items()
        if name != "api"
    )
    api_gb_s = (
        (page_reads + tickets)
        * profile.busy_seconds.get("api", 0)
        / max(1, profile.invocations.get("api", 1))
    )
    api_gb_s *= FUNCTION_MEMORY_MB[Function.API] / 1024
    model_wait_gb_s = calls * profile.per_call(profile.model_calls) * assume.model_latency_s
    model_wait_gb_s *= FUNCTION_MEMORY_MB[Function.SUMMARIZER] / 1024
    invocations = scaled(sum(n for k, n in profile.invocations.items() if k != "api")) + page_reads + tickets
    kinesis_gb = _gb(scaled(profile.kinesis_billed_kb) * 1024)
    write_units = scaled(sum(profile.write_units.values()))
    read_units = scaled(sum(profile.read_units.values())) + page_reads * 3
    stored_gb = _gb(scaled(profile.kinesis_bytes) * 2)  # items about twice the record (indexes, record)
    ours = {
        "DynamoDB writes": write_units * price["dynamodb_write_unit"],
        "DynamoDB reads": read_units * price["dynamodb_read_unit"],
        "DynamoDB storage (90 days)": stored_gb * 3 * price["dynamodb_gb_month"],
        "Lambda requests": invocations * price["lambda_request"],
        "Lambda duration (arm64)": (lambda_seconds_gb + api_gb_s + model_wait_gb_s)
        * price["lambda_arm_gb_second"],
        "Kinesis data in + out": kinesis_gb
        * (price["kinesis_on_demand_gb_in"] + price["kinesis_on_demand_gb_out"]),
        "EventBridge events": calls * profile.per_call(profile.bus_entries) * price["eventbridge_event"],
        "SQS requests": calls * profile.per_call(profile.queue_messages) * 3 * price["sqs_request"],
        "API Gateway HTTP requests": (page_reads + tickets) * price["http_api_request"],
        "API Gateway WebSocket messages + minutes": scaled(profile.watcher_lookups)
        * price["websocket_message"]
        + calls * COST_CALL_MINUTES * price["websocket_connection_minute"],
        "KMS (tickets)": tickets * 2 * price["kms_request"],
        "CloudWatch Logs ingestion": _gb(scaled(profile.log_bytes)) * price["logs_gb_ingested"],
    }
    segments = scaled(profile.segments_final + profile.segments_partial)
    lca = {
        # The same records through LCA's shape: a mutation, a ~1 KB item write and a real-time
        # update to the watching page per segment (partials included), the same Lambda and stream.
        "DynamoDB writes": segments * price["dynamodb_write_unit"],
        "DynamoDB reads": 0.0,
        "DynamoDB storage (90 days)": ours["DynamoDB storage (90 days)"],
        "Lambda requests": ours["Lambda requests"] - (page_reads + tickets) * price["lambda_request"],
        "Lambda duration (arm64)": (
            lambda_seconds_gb + model_wait_gb_s * profile.per_call(profile.summary_sections)
        )
        * price["lambda_arm_gb_second"],
        "Kinesis data in + out": ours["Kinesis data in + out"],
        "AppSync mutations": segments * price["appsync_operation"],
        "AppSync real-time updates + minutes": segments * price["appsync_realtime_update"]
        + calls * COST_CALL_MINUTES * price["appsync_connection_minute"],
        "CloudWatch Logs ingestion": ours["CloudWatch Logs ingestion"],
    }
    prices = PriceTable()
    tokens_in = profile.per_call(profile.input_tokens)
    tokens_out = profile.per_call(profile.output_tokens)
    sections = max(1.0, profile.per_call(profile.summary_sections))
    average_minutes = max(1e-9, profile.per_call(profile.call_minutes))
    per_call_usd = prices.estimate_usd("bedrock", model, int(tokens_in), int(tokens_out))
    model_ours = per_call_usd * calls * COST_CALL_MINUTES / average_minutes  # tokens grow with length
    model_lca = model_ours * sections  # one call per section, each reading the whole transcript
    total_ours, total_lca = sum(ours.values()), sum(lca.values())
    return {
        "per": "1,000 five-minute calls",
        "ours": {k: round(v, 4) for k, v in ours.items()},
        "lca": {k: round(v, 4) for k, v in lca.items()},
        "totalUsd": round(total_ours, 4),
        "lcaTotalUsd": round(total_lca, 4),
        "ratio": round(total_ours / max(total_lca, 1e-12), 3),
        "modelUsd": round(model_ours, 4),
        "lcaModelUsd": round(model_lca, 4),
        "model": model,
        "fixedMonthlyUsd": {
            "Kinesis on-demand stream-hours": round(730 * price["kinesis_on_demand_stream_hour"], 2)
        },
    }
