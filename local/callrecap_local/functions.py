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
import logging
import sys
import threading
from collections.abc import Callable
from types import ModuleType
from typing import Any

from callrecap.contracts import HANDLER_PACKAGE, Function, handler_path
from callrecap_local.lambda_events import LambdaContext

log = logging.getLogger("callrecap_local")

Handler = Callable[[Any, Any], Any]
PACKAGE = HANDLER_PACKAGE.split(".")[0]


class LocalFunction:
    def __init__(
        self,
        function: Function,
        *,
        region: str = "us-east-1",
        prefix: str = "callrecap-local",
        handler: Handler | None = None,
        lock: threading.Lock | None = None,
    ):
        """`handler` replaces the real entry point (tests use it to inject failures)."""
        self.function = function
        self.name = f"{prefix}-{function.value}"
        self.region = region
        self._lock = lock or threading.Lock()
        self._handler: Handler | None = handler
        self.invocations = 0
        self.errors = 0

    def _load(self) -> Handler:
        if self._handler is None:
            module_name, attribute = handler_path(self.function).rsplit(".", 1)
            module = importlib.import_module(module_name)
            reset_cached_dependencies(module)
            self._handler = getattr(module, attribute)
        return self._handler

    def invoke(self, event: Any) -> Any:
        """Run the handler with a fresh context; exceptions propagate like a failed invoke."""
        with self._lock:
            handler = self._load()
            self.invocations += 1
            try:
                return handler(event, LambdaContext(function_name=self.name, region=self.region))
            except Exception:
                self.errors += 1
                raise


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
