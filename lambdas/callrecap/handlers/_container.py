"""The per-container dependency cache every handler uses.

A handler's dependencies (validated settings, lazily created clients) are built on the first
invocation, not at import, and kept for the container's life. Each handler module exposes the
same two names, `dependencies()` and `set_dependencies(value)`: tests and the local stack inject
their own; `set_dependencies(None)` forgets them so the next call builds from the environment
again (a new local stack has new endpoints and resource names, like a fresh container).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class Lazy(Generic[T]):
    """A value built by `build` on first `get`, then cached until `set` replaces or clears it."""

    def __init__(self, build: Callable[[], T]) -> None:
        self._build = build
        self._value: T | None = None

    def get(self) -> T:
        if self._value is None:
            self._value = self._build()
        return self._value

    def set(self, value: T | None) -> None:
        self._value = value
