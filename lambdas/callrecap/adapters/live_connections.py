"""Messages to the pages watching a live call, posted through the live-updates WebSocket stage's
management API (domain.live_updates.Connections)."""

from __future__ import annotations

from typing import Any

from callrecap.adapters.aws_clients import LazyClient, error_code


class ApiGatewayConnections:
    """PostToConnection on the WebSocket stage's management endpoint."""

    def __init__(self, endpoint: str, *, client: Any | None = None) -> None:
        self.endpoint = endpoint
        self._client = client

    client = LazyClient("apigatewaymanagementapi", endpoint_attr="endpoint")

    def post(self, connection_id: str, data: bytes) -> bool:
        try:
            self.client.post_to_connection(ConnectionId=connection_id, Data=data)
        except Exception as error:
            if error_code(error) == "GoneException":
                return False
            raise
        return True
