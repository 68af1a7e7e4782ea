"""The process environment the local stack gives the handlers: AWS pointed at moto's server on
loopback, and the same settings (settings.EnvVar) the CDK stacks set on the functions."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from callrecap.settings import EnvVar
from callrecap_local.resources import LocalResources

PROFILE_VARIABLES = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE")
"""Unset while the local stack runs: its clients sign with fake keys for moto, never a profile's
(a Bedrock profile is handed to the summarizer as CALLRECAP_BEDROCK_PROFILE instead)."""


def aws_env(moto_url: str, region: str) -> dict[str, str]:
    """Every AWS client of the process (handlers' adapters included) talks to moto's server."""
    return {
        "AWS_ENDPOINT_URL": moto_url,
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
        "AWS_SESSION_TOKEN": "local",
        "AWS_DEFAULT_REGION": region,
        "AWS_REGION": region,
        "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
    }


LOCAL_THROTTLE_BACKOFF_SECONDS = 2
"""The local stack's first wait for a throttled final (contracts.THROTTLE_BACKOFF_SECONDS deployed)."""


def handler_env(resources: LocalResources, prompts_dir: Path, overrides: Mapping[str, str]) -> dict[str, str]:
    """The functions' settings for the local resources (`overrides`: the caller's CALLRECAP_*)."""
    env = {
        EnvVar.TABLE_NAME.value: resources.table_name,
        EnvVar.EVENT_BUS_NAME.value: resources.bus_name,
        EnvVar.QUARANTINE_QUEUE_URL.value: resources.quarantine_queue_url,
        EnvVar.CRM_DELIVERY_TABLE_NAME.value: resources.table_name,
        EnvVar.FINAL_SUMMARY_QUEUE_URL.value: resources.final_summary_queue_url,
        EnvVar.LLM_PROVIDER.value: "extractive",
        # A throttled final is put back after 2 s, 4 s, ... (15 s, 30 s, ... deployed).
        EnvVar.THROTTLE_BACKOFF_SECONDS.value: str(LOCAL_THROTTLE_BACKOFF_SECONDS),
        "POWERTOOLS_SERVICE_NAME": "callrecap-local",
        "POWERTOOLS_METRICS_NAMESPACE": "callrecap",
        "POWERTOOLS_LOG_LEVEL": os.environ.get("POWERTOOLS_LOG_LEVEL", "WARNING"),
    }
    if prompts_dir.is_dir():
        env[EnvVar.PROMPTS_DIR.value] = str(prompts_dir)
    env.update(overrides)
    return env


class ProcessEnvironment:
    """Sets environment variables and puts back what was there before."""

    def __init__(self) -> None:
        self._saved: dict[str, str | None] = {}

    def set(self, values: Mapping[str, str]) -> None:
        for name, value in values.items():
            if name not in self._saved:
                self._saved[name] = os.environ.get(name)
            os.environ[name] = value

    def unset(self, names: Sequence[str]) -> None:
        """Remove these variables for as long as the stack runs (restore puts them back)."""
        for name in names:
            if name not in self._saved:
                self._saved[name] = os.environ.get(name)
            os.environ.pop(name, None)

    def restore(self) -> None:
        for name, value in self._saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        self._saved.clear()
