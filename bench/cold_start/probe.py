"""Run in a fresh interpreter with the shipped artifact on its path, as Lambda starts a container:
time the init (importing the handler module) and the first invocation on one event, or, for the
baseline, a function that imports boto3, builds one client and makes one call. Reads its job as
JSON on stdin; prints one JSON line last. Imports nothing of the project before the clock starts."""

import json
import sys
import time
import uuid


class Context:
    """The attributes of the Lambda context that the handlers and Powertools read."""

    def __init__(self, name: str, timeout_s: float) -> None:
        self.function_name = name
        self.function_version = "$LATEST"
        self.memory_limit_in_mb = 256
        self.invoked_function_arn = f"arn:aws:lambda:us-east-1:123456789012:function:{name}"
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{name}"
        self.log_stream_name = f"cold/[$LATEST]{self.aws_request_id}"
        self._deadline = time.monotonic() + timeout_s

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def main() -> None:
    job = json.load(sys.stdin)
    started = time.perf_counter()
    if job["handler"] == "baseline":
        import boto3

        client = boto3.client("dynamodb")
        initialized = time.perf_counter()
        client.get_item(TableName=job["table"], Key={"pk": {"S": "CALL#none"}, "sk": {"S": "META"}})
    else:
        import importlib

        module_name, attribute = job["handler"].rsplit(".", 1)
        handler = getattr(importlib.import_module(module_name), attribute)
        initialized = time.perf_counter()
        handler(job["event"], Context(job["function"], job["timeout_s"]))
    done = time.perf_counter()
    result = {"init_ms": (initialized - started) * 1000, "first_ms": (done - initialized) * 1000}
    print("\n" + json.dumps(result), flush=True)


main()
