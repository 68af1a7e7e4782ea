"""crmTarget `webhook`: the signed POST (domain/crm/webhook.py) over urllib, with its retries.

Retries inside one invocation, never past the function's time left (domain.summaries.run_budget
holds the deadline the handler set): 5xx, timeouts and connection errors up to 3 attempts with
jittered backoff; a 429/503 `Retry-After` is waited for when it fits, else the delivery is put back
(CrmBusy: the claim is given back and EventBridge retries the event, then parks it). The shared
secret is read from Secrets Manager on the first delivery of a container.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

from callrecap.adapters.http_retry import RetryPolicy
from callrecap.domain.crm.delivery import CallSummarized
from callrecap.domain.crm.webhook import CrmBusy, CrmRejected, classify, webhook_request
from callrecap.domain.summaries import run_budget

SecretSource = Callable[[], str]
ATTEMPTS = 3
REQUEST_TIMEOUT_SECONDS = 10.0


class WebhookSender:
    """A CrmSender: (summary, idempotency key) -> what the delivery record keeps."""

    def __init__(
        self,
        url: str,
        secret: str | SecretSource,
        *,
        retry: RetryPolicy | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.url = url
        self._secret = secret
        self._resolved: str | None = None
        self._retry = retry or RetryPolicy(attempts=ATTEMPTS)
        self._clock = clock

    def _secret_value(self) -> str:
        if self._resolved is None:
            self._resolved = self._secret() if callable(self._secret) else self._secret
        return self._resolved

    def __call__(self, summary: CallSummarized, key: str) -> Mapping[str, Any]:
        request = webhook_request(
            self.url, self._secret_value(), summary.detail, summary.event_id, key, self._clock()
        )
        attempts = 0
        while True:
            attempts += 1
            try:
                status = self._post(request.body, request.headers)
                return {"webhookStatus": status, "webhookAttempts": attempts}
            except CrmRejected:
                raise
            except CrmBusy as busy:
                wait = busy.retry_after if busy.retry_after is not None else self._retry.delay(attempts - 1)
                if attempts >= self._retry.attempts or not run_budget.allows(wait + REQUEST_TIMEOUT_SECONDS):
                    raise
                self._retry.sleep(wait)

    def _post(self, body: bytes, headers: dict[str, str]) -> int:
        import urllib.request

        request = urllib.request.Request(self.url, data=body, headers=headers, method="POST")  # noqa: S310 (https checked in settings)
        timeout = run_budget.capped(REQUEST_TIMEOUT_SECONDS)
        try:
            with urllib.request.urlopen(request, timeout=timeout) as reply:  # noqa: S310
                status = int(reply.status)
                text = reply.read(4096).decode("utf-8", errors="replace")
                retry_after = reply.headers.get("Retry-After")
        except urllib.error.HTTPError as error:
            status = int(error.code)
            text = error.read(4096).decode("utf-8", errors="replace")
            retry_after = error.headers.get("Retry-After") if error.headers else None
        except (urllib.error.URLError, TimeoutError, ConnectionError) as error:
            raise CrmBusy(f"{self.url}: {error}") from error
        classify(status, text, retry_after)
        return status
