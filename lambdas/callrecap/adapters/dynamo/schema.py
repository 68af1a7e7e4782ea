"""The single table's physical schema, as CreateTable arguments.

Tests and the local stack create the table from here; the CDK storage construct must declare
the same keys and indexes (names from contracts). Kept in one place so they cannot drift.
"""

from __future__ import annotations

from typing import Any

from callrecap import contracts as c


def table_definition(table_name: str) -> dict[str, Any]:
    """Keyword arguments for `dynamodb.create_table` (on-demand billing)."""
    return {
        "TableName": table_name,
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [
            {"AttributeName": c.PK, "AttributeType": "S"},
            {"AttributeName": c.SK, "AttributeType": "S"},
            {"AttributeName": c.GSI_BY_DAY_PK, "AttributeType": "S"},
            {"AttributeName": c.GSI_BY_DAY_SK, "AttributeType": "S"},
            {"AttributeName": c.GSI_LIVE_CALLS_PK, "AttributeType": "S"},
            {"AttributeName": c.GSI_LIVE_CALLS_SK, "AttributeType": "S"},
            {"AttributeName": c.SEGMENT_WRITE_SEQ, "AttributeType": "N"},
        ],
        "KeySchema": [
            {"AttributeName": c.PK, "KeyType": "HASH"},
            {"AttributeName": c.SK, "KeyType": "RANGE"},
        ],
        "GlobalSecondaryIndexes": [
            {
                "IndexName": c.GSI_BY_DAY,
                "KeySchema": [
                    {"AttributeName": c.GSI_BY_DAY_PK, "KeyType": "HASH"},
                    {"AttributeName": c.GSI_BY_DAY_SK, "KeyType": "RANGE"},
                ],
                # Keys only: the entry never changes after the call's first write, so segment
                # commits (which update the record) never write the day's single partition.
                "Projection": {"ProjectionType": "KEYS_ONLY"},
            },
            {
                "IndexName": c.GSI_LIVE_CALLS,
                "KeySchema": [
                    {"AttributeName": c.GSI_LIVE_CALLS_PK, "KeyType": "HASH"},
                    {"AttributeName": c.GSI_LIVE_CALLS_SK, "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "KEYS_ONLY"},
            },
        ],
        "LocalSecondaryIndexes": [
            {
                "IndexName": c.LSI_SEGMENT_WRITES,
                "KeySchema": [
                    {"AttributeName": c.PK, "KeyType": "HASH"},
                    {"AttributeName": c.SEGMENT_WRITE_SEQ, "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
    }


def create_table(client: Any, table_name: str) -> None:
    """Create the table with TTL on `expiresAt` (moto and the local stack use this)."""
    client.create_table(**table_definition(table_name))
    client.update_time_to_live(
        TableName=table_name,
        TimeToLiveSpecification={"Enabled": True, "AttributeName": c.TTL_ATTRIBUTE},
    )
