"""The Lambda functions: their names, entry points, timeouts, memory and payload limits, and the
metrics namespace they publish under."""

from __future__ import annotations

from enum import StrEnum
from typing import Final

HANDLER_PACKAGE: Final = "callrecap.handlers"


class Function(StrEnum):
    """Every Lambda function of the project; value is the handler module name."""

    INGEST = "ingest"
    LIFECYCLE = "lifecycle"
    SUMMARIZER = "summarizer"
    SWEEPER = "sweeper"
    API = "api"
    CALL_DATA = "call_data"
    APPROVALS = "approvals"
    WRAP_UP = "wrap_up"
    CRM_HOOK_EXAMPLE = "crm_hook"
    LIVE_CONNECT = "live_connect"


FUNCTION_TIMEOUT_SECONDS: Final[dict[Function, int]] = {
    Function.INGEST: 60,
    Function.LIFECYCLE: 30,
    Function.SUMMARIZER: 300,  # a final of a 3-hour call: map-reduce chunks, each an LLM call
    Function.SWEEPER: 120,
    Function.API: 30,
    Function.CALL_DATA: 30,
    Function.APPROVALS: 30,
    Function.WRAP_UP: 30,
    Function.CRM_HOOK_EXAMPLE: 30,
    Function.LIVE_CONNECT: 10,  # a WebSocket $connect: API Gateway waits for it before answering
}
"""Each function's timeout: the CDK stacks configure it and the local stack enforces it (the
context counts down from it and a run past it fails as `Task timed out after N seconds`)."""


LAMBDA_SYNC_PAYLOAD_LIMIT_BYTES: Final = 6 * 1024 * 1024
"""Lambda's limit on a synchronous invoke's request and on its response (the Invoke API page:
"For synchronous invocations, the maximum payload size is 6 MB"): API calls and the Kinesis and
SQS event source mappings, which build batches under it. The local stack enforces it."""

LAMBDA_ASYNC_PAYLOAD_LIMIT_BYTES: Final = 1024 * 1024
"""Lambda's limit on an asynchronous invoke's payload since January 2026 (the Invoke API page:
1 MB; 256 KB before): EventBridge rule targets and schedules. An event at EventBridge's own 1 MB
limit does not fit once EventBridge wraps it in its envelope; this project's bus events stay under
EVENT_ENTRY_MAX_BYTES. The local stack enforces it."""


FUNCTION_MEMORY_MB: Final[dict[Function, int]] = {
    Function.INGEST: 512,
    Function.LIFECYCLE: 512,
    Function.SUMMARIZER: 1024,  # the prompt rendering and the map-reduce of long calls
    Function.SWEEPER: 512,
    Function.API: 512,
    Function.CALL_DATA: 512,
    Function.APPROVALS: 512,
    Function.WRAP_UP: 256,
    Function.CRM_HOOK_EXAMPLE: 512,
    Function.LIVE_CONNECT: 256,
}
"""Each function's memory: the CDK stacks configure it, the capacity and cost model bills it."""


def handler_path(function: Function) -> str:
    """`module.attribute` string the Lambda runtime resolves."""
    return f"{HANDLER_PACKAGE}.{function.value}.handler"


METRICS_NAMESPACE: Final = "callrecap"


class ApprovalMetric(StrEnum):
    """What the approvals function publishes at each approval, by APPROVAL_DIMENSIONS (and the
    `service` dimension Powertools adds): the dashboard's "Wrap-up corrections" reads them."""

    APPROVED = "SummariesApproved"
    UNCHANGED = "SummariesApprovedUnchanged"
    DISPOSITION_CORRECTED = "DispositionsCorrected"
    SECTIONS_CHANGED = "SectionsCorrected"
    WRAP_UP_SECONDS = "WrapUpSeconds"


APPROVAL_DIMENSIONS: Final = ("provider", "model", "promptHash")

__all__ = [
    "APPROVAL_DIMENSIONS",
    "FUNCTION_MEMORY_MB",
    "FUNCTION_TIMEOUT_SECONDS",
    "HANDLER_PACKAGE",
    "LAMBDA_ASYNC_PAYLOAD_LIMIT_BYTES",
    "LAMBDA_SYNC_PAYLOAD_LIMIT_BYTES",
    "METRICS_NAMESPACE",
    "ApprovalMetric",
    "Function",
    "handler_path",
]
