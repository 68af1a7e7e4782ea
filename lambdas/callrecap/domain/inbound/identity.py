"""The call-identity rule: which field of each inbound shape names the call. Defined once here;
the parsers, the local replay (`callrecap replay` finds a recording's call by parsing it) and
docs/events.md ("Call identity") all follow it.

- Chime SDK call analytics records (`metadata`): the Voice Connector `transactionId`, which both
  call legs share and which the streaming-status events carry too; the SIP `callId` only when a
  producer leaves the transaction id out.
- Voice Connector streaming status (EventBridge `detail`): `transactionId`. The two legs of one
  call have different `callId`s, so `transactionId` is the only key that joins them.
- LCA-format events: `CallId`, as the producer wrote it.
"""

from __future__ import annotations

from typing import Final

from callrecap.domain.inbound.fields import InvalidField, JsonObject, optional_str, require_str

CHIME_CALL_KEYS: Final = ("transactionId", "callId")
"""Keys of a Chime record's `metadata` that may name the call, in order of preference."""
STATUS_CALL_KEY: Final = "transactionId"
LCA_CALL_KEY: Final = "CallId"


def chime_call_id(metadata: JsonObject) -> str:
    for key in CHIME_CALL_KEYS:
        found = optional_str(metadata, key, "metadata")
        if found:
            return found
    raise InvalidField("missing field metadata.transactionId (and no metadata.callId)")


def status_call_id(detail: JsonObject) -> str:
    return require_str(detail, STATUS_CALL_KEY, "detail")


def lca_call_id(record: JsonObject) -> str:
    return require_str(record, LCA_CALL_KEY)
