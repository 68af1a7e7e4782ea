"""The call record (`META`): its lifecycle updates (reads are in call_queries).

Lifecycle updates are conditional on the start/end flags, so exactly one of the legs, records or
sweeps that observe a boundary publishes it (domain.call_lifecycle); `release_*` undo a claim
whose event could not be published.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from callrecap import contracts as c
from callrecap.adapters.dynamo.codec import (
    attr,
    string_set,
)
from callrecap.adapters.dynamo.table_updates import CallTableState
from callrecap.contracts import CallAttr
from callrecap.domain.models import (
    CALL_DETAIL_ATTRS,
    CallDetails,
    CallStatus,
    ProducerSummaryObserved,
)

START_PUBLISHED = CallAttr.START_PUBLISHED.value


FIRST_SEEN_SETS: tuple[str, ...] = (
    "#status = if_not_exists(#status, :live)",
    "#startedAt = if_not_exists(#startedAt, :at)",
    "#g1pk = if_not_exists(#g1pk, :day)",
    "#g1sk = if_not_exists(#g1sk, :daysk)",
)
"""What any record of a call sets when it is the first one seen (the call is then live, listed
under the day it was first seen); a later record changes none of it."""


class CallLifecycle(CallTableState):
    """Conditional updates of the call record: start, end, details, categories."""

    def _detail_sets(self, details: CallDetails, names: dict[str, str], values: dict[str, Any]) -> list[str]:
        sets = []
        for field_name, name in CALL_DETAIL_ATTRS:
            value = getattr(details, field_name)
            if value:
                names[f"#{name.value}"] = name.value
                values[f":{name.value}"] = attr(str(value))
                sets.append(f"#{name.value} = :{name.value}")
        return sets

    def _update_call(
        self,
        call_id: str,
        *,
        sets: list[str],
        names: dict[str, str],
        values: dict[str, Any],
        condition: str | None,
        live_index: bool,
        removes: Iterable[str] = (),
        adds: Iterable[str] = (),
        now: datetime,
    ) -> bool:
        """One UpdateItem on the call record; with `live_index`, (re)joins the live-calls GSI
        unless the call has ended (then a second request without it). False if `condition` fails."""
        names = {**names, "#callId": CallAttr.CALL_ID.value}
        values = {**values, ":cid": attr(call_id)}
        base_sets = [*sets, "#callId = :cid"]
        # From the wall clock (event times may be old); set once: segment commits refresh it, and a
        # duplicated details/lifecycle record must change nothing.
        expires = self._expires_at(self._now())
        if expires:
            names["#ttl"] = c.TTL_ATTRIBUTE
            values[":ttl"] = expires
            base_sets.append("#ttl = if_not_exists(#ttl, :ttl)")

        def expression(extra_sets: list[str]) -> str:
            text = "SET " + ", ".join(base_sets + extra_sets)
            if list(adds):
                text += " ADD " + ", ".join(adds)
            if list(removes):
                text += " REMOVE " + ", ".join(removes)
            return text

        attempts: list[tuple[list[str], dict[str, str], dict[str, Any], str | None]] = []
        if live_index and call_id not in self._ended:
            live_names = {
                **names,
                "#g2pk": c.GSI_LIVE_CALLS_PK,
                "#g2sk": c.GSI_LIVE_CALLS_SK,
                "#ended": CallAttr.END_PUBLISHED,
                "#last": CallAttr.LAST_ACTIVITY_AT.value,
            }
            live_values = {
                **values,
                ":livepk": attr(c.live_calls_pk(call_id)),
                ":at_live": attr(c.activity_minute(self._iso(now), call_id)),
            }
            live_condition = "attribute_not_exists(#ended)"
            if condition:
                live_condition = f"({condition}) AND {live_condition}"
            attempts.append(
                (
                    ["#g2pk = :livepk", "#g2sk = if_not_exists(#g2sk, :at_live)"],
                    live_names,
                    live_values,
                    live_condition,
                )
            )
        attempts.append(([], names, values, condition))
        for extra_sets, attempt_names, attempt_values, attempt_condition in attempts:
            if self._update_if(
                self._meta_key(call_id),
                expression(extra_sets),
                attempt_condition,
                ExpressionAttributeNames=attempt_names,
                ExpressionAttributeValues=attempt_values,
            ):
                return True
        return False

    def _lifecycle_fields(
        self, details: CallDetails, at: datetime
    ) -> tuple[list[str], dict[str, str], dict[str, Any]]:
        names: dict[str, str] = {
            "#status": CallAttr.STATUS.value,
            "#startedAt": CallAttr.STARTED_AT.value,
            "#g1pk": c.GSI_BY_DAY_PK,
            "#g1sk": c.GSI_BY_DAY_SK,
            "#last": CallAttr.LAST_ACTIVITY_AT.value,
        }
        at_iso = self._iso(at)
        values: dict[str, Any] = {
            ":at": attr(at_iso),
            ":day": attr(c.day_pk(at_iso[:10])),
            ":daysk": attr(f"{at_iso}#{details.call_id}"),
            ":live": attr(CallStatus.LIVE.value),
        }
        sets = ["#last = if_not_exists(#last, :at)", *self._detail_sets(details, names, values)]
        return sets, names, values

    def mark_started(self, details: CallDetails, at: str) -> bool:
        moment = self._instant(at)
        sets, names, values = self._lifecycle_fields(details, moment)
        names["#startPub"] = START_PUBLISHED
        values[":true"] = {"BOOL": True}
        sets += [
            "#startPub = :true",
            "#status = if_not_exists(#status, :live)",
            "#startedAt = :at",
            "#g1pk = :day",
            "#g1sk = :daysk",
        ]
        return self._update_call(
            details.call_id,
            sets=sets,
            names=names,
            values=values,
            condition="attribute_not_exists(#startPub)",
            live_index=True,
            now=moment,
        )

    def mark_ended(self, details: CallDetails, at: str) -> bool:
        moment = self._instant(at)
        sets, names, values = self._lifecycle_fields(details, moment)
        names.update(
            {
                "#endPub": CallAttr.END_PUBLISHED,
                "#endedAt": CallAttr.ENDED_AT.value,
                "#g2pk": c.GSI_LIVE_CALLS_PK,
                "#g2sk": c.GSI_LIVE_CALLS_SK,
            }
        )
        values.update({":true": {"BOOL": True}, ":ended": attr(CallStatus.ENDED.value)})
        sets += [
            "#endPub = :true",
            "#status = :ended",
            "#endedAt = :at",
            "#startedAt = if_not_exists(#startedAt, :at)",
            "#g1pk = if_not_exists(#g1pk, :day)",
            "#g1sk = if_not_exists(#g1sk, :daysk)",
        ]
        del values[":live"]
        first = self._update_call(
            details.call_id,
            sets=sets,
            names=names,
            values=values,
            condition="attribute_not_exists(#endPub)",
            live_index=False,
            removes=("#g2pk", "#g2sk"),
            now=moment,
        )
        self._ended.add(details.call_id)
        return first

    def release_start(self, call_id: str) -> None:
        """Undo a successful mark_started whose CallStarted could not be published (retry sends it)."""
        self._release(call_id, START_PUBLISHED)

    def release_end(self, call_id: str) -> None:
        """Undo a successful mark_ended whose CallEnded could not be published (retry sends it)."""
        self._release(call_id, CallAttr.END_PUBLISHED)
        self._ended.discard(call_id)

    def _release(self, call_id: str, flag: str) -> None:
        self._call(
            "update_item",
            TableName=self.table_name,
            Key=self._meta_key(call_id),
            UpdateExpression="REMOVE #flag",
            ExpressionAttributeNames={"#flag": flag},
        )

    def update_details(self, details: CallDetails, at: str) -> None:
        moment = self._instant(at)
        sets, names, values = self._lifecycle_fields(details, moment)
        sets += FIRST_SEEN_SETS
        self._update_call(
            details.call_id,
            sets=sets,
            names=names,
            values=values,
            condition=None,
            live_index=True,
            now=moment,
        )

    def add_categories(self, call_id: str, categories: Sequence[str], at: str) -> None:
        """Union `categories` (e.g. TCA category matches) into the call's category set."""
        wanted = sorted({str(category) for category in categories if category})
        if not wanted:
            return
        moment = self._instant(at)
        sets, names, values = self._lifecycle_fields(CallDetails(call_id=call_id), moment)
        sets += FIRST_SEEN_SETS
        names["#cats"] = CallAttr.CATEGORIES.value
        values[":cats"] = string_set(wanted)
        self._update_call(
            call_id,
            sets=sets,
            names=names,
            values=values,
            condition=None,
            live_index=True,
            adds=("#cats :cats",),
            now=moment,
        )

    def set_producer_summary(self, summary: ProducerSummaryObserved) -> None:
        """The producer's own summary (Connect's PostContactSummary) on the call record."""
        moment = self._instant(summary.at)
        sets, names, values = self._lifecycle_fields(CallDetails(call_id=summary.call_id), moment)
        sets += [*FIRST_SEEN_SETS, "#ps = :ps"]
        names["#ps"] = CallAttr.PRODUCER_SUMMARY.value
        stored = {"text": summary.text, "status": summary.status, "source": summary.source}
        if summary.failure_code:
            stored["failureCode"] = summary.failure_code
        values[":ps"] = attr(stored)
        self._update_call(
            summary.call_id,
            sets=sets,
            names=names,
            values=values,
            condition=None,
            live_index=True,
            now=moment,
        )
