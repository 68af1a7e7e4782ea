"""The live-updates WebSocket API on loopback, as API Gateway serves it to the page and to the
ingest function (docs/local.md, "Live updates").

- The WebSocket endpoint (`ws://127.0.0.1:<port>/?ticket=...`): a handshake is the `$connect`
  route: the real live_connect handler is invoked with API Gateway's event, and anything but a
  200 refuses the handshake with that status, as API Gateway does. Messages from the page are
  ignored (the deployed API has no other route).
- The management API (`POST /@connections/{connectionId}` on its own port, what boto3's
  `apigatewaymanagementapi` client calls): sends the body to that connection as one text frame;
  410 GoneException for a connection that is closed or unknown, 413 PayloadTooLargeException
  over API Gateway's 128 KB message limit; `DELETE` closes it.
"""

from __future__ import annotations

import base64
import json
import logging
import secrets
import threading
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote, urlsplit

from callrecap_local.lambda_events import websocket_connect_event

log = logging.getLogger("callrecap_local")

MESSAGE_LIMIT_BYTES = 128 * 1024
"""API Gateway WebSocket APIs: a message is at most 128 KB (frames of 32 KB)."""


def _connection_id() -> str:
    """An id shaped like API Gateway's (base64 of 10 bytes, e.g. `L0SM9cOFvHcCIhw=`)."""
    return base64.b64encode(secrets.token_bytes(10)).decode()


class LocalLiveSocket:
    def __init__(self, invoke_connect: Callable[[dict[str, Any]], Any], *, host: str = "127.0.0.1"):
        self.host = host
        self._invoke_connect = invoke_connect
        self._connections: dict[str, Any] = {}
        self._lock = threading.Lock()
        self.pushed = 0
        """Messages delivered to pages (for tests and benchmarks)."""
        self._ws: Any = None
        self._management: ThreadingHTTPServer | None = None
        self._threads: list[threading.Thread] = []

    # ------------------------------------------------------------------ addresses

    @property
    def url(self) -> str:
        """What pages connect to (the deployed one is wss://<api>.execute-api.<region>.amazonaws.com/<stage>)."""
        return f"ws://{self.host}:{self._ws.socket.getsockname()[1]}"

    @property
    def management_url(self) -> str:
        assert self._management is not None
        return f"http://{self.host}:{self._management.server_address[1]}"

    def connection_count(self) -> int:
        with self._lock:
            return len(self._connections)

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> LocalLiveSocket:
        from websockets.sync.server import serve

        self._ws = serve(self._serve_connection, self.host, 0, process_request=self._connect)
        self._management = ThreadingHTTPServer((self.host, 0), self._management_handler())
        self._management.daemon_threads = True
        for name, target in (
            ("live-ws", self._ws.serve_forever),
            ("live-mgmt", self._management.serve_forever),
        ):
            thread = threading.Thread(target=target, name=name, daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def stop(self) -> None:
        with self._lock:
            open_connections = list(self._connections.values())
            self._connections.clear()
        for connection in open_connections:
            try:
                connection.close()
            except Exception:
                log.debug("live connection close failed", exc_info=True)
        if self._ws is not None:
            self._ws.shutdown()
        if self._management is not None:
            self._management.shutdown()
            self._management.server_close()
        for thread in self._threads:
            thread.join(timeout=5)
        self._threads.clear()

    # ------------------------------------------------------------------ the WebSocket side

    def _connect(self, connection: Any, request: Any) -> Any:
        """The $connect route: the handler's statusCode decides the handshake."""
        connection_id = _connection_id()
        headers = {name: value for name, value in request.headers.raw_items()}
        event = websocket_connect_event(
            connection_id=connection_id,
            raw_query=urlsplit(request.path).query,
            headers=headers,
            domain_name=headers.get("Host", self.host),
            source_ip=str(connection.remote_address[0]),
        )
        try:
            result = self._invoke_connect(event)
            status = int((result or {}).get("statusCode", 200))
        except Exception:
            log.exception("live_connect failed on a $connect")
            status = HTTPStatus.INTERNAL_SERVER_ERROR
        if not 200 <= status < 300:
            return connection.respond(HTTPStatus(status), f"{HTTPStatus(status).phrase}\n")
        connection.callrecap_connection_id = connection_id
        return None

    def _serve_connection(self, connection: Any) -> None:
        connection_id = connection.callrecap_connection_id
        with self._lock:
            self._connections[connection_id] = connection
        try:
            for _ in connection:  # nothing routes the page's messages: they are dropped
                pass
        except Exception:
            log.debug("live connection ended", exc_info=True)
        finally:
            with self._lock:
                self._connections.pop(connection_id, None)

    def _send(self, connection_id: str, data: bytes) -> bool:
        with self._lock:
            connection = self._connections.get(connection_id)
        if connection is None:
            return False
        try:
            connection.send(data.decode("utf-8"))
        except Exception:  # noqa: BLE001 (closed meanwhile: Gone, as API Gateway answers)
            return False
        self.pushed += 1
        return True

    def _close(self, connection_id: str) -> bool:
        with self._lock:
            connection = self._connections.pop(connection_id, None)
        if connection is None:
            return False
        connection.close()
        return True

    # ------------------------------------------------------------------ the management API

    def _management_handler(self) -> type[BaseHTTPRequestHandler]:
        live = self

        class Handler(BaseHTTPRequestHandler):
            def _connection(self) -> str | None:
                path = urlsplit(self.path).path
                marker = "/@connections/"
                return unquote(path.split(marker, 1)[1]) if marker in path else None

            def _answer(self, status: int, body: dict[str, Any] | None = None, error: str = "") -> None:
                payload = json.dumps(body).encode() if body is not None else b""
                self.send_response(status)
                if error:
                    self.send_header("x-amzn-ErrorType", error)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def do_POST(self) -> None:
                data = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                connection_id = self._connection()
                if connection_id is None:
                    self._answer(404, {"message": "Not Found"}, "NotFoundException")
                elif len(data) > MESSAGE_LIMIT_BYTES:
                    self._answer(413, {"message": "Message too long"}, "PayloadTooLargeException")
                elif live._send(connection_id, data):
                    self._answer(200)
                else:
                    self._answer(410, {"message": "GoneException"}, "GoneException")

            def do_DELETE(self) -> None:
                connection_id = self._connection()
                if connection_id is not None and live._close(connection_id):
                    self._answer(204)
                else:
                    self._answer(410, {"message": "GoneException"}, "GoneException")

            def log_message(self, *_: Any) -> None:
                pass

        return Handler
