"""The project's Lambda functions, invoked in-process the way the Lambda service would.

Each function is loaded from `contracts.handler_path` (the string the deployed function
points at) and behaves like one warm container. Invocations are serialized through a lock: in
AWS two invocations never share a container, and in one process the handlers share module-level
state that is not thread-safe (Powertools' BatchProcessor, and Metrics, whose metric set is
shared by every Metrics instance). The local stack gives the pipeline functions one shared lock
and the api function its own, so the page stays responsive while a batch is ingested.
"""

from __future__ import annotations

import importlib
import json
import logging
import sys
import threading
import time
from collections.abc import Callable
from contextvars import ContextVar
from types import ModuleType
from typing import Any

from callrecap.contracts import (
    FUNCTION_TIMEOUT_SECONDS,
    HANDLER_PACKAGE,
    LAMBDA_ASYNC_PAYLOAD_LIMIT_BYTES,
    LAMBDA_SYNC_PAYLOAD_LIMIT_BYTES,
    Function,
    handler_path,
)
from callrecap_local.lambda_events import LambdaContext

log = logging.getLogger("callrecap_local")

Handler = Callable[[Any, Any], Any]
PACKAGE = HANDLER_PACKAGE.split(".")[0]


class FunctionTimedOut(RuntimeError):
    """The handler ran past its timeout: the invoke fails as Lambda's does ("Task timed out")."""


class PayloadTooLarge(RuntimeError):
    """An invoke Lambda refuses for its request's size (RequestTooLargeException), or a
    synchronous run whose response is over the limit (the invoke fails as a function error)."""


def payload_size(value: Any) -> int:
    """Bytes of `value` as compact UTF-8 JSON: how large Lambda sees an event or a response."""
    return len(json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str).encode())


INVOKED: ContextVar[Function | None] = ContextVar("callrecap_local_invoked_function", default=None)
"""The function whose handler runs on this thread (set by LocalFunction.invoke; the request hook
of the local stack reads it to say which function made an AWS request)."""


class LocalFunction:
    def __init__(
        self,
        function: Function,
        *,
        region: str = "us-east-1",
        prefix: str = "callrecap-local",
        handler: Handler | None = None,
        lock: threading.Lock | None = None,
        timeout_seconds: float | None = None,
    ):
        """`handler` replaces the real entry point (tests use it to inject failures);
        `timeout_seconds` the deployed timeout (contracts.FUNCTION_TIMEOUT_SECONDS) in tests."""
        self.function = function
        self.name = f"{prefix}-{function.value}"
        self.region = region
        self._lock = lock or threading.Lock()
        self._injected = handler
        self._handler: Handler | None = handler
        self.timeout_seconds = float(timeout_seconds or FUNCTION_TIMEOUT_SECONDS[function])
        self.invocations = 0
        self.errors = 0
        self.timeouts = 0
        self.busy_seconds = 0.0
        """Time spent in the handler, summed over invocations (billed duration, for benchmarks)."""

    def _load(self) -> Handler:
        if self._handler is None:
            module_name, attribute = handler_path(self.function).rsplit(".", 1)
            module = importlib.import_module(module_name)
            reset_cached_dependencies(module)
            self._handler = getattr(module, attribute)
        return self._handler

    def invoke(self, event: Any, *, asynchronous: bool = False) -> Any:
        """Run the handler with a fresh context; exceptions propagate like a failed invoke.

        Sizes as Lambda checks them: a payload over 6 MB (synchronous: the API, the event source
        mappings) or 1 MB (`asynchronous`: rule targets, schedules) is refused before the handler
        runs, and a synchronous response over 6 MB fails the invoke (PayloadTooLarge).

        The handler runs on its own thread, given `timeout_seconds`: the context's remaining time
        counts down from it, and when it passes the invoke raises FunctionTimedOut and the
        "container" is discarded (the next invoke loads the handler's dependencies afresh, a cold
        start). Python cannot stop a thread, so the late run finishes in the background and its
        result is dropped; Lambda would freeze it. Every handler is idempotent, so a late write
        is a duplicate (docs/local.md).
        """
        limit = LAMBDA_ASYNC_PAYLOAD_LIMIT_BYTES if asynchronous else LAMBDA_SYNC_PAYLOAD_LIMIT_BYTES
        size = payload_size(event)
        if size > limit:
            kind = "asynchronous" if asynchronous else "synchronous"
            raise PayloadTooLarge(
                f"{self.name}: RequestTooLargeException: a {kind} payload of {size} bytes is over "
                f"Lambda's {limit}-byte limit"
            )
        with self._lock:
            handler = self._load()
            self.invocations += 1
            context = LambdaContext(
                function_name=self.name, region=self.region, timeout_seconds=self.timeout_seconds
            )
            outcome: dict[str, Any] = {}

            def run() -> None:
                INVOKED.set(self.function)  # the invoke thread's own context
                try:
                    outcome["result"] = handler(event, context)
                except BaseException as error:  # noqa: BLE001 (re-raised on the invoking thread)
                    outcome["error"] = error

            worker = threading.Thread(target=run, name=f"{self.name}-invoke", daemon=True)
            started = time.monotonic()
            worker.start()
            worker.join(self.timeout_seconds)
            self.busy_seconds += time.monotonic() - started
            if worker.is_alive():
                self.errors += 1
                self.timeouts += 1
                self._discard_container()
                raise FunctionTimedOut(
                    f"{self.name}: Task timed out after {self.timeout_seconds:.2f} seconds"
                )
            if "error" in outcome:
                self.errors += 1
                raise outcome["error"]
            result = outcome.get("result")
            if not asynchronous and (returned := payload_size(result)) > LAMBDA_SYNC_PAYLOAD_LIMIT_BYTES:
                self.errors += 1
                raise PayloadTooLarge(
                    f"{self.name}: a response of {returned} bytes is over Lambda's "
                    f"{LAMBDA_SYNC_PAYLOAD_LIMIT_BYTES}-byte limit"
                )
            return result

    def _discard_container(self) -> None:
        self._handler = self._injected
        if self._injected is None:
            module_name = handler_path(self.function).rsplit(".", 1)[0]
            if module_name in sys.modules:
                reset_cached_dependencies(sys.modules[module_name])


def reset_cached_dependencies(module: ModuleType) -> None:
    """Forget dependency containers a handler module cached in an earlier stack (or test).

    Handlers cache their dependencies per container (handlers._container; reset with
    `set_dependencies(None)`): a new local stack has a new endpoint and new resource names, so
    like a fresh container it must build them again.
    """
    for value in list(vars(module).values()):
        defined_here = getattr(value, "__module__", "") == module.__name__
        if defined_here and callable(getattr(value, "cache_clear", None)):
            value.cache_clear()
    setter = vars(module).get("set_dependencies")
    if callable(setter):
        setter(None)  # handlers' injection point: None means "rebuild from the environment"


def reset_all_handler_caches() -> None:
    """Reset the caches of every project module already imported (called when a stack starts)."""
    for name, module in list(sys.modules.items()):
        if module is not None and (name == PACKAGE or name.startswith(PACKAGE + ".")):
            reset_cached_dependencies(module)
