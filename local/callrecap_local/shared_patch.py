"""A process-wide patch of moto shared by every user: installed by the first, removed by the last.

moto's server answers in this process, so its classes are patched for everyone; nested and
concurrent users (a benchmark around a LocalPipeline, two tests' fixtures) must share one
installation. Users must leave in the reverse order they came (an ExitStack does): two patches
of the same method restore what each found.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager


class SharedPatch:
    def __init__(self, install: Callable[[], None], uninstall: Callable[[], None]) -> None:
        self._install = install
        self._uninstall = uninstall
        self._lock = threading.Lock()
        self._users = 0

    @contextmanager
    def held(self) -> Iterator[None]:
        with self._lock:
            if self._users == 0:
                self._install()
            self._users += 1
        try:
            yield
        finally:
            with self._lock:
                self._users -= 1
                if self._users == 0:
                    self._uninstall()
