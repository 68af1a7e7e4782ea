"""A moto server on loopback with the pipeline's resources, and the handlers' env pointing at it.

The same resources (from contracts) and settings variables as the local stack; the environment is
put back on exit so a benchmark can run inside a test process.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
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


@contextmanager
def moto_transactions_copy_once() -> Iterator[None]:
    """While active, moto backs up each table once per TransactWriteItems, not once per item.

    moto 5 deep-copies a table for every item of a transaction (its rollback copy), so a
    25-item transaction on a table of N items costs 25 full copies: time and memory grow with
    the square of the data written (a quick ingest run reached 20 GB). Copying each table once
    per call keeps the same rollback semantics (tests/integration/test_bench_smoke.py checks a
    cancelled transaction still leaves nothing behind). The copy cache is used only by the
    thread running the transaction; moto is put back as it was on exit.
    """
    import copy
    import threading

    from moto.dynamodb import models

    backend = models.DynamoDBBackend
    if getattr(backend.transact_write_items, "_bench_patched", False):  # already active
        yield
        return
    original_method = backend.transact_write_items
    original_copy = models.copy
    state = threading.local()

    class _CopyOncePerTransaction:
        def __getattr__(self, name: str) -> Any:
            return getattr(copy, name)

        def deepcopy(self, value: Any, memo: Any = None) -> Any:
            cache = getattr(state, "cache", None)
            if cache is None:
                return copy.deepcopy(value, memo)
            key = id(value)
            if key not in cache:
                cache[key] = (value, copy.deepcopy(value, memo))
            return cache[key][1]

    def transact_write_items(self: Any, transact_items: Any) -> Any:
        state.cache = {}
        try:
            return original_method(self, transact_items)
        finally:
            state.cache = None

    transact_write_items._bench_patched = True  # type: ignore[attr-defined]
    models.copy = _CopyOncePerTransaction()  # type: ignore[assignment]
    backend.transact_write_items = transact_write_items  # type: ignore[method-assign]
    try:
        yield
    finally:
        backend.transact_write_items = original_method  # type: ignore[method-assign]
        models.copy = original_copy
