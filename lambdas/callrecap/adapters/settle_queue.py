"""Puts a CallEnded back on the final-summary queue for another look a moment later, while its
call is still settling (domain.summary_runs; handlers/summarizer.py)."""

from __future__ import annotations

from typing import Any

from callrecap.adapters.aws_clients import LazyClient


class SqsRequeue:
    def __init__(self, queue_url: str, *, client: Any | None = None) -> None:
        self.queue_url = queue_url
        self._client = client

    client = LazyClient("sqs")

    def requeue(self, body: str, delay_seconds: int) -> None:
        self.client.send_message(QueueUrl=self.queue_url, MessageBody=body, DelaySeconds=delay_seconds)
