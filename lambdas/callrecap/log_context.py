"""The call a background thread works for, on every line it logs.

Powertools' `append_keys` is process-wide: a worker thread that outlives its invocation (an engine
call abandoned at the deadline, resumed when a frozen container thaws) would log under the next
invocation's `callId`. Such a thread marks its own context with `bind_thread_call`; the filter
that handlers/observability.py puts on the package logger's handler then writes that id on the
line, whatever the process-wide keys say. A leaf module: every function imports it at cold start.
"""

from __future__ import annotations

import logging
from contextvars import ContextVar

_THREAD_CALL_ID: ContextVar[str | None] = ContextVar("callrecap_thread_call_id", default=None)


def bind_thread_call(call_id: str) -> None:
    """Call at the start of a thread's work (a new thread's context starts empty)."""
    _THREAD_CALL_ID.set(call_id)


class ThreadCallIdFilter(logging.Filter):
    def __init__(self, key: str = "callId") -> None:
        super().__init__()
        self.key = key

    def filter(self, record: logging.LogRecord) -> bool:
        call_id = _THREAD_CALL_ID.get()
        if call_id is not None:
            setattr(record, self.key, call_id)
        return True
