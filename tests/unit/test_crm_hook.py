"""Example CRM hook: contract validation, idempotent delivery, refusal of empty summaries."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import pytest

from callrecap.contracts import BUS_SOURCE
from callrecap.handlers import crm_hook, wiring
from tests.helpers.context import lambda_context


class FakeDeliveries:
    def __init__(self) -> None:
        self.records: dict[tuple[str, int], dict[str, Any]] = {}

    def put_delivery(self, call_id: str, version: int, record: Mapping[str, Any], status: str) -> bool:
        if (call_id, version) in self.records:
            return False
        self.records[(call_id, version)] = {**record, "status": status}
        return True


@pytest.fixture
def deliveries() -> Iterator[FakeDeliveries]:
    fake = FakeDeliveries()
    crm_hook.set_dependencies(crm_hook.CrmHookDependencies(deliveries=fake))
    yield fake
    crm_hook.set_dependencies(None)


def event(**detail_overrides: Any) -> dict[str, Any]:
    detail = {
        "callId": "c1",
        "schemaVersion": "1",
        "version": 2,
        "kind": "final",
        "sections": {"summary": "Refund issued.", "topic": "refund"},
        "provider": "bedrock",
        "model": "amazon.nova-lite-v1:0",
        "createdAt": "2026-03-03T12:00:00.000Z",
        **detail_overrides,
    }
    return {
        "version": "0",
        "id": "evt-1",
        "detail-type": "CallSummarized",
        "source": BUS_SOURCE,
        "account": "123456789012",
        "time": "2026-03-03T12:00:01Z",
        "region": "us-east-1",
        "resources": [],
        "detail": detail,
    }


def test_delivery_is_stored_once(deliveries: FakeDeliveries) -> None:
    first = crm_hook.handler(event(), lambda_context())  # type: ignore[arg-type]
    second = crm_hook.handler(event(), lambda_context())  # type: ignore[arg-type]
    assert first == {"callId": "c1", "version": 2, "outcome": "delivered"}
    assert second["outcome"] == "duplicate"
    record = deliveries.records[("c1", 2)]
    assert record["sections"] == {"summary": "Refund issued.", "topic": "refund"}
    assert record["eventId"] == "evt-1"
    assert record["status"] == "DELIVERED"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"sections": {}}, "non-empty object"),
        ({"sections": None}, "non-empty object"),
        ({"sections": {"summary": "", "action_items": []}}, "every section is empty"),
        ({"callId": ""}, "callId"),
        ({"version": "2"}, "version"),
        ({"version": 0}, "version"),
        ({"kind": "weekly"}, "kind"),
        ({"schemaVersion": "9"}, "schemaVersion"),
        ({"model": None}, "model must be a string"),
    ],
)
def test_contract_violations_are_refused(
    deliveries: FakeDeliveries, overrides: dict[str, Any], message: str
) -> None:
    with pytest.raises(crm_hook.ContractViolation, match=message):
        crm_hook.handler(event(**overrides), lambda_context())  # type: ignore[arg-type]
    assert deliveries.records == {}


def test_other_event_types_are_refused(deliveries: FakeDeliveries) -> None:
    wrong = event()
    wrong["detail-type"] = "SummaryFailed"
    with pytest.raises(crm_hook.ContractViolation, match="expected callrecap/CallSummarized"):
        crm_hook.handler(wrong, lambda_context())  # type: ignore[arg-type]


def test_delivery_table_comes_from_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    from callrecap.settings import SettingsError

    monkeypatch.delenv("CALLRECAP_TABLE_NAME", raising=False)
    monkeypatch.delenv("CALLRECAP_CRM_DELIVERY_TABLE_NAME", raising=False)
    with pytest.raises(SettingsError, match="CALLRECAP_CRM_DELIVERY_TABLE_NAME or CALLRECAP_TABLE_NAME"):
        wiring.crm_hook()
    monkeypatch.setenv("CALLRECAP_TABLE_NAME", "calls")
    monkeypatch.setenv("CALLRECAP_CRM_DELIVERY_TABLE_NAME", "crm-deliveries")
    store = wiring.crm_hook().deliveries
    assert getattr(store, "table_name", None) == "crm-deliveries"
