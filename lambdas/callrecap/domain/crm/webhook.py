"""crmTarget `webhook`: the CallSummarized detail POSTed to the team's HTTPS endpoint, signed.

Signed the way payment and code-hosting webhooks are (Stripe's "Verify webhook signatures
manually" scheme): the header `Callrecap-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of
"<t>.<raw body>" with the shared secret>`. A receiver recomputes it over the raw body, compares
in constant time, and refuses a timestamp older than its replay window (docs/crm.md gives the
snippet; `verify` below is the same check). `Idempotency-Key: <callId>#<version>` is the same on
every retry of one delivery, so a receiver can drop a repeat.

Answers: 2xx delivered; 429 or 503 with `Retry-After` (seconds or an HTTP date, RFC 9110) is
waited for within the function's time left, else the delivery is put back (EventBridge retries);
other 5xx, timeouts and connection errors are retried with backoff, then put back; any other 4xx
is the receiver refusing the summary: FAILED with its message, not retried.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

SIGNATURE_HEADER = "Callrecap-Signature"
IDEMPOTENCY_HEADER = "Idempotency-Key"
SCHEME = "v1"
REPLAY_WINDOW_SECONDS = 300
"""What a receiver should accept between the signature's timestamp and its own clock."""
MESSAGE_MAX_CHARS = 500


class CrmRejected(Exception):
    """The CRM refused the summary (a 4xx other than 429): stored FAILED with its message."""


class CrmBusy(Exception):
    """The CRM asked to come back later (or failed): the delivery is put back; `retry_after` is
    the wait it asked for, in seconds, when it said."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The Callrecap-Signature header value for `body` sent at `timestamp`."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},{SCHEME}={digest}"


def verify(secret: str, header: str, body: bytes, now: float, window: int = REPLAY_WINDOW_SECONDS) -> bool:
    """A receiver's check: the header's v1 signature matches the body and its time is recent."""
    parts = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    try:
        timestamp = int(parts.get("t", ""))
    except ValueError:
        return False
    expected = signature(secret, timestamp, body).split(f"{SCHEME}=", 1)[1]
    return abs(now - timestamp) <= window and hmac.compare_digest(expected, parts.get(SCHEME, ""))


@dataclass(frozen=True)
class WebhookRequest:
    url: str
    body: bytes
    headers: dict[str, str]


def webhook_request(
    url: str, secret: str, detail: Mapping[str, Any], event_id: str, idempotency_key: str, now: float
) -> WebhookRequest:
    """The POST: `{"type": "CallSummarized", "eventId", "detail"}` as compact JSON, signed."""
    body = json.dumps(
        {"type": "CallSummarized", "eventId": event_id, "detail": dict(detail)},
        separators=(",", ":"),
        ensure_ascii=False,
        default=str,
    ).encode("utf-8")
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "callrecap-webhook/1",
        SIGNATURE_HEADER: signature(secret, int(now), body),
        IDEMPOTENCY_HEADER: idempotency_key,
    }
    return WebhookRequest(url, body, headers)


def classify(status: int, body: str, retry_after: str | None, now: datetime | None = None) -> None:
    """Raise what an answer means (CrmRejected, CrmBusy); return for a 2xx."""
    if 200 <= status < 300:
        return
    message = f"HTTP {status}: {body.strip()[:MESSAGE_MAX_CHARS]}"
    if status in (429, 503):
        raise CrmBusy(message, retry_after_seconds(retry_after, now or datetime.now(UTC)))
    if 400 <= status < 500 and status not in (408, 409, 425):
        raise CrmRejected(message)
    raise CrmBusy(message)


def retry_after_seconds(value: str | None, now: datetime) -> float | None:
    """`Retry-After` as seconds to wait: delta-seconds or an HTTP date (RFC 9110 §10.2.3)."""
    if not value:
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())
