"""Every boto3 client the adapters use, each with its one retry policy.

Retries are botocore's own (`standard` mode: throttling codes, 429, 5xx, connection errors and
modeled retryable errors, with jittered exponential backoff and a client-side retry quota),
configured here per service instead of hand-written loops around calls that botocore already
retries. What botocore cannot do stays in the adapter that needs it: the per-item triage of
cancelled DynamoDB transactions and BatchGetItem's unprocessed keys (adapters/dynamo), and the
retries of the urllib-based OpenAI provider.

Clients are created on first use (never at import): boto3 costs ~100 ms of cold start.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any


@dataclass(frozen=True)
class ClientPolicy:
    """Attempts in total (first try included) and timeouts for one service's client."""

    total_max_attempts: int
    read_timeout: float = 10.0
    connect_timeout: float = 5.0


RETRY_POLICIES: Mapping[str, ClientPolicy] = {
    # Segment writes, lifecycle updates and reads: a throttled write is retried, not dropped.
    "dynamodb": ClientPolicy(total_max_attempts=6),
    "events": ClientPolicy(total_max_attempts=4),
    "sqs": ClientPolicy(total_max_attempts=4),
    "s3": ClientPolicy(total_max_attempts=3),
    "secretsmanager": ClientPolicy(total_max_attempts=3),
    # Model calls are long and costly: a few retries of throttling/5xx, each one waiting long.
    "bedrock-runtime": ClientPolicy(total_max_attempts=4, read_timeout=120.0, connect_timeout=10.0),
    # A summarizer Lambda of the operator's own, invoked synchronously (up to its 15-minute maximum).
    "lambda": ClientPolicy(total_max_attempts=3, read_timeout=900.0, connect_timeout=10.0),
    # Live tickets: signed when a page opens a call, verified on its WebSocket's $connect.
    "kms": ClientPolicy(total_max_attempts=3, read_timeout=3.0, connect_timeout=2.0),
    # The optional PII detector beside the rules (adapters.comprehend_pii).
    "comprehend": ClientPolicy(total_max_attempts=3, read_timeout=10.0, connect_timeout=3.0),
    # Pushes to watching pages: late is useless (the page reconciles), so short and one retry.
    "apigatewaymanagementapi": ClientPolicy(total_max_attempts=2, read_timeout=2.0, connect_timeout=1.0),
}


def client_config(service: str, policy: ClientPolicy | None = None) -> Any:
    """The botocore Config for `service` (its retry policy and timeouts, or `policy`'s)."""
    from botocore.config import Config

    policy = policy or RETRY_POLICIES[service]
    return Config(
        retries={"mode": "standard", "total_max_attempts": policy.total_max_attempts},
        read_timeout=policy.read_timeout,
        connect_timeout=policy.connect_timeout,
    )


def new_client(service: str, *, region: str | None = None, endpoint_url: str | None = None) -> Any:
    """A boto3 client for `service` with its retry policy (region and endpoint from the environment
    unless given: API Gateway's management API is reached at its stage's own URL)."""
    import boto3

    return boto3.client(
        service, region_name=region or None, endpoint_url=endpoint_url or None, config=client_config(service)
    )


class LazyClient:
    """A class attribute standing for the adapter's boto3 client: `client = LazyClient("sqs")`.

    The client given to the constructor (stored as `_client`; tests pass a Stubber's or a moto
    server's) is used as is; otherwise one is created with `new_client` on first use, at the
    endpoint named by the instance attribute `endpoint_attr` when there is one.
    """

    def __init__(self, service: str, *, endpoint_attr: str = "") -> None:
        self.service = service
        self.endpoint_attr = endpoint_attr

    def __get__(self, adapter: Any, owner: type | None = None) -> Any:
        if adapter is None:
            return self
        if getattr(adapter, "_client", None) is None:
            endpoint = getattr(adapter, self.endpoint_attr) if self.endpoint_attr else None
            adapter._client = new_client(self.service, endpoint_url=endpoint)
        return adapter._client


def within_budget(policy: ClientPolicy, left: float | None) -> ClientPolicy:
    """`policy` shrunk to fit `left` seconds (domain.run_budget): each attempt's read timeout at
    most the time left, and only as many attempts as such timeouts fit (at least one). Read
    timeouts are floored to whole seconds, then to tens above ten, so a container builds few clients."""
    if left is None or left >= policy.total_max_attempts * policy.read_timeout:
        return policy
    read = max(1.0, min(policy.read_timeout, left))
    read = float(int(read) // 10 * 10) if read >= 10 else float(int(read))
    attempts = max(1, min(policy.total_max_attempts, int(left // read)))
    return ClientPolicy(attempts, read_timeout=read, connect_timeout=min(policy.connect_timeout, read))


def budgeted_client(service: str, *, region: str | None = None, profile: str = "") -> Any:
    """A client for a model call inside a summary run: its retry policy fitted to the run's time
    left (domain.run_budget), so no attempt is still waiting when the run must store its result.
    Cached per fitted policy; the service's own policy outside any run. `profile`: a named AWS
    profile signs the calls instead of the process's credentials (CALLRECAP_BEDROCK_PROFILE)."""
    from callrecap.domain.summaries import run_budget

    policy = within_budget(RETRY_POLICIES[service], run_budget.remaining())
    return _fitted_client(service, region or "", profile, policy)


@lru_cache(maxsize=64)
def _fitted_client(service: str, region: str, profile: str, policy: ClientPolicy) -> Any:
    import boto3

    # An explicit profile takes its credentials from the profile, not the environment's keys.
    session = boto3.Session(profile_name=profile) if profile else boto3
    return session.client(service, region_name=region or None, config=client_config(service, policy))


def error_code(error: BaseException) -> str:
    """The AWS error code of a botocore ClientError ("" for anything else), without importing botocore."""
    response = getattr(error, "response", None)
    if isinstance(response, Mapping):
        return str(response.get("Error", {}).get("Code", ""))
    return ""


def http_status(error: BaseException) -> int:
    """The HTTP status of a botocore ClientError (0 for anything else)."""
    response = getattr(error, "response", None)
    if isinstance(response, Mapping):
        return int(response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)
    return 0


def describe(error: BaseException) -> str:
    """One line naming the AWS error code and status, or the exception type."""
    code = error_code(error)
    if code:
        return f"{code} (HTTP {http_status(error)}): {error}"
    return f"{type(error).__name__}: {error}"


def is_transient(error: BaseException, codes: frozenset[str] = frozenset()) -> bool:
    """Whether the same request may succeed later: listed codes, 429, 5xx, connection and timeout
    errors. Used to mark a FAILED summary retryable after botocore has spent its attempts."""
    status = http_status(error)
    if error_code(error) in codes or status >= 500 or status == 429:
        return True
    from botocore.exceptions import ConnectionError as BotoConnectionError
    from botocore.exceptions import ReadTimeoutError

    return isinstance(error, BotoConnectionError | ReadTimeoutError)
