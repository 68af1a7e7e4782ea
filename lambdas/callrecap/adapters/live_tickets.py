"""Live tickets (domain.live_updates) signed with a KMS HMAC key (the api function; the
live_connect function verifies them: adapters/live_ticket_check.py)."""

from __future__ import annotations

from typing import Any

from callrecap.adapters.aws_clients import LazyClient
from callrecap.contracts import LIVE_TICKET_MAC_ALGORITHM as MAC_ALGORITHM


class KmsTicketSigner:
    """Signs and verifies live tickets with a KMS HMAC key: no secret ever leaves KMS, and the api
    function (which may not write the table) needs no store to issue them."""

    def __init__(self, key_id: str, *, client: Any | None = None) -> None:
        self.key_id = key_id
        self._client = client

    client = LazyClient("kms")

    def sign(self, message: bytes) -> bytes:
        reply = self.client.generate_mac(KeyId=self.key_id, Message=message, MacAlgorithm=MAC_ALGORITHM)
        return bytes(reply["Mac"])
