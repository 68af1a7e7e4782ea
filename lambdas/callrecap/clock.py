"""ISO-8601 instants, written and read in one place: every stored or published time is UTC with a
`Z` (milliseconds unless a coarser precision is asked for), and every reader accepts `Z`, an
offset, or none (meaning UTC)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any


def iso(moment: datetime, timespec: str = "milliseconds") -> str:
    """`2026-03-02T14:05:12.345Z`; a naive `moment` is taken as UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec=timespec).replace("+00:00", "Z")


def utc_now_iso(timespec: str = "milliseconds") -> str:
    return iso(datetime.now(UTC), timespec)


def parse_iso(value: Any) -> datetime | None:
    """An ISO-8601 timestamp (`Z` or offset; naive means UTC) or None when absent or unparsable."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def seconds_since(value: Any, now: datetime | None = None) -> float:
    """Seconds from `value` to `now` (0 when `value` is unreadable or in the future)."""
    moment = parse_iso(value)
    if moment is None:
        return 0.0
    return max(0.0, ((now or datetime.now(UTC)) - moment).total_seconds())
