"""Summary run leases (domain.summary_runs): one item per (call, kind, transcript revision),
`LEASE#<kind>#<revision>` in the call's partition, taken with one conditional write.

A lease is free when it does not exist, was released (`leaseUntil` 0) or expired (`leaseUntil` in
the past: its holder was stopped at the function's timeout). Taking an expired lease returns the
version its holder had claimed, so the taker can mark that PENDING version FAILED (TIMEOUT).
"""

from __future__ import annotations

from typing import Any

from callrecap import contracts as c
from callrecap.adapters.dynamo.codec import attr
from callrecap.adapters.dynamo.table import TableAdapter, is_condition_failure
from callrecap.domain.ports import LeaseClaim

OWNER = "leaseOwner"
UNTIL = "leaseUntil"
VERSION = "leaseVersion"
ATTEMPTS = "attempts"


def lease_sk(key: str) -> str:
    return f"{c.LEASE_SK_PREFIX}{key}"


class SummaryLeases(TableAdapter):
    def claim_lease(self, call_id: str, key: str, owner: str, now: float, until: float) -> LeaseClaim:
        expires = self._expiry_epoch()
        sets = ["#owner = :owner", "#until = :until", "#attempts = if_not_exists(#attempts, :zero) + :one"]
        values: dict[str, Any] = {
            ":owner": attr(owner),
            ":until": {"N": str(int(until))},
            ":now": {"N": str(int(now))},
            ":zero": {"N": "0"},
            ":one": {"N": "1"},
        }
        names = {"#owner": OWNER, "#until": UNTIL, "#attempts": ATTEMPTS, "#version": VERSION}
        if expires is not None:
            sets.append("#ttl = :ttl")
            names["#ttl"] = c.TTL_ATTRIBUTE
            values[":ttl"] = {"N": str(expires)}
        try:
            reply = self._call(
                "update_item",
                TableName=self.table_name,
                Key=self._key(call_id, lease_sk(key)),
                UpdateExpression="SET " + ", ".join(sets) + " REMOVE #version",
                ConditionExpression="attribute_not_exists(#until) OR #until < :now",
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
                ReturnValues="ALL_OLD",
            )
        except Exception as error:
            if is_condition_failure(error):
                return LeaseClaim(claimed=False)
            raise
        old = reply.get("Attributes", {})
        expired_unreleased = int(old.get(UNTIL, {}).get("N", "0")) > 0
        previous = int(old.get(VERSION, {}).get("N", "0")) if expired_unreleased else 0
        attempts = int(old.get(ATTEMPTS, {}).get("N", "0")) + 1
        return LeaseClaim(claimed=True, previous_version=previous, attempts=attempts)

    def bind_lease(self, call_id: str, key: str, owner: str, version: int) -> None:
        """Record the version the holder claimed (what a taker of the expired lease must fail)."""
        self._owned_update(call_id, key, owner, "SET #version = :version", {":version": {"N": str(version)}})

    def release_lease(self, call_id: str, key: str, owner: str) -> None:
        self._owned_update(call_id, key, owner, "SET #until = :zero REMOVE #version", {":zero": {"N": "0"}})

    def hold_lease(self, call_id: str, key: str, owner: str, until: float) -> None:
        """Keep the lease and its version until `until`: a run deferred for throttling."""
        self._owned_update(call_id, key, owner, "SET #until = :until", {":until": {"N": str(int(until))}})

    def _owned_update(
        self, call_id: str, key: str, owner: str, expression: str, values: dict[str, Any]
    ) -> None:
        every = {"#owner": OWNER, "#until": UNTIL, "#version": VERSION}
        names = {k: v for k, v in every.items() if k == "#owner" or k in expression}  # only used ones
        try:
            self._call(
                "update_item",
                TableName=self.table_name,
                Key=self._key(call_id, lease_sk(key)),
                UpdateExpression=expression,
                ConditionExpression="#owner = :owner",
                ExpressionAttributeNames=names,
                ExpressionAttributeValues={":owner": attr(owner), **values},
            )
        except Exception as error:
            if not is_condition_failure(error):
                raise
            # Another run took the lease after ours expired: it is theirs now.
