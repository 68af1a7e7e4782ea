"""Keep the CLI's stdout for its results while the handlers run in the same process.

Handlers print to stdout as they do in Lambda (Powertools Logger lines, CloudWatch EMF metric
lines). During a local run, EMF lines are dropped (there is no CloudWatch to read them) and
everything else goes to stderr.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from typing import TextIO

EMF_PREFIX = '{"_aws"'


class HandlerOutput:
    """A write-only text stream: EMF lines dropped, the rest forwarded to `target`."""

    def __init__(self, target: TextIO):
        self.target = target
        self._pending = ""

    def write(self, text: str) -> int:
        self._pending += text
        while "\n" in self._pending:
            line, self._pending = self._pending.split("\n", 1)
            if not line.startswith(EMF_PREFIX):
                self.target.write(line + "\n")
        return len(text)

    def flush(self) -> None:
        self.target.flush()

    def isatty(self) -> bool:
        return False


@contextlib.contextmanager
def handler_output_to_stderr() -> Iterator[TextIO]:
    """Yields the real stdout (for results); sys.stdout meanwhile filters into stderr."""
    real = sys.stdout
    with contextlib.redirect_stdout(HandlerOutput(sys.stderr)):
        yield real
