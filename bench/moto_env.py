"""A moto server on loopback with the pipeline's resources, and the handlers' env pointing at it.

The same resources (from contracts) and settings variables as the local stack; the environment is
put back on exit so a benchmark can run inside a test process.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from typing import Any

from callrecap.settings import EnvVar


@dataclass(frozen=True)
class MotoEnv:
    url: str
    client: Callable[[str], Any]
    resources: Any  # callrecap_local.resources.LocalResources


@contextmanager
def patched_env(values: dict[str, str]) -> Iterator[None]:
    previous = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in previous.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@contextmanager
def moto_server(prefix: str = "bench") -> Iterator[MotoEnv]:
    import boto3
    from moto.server import ThreadedMotoServer

    from callrecap_local.functions import reset_all_handler_caches
    from callrecap_local.resources import create_resources

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    url = f"http://{host}:{port}"
    aws = {
        "AWS_ENDPOINT_URL": url,
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
        "AWS_SESSION_TOKEN": "local",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
        "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
        "POWERTOOLS_METRICS_DISABLED": "true",
        "POWERTOOLS_SERVICE_NAME": "callrecap-bench",
        "POWERTOOLS_METRICS_NAMESPACE": "callrecap",
        "POWERTOOLS_LOG_LEVEL": "WARNING",
    }
    try:
        with moto_transactions_copy_once(), patched_env(aws):

            def client(service: str) -> Any:
                return boto3.client(service, endpoint_url=url, region_name="us-east-1")  # type: ignore[call-overload]

            resources = create_resources(client, prefix)
            handler_env = {
                EnvVar.TABLE_NAME.value: resources.table_name,
                EnvVar.EVENT_BUS_NAME.value: resources.bus_name,
                EnvVar.QUARANTINE_QUEUE_URL.value: resources.quarantine_queue_url,
                EnvVar.CRM_DELIVERY_TABLE_NAME.value: resources.table_name,
                EnvVar.LLM_PROVIDER.value: "extractive",
            }
            with patched_env(handler_env):
                reset_all_handler_caches()  # like a fresh container: clients for this server
                try:
                    yield MotoEnv(url, client, resources)
                finally:
                    reset_all_handler_caches()
    finally:
        server.stop()


class RequestCounter:
    """Counts HTTP requests per service/operation via botocore's `before-send` event.

    Registered on boto3's default session, so it sees every client the handlers create with
    `boto3.client(...)` after registration (each retry is a request too).
    """

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}
        self._registered: list[Any] = []

    def _on_send(self, request: Any, **_: Any) -> None:
        target = request.headers.get("X-Amz-Target", b"")
        operation = (
            target.decode().split(".")[-1] if isinstance(target, bytes) else str(target).split(".")[-1]
        )
        self.counts[operation or "?"] = self.counts.get(operation or "?", 0) + 1

    def attach(self, service: str = "dynamodb") -> RequestCounter:
        import boto3

        session = boto3._get_default_session()
        session.events.register(f"before-send.{service}", self._on_send)
        self._registered.append((session, service))
        return self

    def detach(self) -> None:
        for session, service in self._registered:
            session.events.unregister(f"before-send.{service}", self._on_send)
        self._registered.clear()

    def reset(self) -> None:
        self.counts.clear()

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def moto_transactions_copy_once() -> AbstractContextManager[bool]:
    """moto's TransactWriteItems without its per-item whole-table copy (callrecap_local.moto_patches).

    Kept under this name for the benchmarks that already use it; the patch is the local stack's.
    """
    from callrecap_local.moto_patches import transact_items_snapshot

    return transact_items_snapshot()
