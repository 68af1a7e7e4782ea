"""The call-identity rule: which field of each inbound shape names the call. Defined once here;
the parsers, the local replay (`callrecap replay` finds a recording's call by parsing it) and
docs/events.md ("Call identity") all follow it.

- LCA-format events: `CallId`, as the producer wrote it.
- Amazon Connect Contact Lens segment streams, and Connect's contact events: `ContactId`.
- Voice Connector streaming status (EventBridge `detail`): `transactionId`. The two legs of one
  call have different `callId`s, so `transactionId` is the only key that joins them.
- Chime SDK call analytics (Media Insights) records carry both in `metadata`; which one names the
  call depends on who announces the call's start and end on the same stream:
  - `transactionId` (the default) when this project's own Voice Connector lifecycle does (the
    streaming-status events above carry only the transaction id for both legs);
  - `callId` when LCA's call-analytics producers do: their START/END carry `CallId` = the Voice
    Connector `callId`, the same value as the records' `metadata.callId`.
  A record that carries only one of the two is keyed by that one, whatever the setting.
  The setting is CALLRECAP_CHIME_CALL_KEY (context `chimeCallIdentity`, resolved at synth).
"""

from __future__ import annotations

from typing import Final

from callrecap.choices import ChimeCallKey
from callrecap.domain.transcripts.inbound.fields import InvalidField, JsonObject, optional_str, require_str

DEFAULT_CHIME_CALL_KEY: Final = ChimeCallKey.TRANSACTION_ID
STATUS_CALL_KEY: Final = "transactionId"
LCA_CALL_KEY: Final = "CallId"
CONNECT_CALL_KEY: Final = "ContactId"


def chime_call_id(metadata: JsonObject, prefer: ChimeCallKey = DEFAULT_CHIME_CALL_KEY) -> str:
    other = ChimeCallKey.CALL_ID if prefer is ChimeCallKey.TRANSACTION_ID else ChimeCallKey.TRANSACTION_ID
    for key in (prefer, other):
        found = optional_str(metadata, key.value, "metadata")
        if found:
            return found
    raise InvalidField("missing field metadata.transactionId (and no metadata.callId)")


def status_call_id(detail: JsonObject) -> str:
    return require_str(detail, STATUS_CALL_KEY, "detail")


def lca_call_id(record: JsonObject) -> str:
    return require_str(record, LCA_CALL_KEY)


def connect_call_id(record: JsonObject, where: str = "") -> str:
    return require_str(record, CONNECT_CALL_KEY, where)
