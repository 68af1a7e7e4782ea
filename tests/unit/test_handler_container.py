"""handlers._container.Lazy: built once on first use, injectable, forgettable."""

from __future__ import annotations

from callrecap.handlers._container import Lazy


def test_builds_on_first_get_only_then_injects_and_rebuilds() -> None:
    builds: list[int] = []

    def build() -> dict[str, int]:
        builds.append(1)
        return {"built": len(builds)}

    lazy = Lazy(build)
    assert builds == []  # nothing at construction (import time)
    first = lazy.get()
    assert lazy.get() is first and builds == [1]

    injected = {"built": 0}
    lazy.set(injected)
    assert lazy.get() is injected and builds == [1]

    lazy.set(None)  # forget: the next get builds from the environment again
    assert lazy.get() == {"built": 2}
