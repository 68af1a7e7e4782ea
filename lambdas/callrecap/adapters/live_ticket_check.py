"""Live tickets (domain.live_updates) verified with the KMS HMAC key that signed them."""

from __future__ import annotations

from typing import Any

from callrecap.adapters.aws_clients import LazyClient, error_code
from callrecap.contracts import LIVE_TICKET_MAC_ALGORITHM as MAC_ALGORITHM


class KmsTicketVerifier:
    def __init__(self, key_id: str, *, client: Any | None = None) -> None:
        self.key_id = key_id
        self._client = client

    client = LazyClient("kms")

    def verify(self, message: bytes, mac: bytes) -> bool:
        try:
            reply = self.client.verify_mac(
                KeyId=self.key_id, Message=message, MacAlgorithm=MAC_ALGORITHM, Mac=mac
            )
        except Exception as error:
            if error_code(error) == "KMSInvalidMacException":
                return False
            raise
        return bool(reply.get("MacValid"))
