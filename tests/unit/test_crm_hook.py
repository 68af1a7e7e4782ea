"""Example CRM hook: contract validation, idempotent delivery, refusal of empty summaries."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import pytest

from callrecap import wiring
from callrecap.contracts import BUS_SOURCE
from callrecap.handlers import crm_hook
from tests.helpers.context import lambda_context


class FakeDeliveries:
    def __init__(self) -> None:
        self.records: dict[tuple[str, int], dict[str, Any]] = {}

    def claim_delivery(self, call_id: str, version: int, event_id: str, now: float, until: float) -> str:
        current = self.records.get((call_id, version))
        if current is not None and current["status"] == "DELIVERED":
            return "delivered"
        if current is not None and current["until"] >= now:
            return "in-progress"
        self.records[(call_id, version)] = {"status": "IN_PROGRESS", "until": until}
        return "claimed"

    def complete_delivery(self, call_id: str, version: int, record: Mapping[str, Any]) -> None:
        self.records[(call_id, version)] = {**record, "status": "DELIVERED"}

    def release_delivery(self, call_id: str, version: int) -> None:
        self.records[(call_id, version)]["until"] = 0

    def fail_delivery(self, call_id: str, version: int, record: Mapping[str, Any]) -> None:
        self.records[(call_id, version)] = {**record, "status": "FAILED", "until": 0}


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


def test_the_crm_is_called_once_and_a_failed_call_gives_the_claim_back() -> None:
    from callrecap.domain.crm.delivery import DeliveryInProgress, deliver_summary

    store = FakeDeliveries()
    sent: list[str] = []

    def flaky(summary: Any, key: str) -> dict[str, Any]:
        sent.append(key)
        if len(sent) == 1:
            raise ConnectionError("CRM down")
        return {"crmRecord": "case-7"}

    detail = event()["detail"]

    def deliver(at: float, event_id: str, **changes: Any) -> str:
        _, outcome = deliver_summary(
            store, BUS_SOURCE, "CallSummarized", {**detail, **changes}, event_id, send=flaky, now=lambda: at
        )
        return outcome

    with pytest.raises(ConnectionError):
        deliver(100.0, "e1")
    assert deliver(101.0, "e1") == "delivered"
    assert deliver(102.0, "e2") == "duplicate"
    assert sent == ["c1#2", "c1#2"]  # the failed call and its retry; never for the duplicate
    assert store.records[("c1", 2)]["crmRecord"] == "case-7"
    # A copy arriving while another invocation is delivering waits for EventBridge's retry.
    store.records[("c9", 1)] = {"status": "IN_PROGRESS", "until": 500.0}
    with pytest.raises(DeliveryInProgress):
        deliver_summary(
            store,
            BUS_SOURCE,
            "CallSummarized",
            {**detail, "callId": "c9", "version": 1},
            "e3",
            now=lambda: 200.0,
        )
