"""DynamoDB SummaryStore in the single table.

Items (pk = CALL#<callId>):
- `SUM#<version, 6 digits>`: one summary version. A new version is taken with a conditional put
  (`attribute_not_exists`), so two concurrent runs for one call can never share a version: the
  loser re-reads the newest version and tries the next one. Zero-padding keeps the sort key order
  equal to the version order, so "newest first" is one query with ScanIndexForward=false.
- `META` (owned by the TranscriptStore): this adapter only SETs the summary pointers
  (latestSummaryVersion/Status, finalSummaryRevision, topic), conditionally, so an
  older run finishing late never overwrites a newer version's figures.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

from callrecap import contracts as c
from callrecap.adapters.dynamo.codec import attr, to_item
from callrecap.adapters.dynamo.crm_release import DynamoCrmRelease
from callrecap.adapters.dynamo.summary_leases import SummaryLeases
from callrecap.adapters.dynamo.summary_reads import summary_sk
from callrecap.adapters.dynamo.table import cancellation_codes, is_condition_failure
from callrecap.adapters.dynamo.table_updates import UpdatingTable
from callrecap.contracts import CallAttr
from callrecap.domain.models import Summary, SummaryKind, SummaryStatus
from callrecap.domain.ports import ApprovalRefused
from callrecap.domain.summaries.record import SummaryAttr, call_topic, summary_to_record

log = logging.getLogger(__name__)

MAX_CLAIM_ATTEMPTS = 8


class VersionConflictError(RuntimeError):
    """No free version could be claimed (an unlikely storm of concurrent runs for one call)."""


# --------------------------------------------------------------------------- the store


class DynamoSummaryStore(DynamoCrmRelease, SummaryLeases, UpdatingTable):
    """SummaryRepository (domain.summary_runs) over the single table, low-level client."""

    # ----------------------------------------------------------------------- SummaryStore

    def next_version(self, call_id: str) -> int:
        response = self._call(
            "query",
            TableName=self.table_name,
            KeyConditionExpression="#pk = :pk AND begins_with(#sk, :sum)",
            ExpressionAttributeNames={"#pk": c.PK, "#sk": c.SK},
            ExpressionAttributeValues={
                ":pk": attr(c.call_pk(call_id)),
                ":sum": {"S": c.SUMMARY_SK_PREFIX},
            },
            ScanIndexForward=False,
            Limit=1,
            ConsistentRead=True,
            ProjectionExpression="#sk",
        )
        items = response.get("Items", [])
        if not items:
            return 1
        return int(items[0][c.SK]["S"][len(c.SUMMARY_SK_PREFIX) :]) + 1

    def _summary_item(self, summary: Summary) -> dict[str, Any]:
        record: dict[str, Any] = {
            c.PK: c.call_pk(summary.call_id),
            c.SK: summary_sk(summary.version),
            **summary_to_record(summary),
        }
        expires = self._expiry_epoch()
        if expires is not None:
            record[c.TTL_ATTRIBUTE] = expires
        return to_item(record)

    def claim_version(self, summary: Summary) -> Summary:
        for _ in range(MAX_CLAIM_ATTEMPTS):
            claimed = replace(summary, version=self.next_version(summary.call_id))
            try:
                self._call(
                    "put_item",
                    TableName=self.table_name,
                    Item=self._summary_item(claimed),
                    ConditionExpression="attribute_not_exists(#sk)",
                    ExpressionAttributeNames={"#sk": c.SK},
                )
            except Exception as error:
                if not is_condition_failure(error):
                    raise
                log.info("summary version %s of call %s taken concurrently", claimed.version, claimed.call_id)
                continue
            return claimed
        raise VersionConflictError(f"no free summary version for call {summary.call_id}")

    def store_approval(self, summary: Summary) -> Summary:
        """One transaction: the call's approval marker moves to this draft (only forward) and
        the approved version is put (only new): two tabs approving one draft store one version."""
        for _ in range(MAX_CLAIM_ATTEMPTS):
            claimed = replace(summary, version=self.next_version(summary.call_id))
            try:
                self._call(
                    "transact_write_items",
                    TransactItems=[
                        {"Update": self._approval_marker(claimed)},
                        {
                            "Put": {
                                "TableName": self.table_name,
                                "Item": self._summary_item(claimed),
                                "ConditionExpression": "attribute_not_exists(#sk)",
                                "ExpressionAttributeNames": {"#sk": c.SK},
                            }
                        },
                    ],
                )
            except Exception as error:
                reasons = cancellation_codes(error)
                if reasons and reasons[0] == "ConditionalCheckFailed" and self._approved_since(summary):
                    raise ApprovalRefused(
                        f"version {summary.based_on} of call {summary.call_id} was approved already"
                    ) from error
                if "ConditionalCheckFailed" in reasons:
                    continue  # a summary run took that version (or a newer one) meanwhile: the next
                raise
            return claimed
        raise VersionConflictError(f"no free summary version for call {summary.call_id}")

    def _approval_marker(self, approved: Summary) -> dict[str, Any]:
        """The call record: its approval marker (only forward), and its summary pointers and topic
        now name the approved version (only if no newer version got there first), so the call
        list shows the agent's topic and a page polling the call sees the new version."""
        names = {
            "#pk": c.PK,
            "#draft": CallAttr.APPROVED_DRAFT_VERSION.value,
            "#approved": CallAttr.APPROVED_VERSION.value,
            "#latest": CallAttr.LATEST_SUMMARY_VERSION.value,
            "#status": CallAttr.LATEST_SUMMARY_STATUS.value,
        }
        values: dict[str, Any] = {
            ":draft": {"N": str(approved.based_on)},
            ":approved": {"N": str(approved.version)},
            ":completed": {"S": SummaryStatus.COMPLETED.value},
        }
        sets = ["#draft = :draft", "#approved = :approved", "#latest = :approved", "#status = :completed"]
        topic = call_topic(approved)
        if topic is not None:
            names["#topic"] = CallAttr.TOPIC.value
            values[":topic"] = {"S": topic}
            sets.append("#topic = :topic")
        return {
            "TableName": self.table_name,
            "Key": self._meta_key(approved.call_id),
            "UpdateExpression": "SET " + ", ".join(sets),
            "ConditionExpression": (
                "attribute_exists(#pk) AND (attribute_not_exists(#draft) OR #draft < :draft)"
                " AND (attribute_not_exists(#latest) OR #latest < :approved)"
            ),
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
        }

    def _approved_since(self, approved: Summary) -> bool:
        """The call's marker says its draft (or a later version) was approved already."""
        response = self._call(
            "get_item",
            TableName=self.table_name,
            Key=self._meta_key(approved.call_id),
            ConsistentRead=True,
            ProjectionExpression="#draft",
            ExpressionAttributeNames={"#draft": CallAttr.APPROVED_DRAFT_VERSION.value},
        )
        marker = response.get("Item", {}).get(CallAttr.APPROVED_DRAFT_VERSION.value)
        return marker is not None and int(marker["N"]) >= approved.based_on

    def put_summary(self, summary: Summary) -> None:
        self._call("put_item", TableName=self.table_name, Item=self._summary_item(summary))

    # ----------------------------------------------------------------------- status changes

    def set_status(
        self, call_id: str, version: int, status: SummaryStatus, *, expected: SummaryStatus
    ) -> bool:
        try:
            self._call(
                "update_item",
                TableName=self.table_name,
                Key=self._key(call_id, summary_sk(version)),
                UpdateExpression="SET #status = :status",
                ConditionExpression="#status = :expected",
                ExpressionAttributeNames={"#status": SummaryAttr.STATUS},
                ExpressionAttributeValues={
                    ":status": {"S": status.value},
                    ":expected": {"S": expected.value},
                },
            )
        except Exception as error:
            if is_condition_failure(error):
                return False
            raise
        return True

    def mark_published(self, call_id: str, version: int, at: str) -> None:
        self._call(
            "update_item",
            TableName=self.table_name,
            Key=self._key(call_id, summary_sk(version)),
            UpdateExpression="SET #pub = :at",
            ConditionExpression="attribute_exists(#sk)",
            ExpressionAttributeNames={"#pub": SummaryAttr.PUBLISHED_AT, "#sk": c.SK},
            ExpressionAttributeValues={":at": {"S": at}},
        )

    def record_on_call(self, summary: Summary) -> None:
        """Point the call record at this version unless a newer version already got there.

        The final revision and topic only move forward with COMPLETED summaries; a missing call
        record is left missing (the TranscriptStore creates calls, not this adapter).
        """
        names = {
            "#pk": c.PK,
            "#v": CallAttr.LATEST_SUMMARY_VERSION.value,
            "#st": CallAttr.LATEST_SUMMARY_STATUS.value,
            "#retry": CallAttr.LATEST_SUMMARY_RETRYABLE.value,
        }
        values: dict[str, Any] = {
            ":v": {"N": str(summary.version)},
            ":st": {"S": summary.status.value},
            ":retry": {"BOOL": summary.status is SummaryStatus.FAILED and summary.retryable},
        }
        sets = ["#v = :v", "#st = :st", "#retry = :retry"]
        completed = summary.status is SummaryStatus.COMPLETED
        topic = call_topic(summary)
        if topic is not None:
            names["#topic"] = CallAttr.TOPIC.value
            values[":topic"] = {"S": topic}
            sets.append("#topic = :topic")
        self._update_meta(
            summary.call_id,
            sets=sets,
            names=names,
            values=values,
            condition="attribute_exists(#pk) AND (attribute_not_exists(#v) OR #v <= :v)",
        )
        if completed and summary.kind is SummaryKind.FINAL:
            self._update_meta(
                summary.call_id,
                sets=["#fr = :fr"],
                names={"#pk": c.PK, "#fr": CallAttr.FINAL_SUMMARY_REVISION.value},
                values={":fr": {"N": str(summary.transcript_revision)}},
                condition="attribute_exists(#pk) AND (attribute_not_exists(#fr) OR #fr <= :fr)",
            )
