"""Amazon Connect contact events (EventBridge, source `aws.connect`, detail-type "Amazon Connect
Contact Event"): the one place Connect names the agent of a voice contact.

Contact Lens segment streams say who spoke (AGENT / CUSTOMER) but not which agent; the
`CONNECTED_TO_AGENT` contact event carries `agentInfo.agentArn`
(`arn:aws:connect:<region>:<account>:instance/<instance-id>/agent/<agent-id>`). Its agent id is
stored on the call (CallDetailsObserved), keyed by the same `contactId` as the segment stream, so
access control can match the signed-in agent; so is the queue the contact came through
(`queueInfo.queueArn`, its last part), for supervisors limited to queues. Any other contact event
is not for us (None).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from callrecap.contracts import CONNECT_AGENT_EVENT_TYPE, CONNECT_CONTACT_DETAIL_TYPE, CONNECT_SOURCE
from callrecap.domain.models import CallDetails, CallDetailsObserved
from callrecap.domain.transcripts.inbound.fields import (
    InvalidField,
    optional_object,
    optional_str,
    require_object,
    require_str,
)

SOURCE_CONNECT: Final = "connect"


def is_connect_contact_event(event: Mapping[str, Any]) -> bool:
    return event.get("source") == CONNECT_SOURCE and event.get("detail-type") == CONNECT_CONTACT_DETAIL_TYPE


def _last_part(arn: str, marker: str, field: str) -> str:
    if marker not in arn or not arn.rsplit(marker, 1)[1]:
        raise InvalidField(f"{field} is not an ARN with {marker}<id>: {arn[:120]!r}")
    return arn.rsplit(marker, 1)[1]


def agent_id_from_arn(agent_arn: str) -> str:
    """The agent's id, the last part of its ARN; InvalidField for anything else."""
    return _last_part(agent_arn, "/agent/", "detail.agentInfo.agentArn")


def connect_contact_observation(event: Mapping[str, Any]) -> CallDetailsObserved | None:
    detail = require_object(event, "detail")
    if require_str(detail, "eventType", "detail") != CONNECT_AGENT_EVENT_TYPE:
        return None
    if (optional_str(detail, "channel", "detail") or "VOICE").upper() != "VOICE":
        return None
    agent = optional_object(detail, "agentInfo", "detail")
    if agent is None:
        raise InvalidField("missing field detail.agentInfo")
    queue_info = optional_object(detail, "queueInfo", "detail")
    queue_arn = optional_str(queue_info, "queueArn", "detail.queueInfo") if queue_info else None
    details = CallDetails(
        call_id=require_str(detail, "contactId", "detail"),
        agent_id=agent_id_from_arn(require_str(agent, "agentArn", "detail.agentInfo")),
        queue=_last_part(queue_arn, "/queue/", "detail.queueInfo.queueArn") if queue_arn else None,
    )
    return CallDetailsObserved(details=details, at=optional_str(event, "time") or "", source=SOURCE_CONNECT)
