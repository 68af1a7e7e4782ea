"""Where the summarizer gets its prompts: the bundled prompts/, optionally overridden from S3.

With `Settings.prompt_bucket` set, every `sections.toml` / `*.j2` object directly under
`Settings.prompt_prefix` replaces the bundled file of the same name (files not in S3 keep the
bundled version), so an operator can change one template without a redeploy. The merged set is
validated (TOML, Jinja syntax, a sample render of every template) before use; an S3 error or an
invalid override falls back to the bundled prompts and is logged, so a typo in S3 never fails
customer calls. Results are cached for `ttl_seconds` per container, so S3 is read at most once
per TTL; the hash recorded on each summary says which version was used.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from callrecap.adapters.aws_clients import LazyClient
from callrecap.adapters.prompt_files import bundled_prompts_dir, read_prompt_files
from callrecap.domain.summaries.prompts import (
    SECTIONS_FILE,
    TEMPLATE_SUFFIX,
    PromptError,
    PromptSet,
    check_renders,
    prompt_set_from_files,
)
from callrecap.settings import Settings

logger = logging.getLogger(__name__)

DEFAULT_TTL_SECONDS = 300.0


class PromptSource(Protocol):
    def get(self) -> PromptSet: ...


class BundledPromptSource:
    """The prompts shipped with the code (loaded and validated once)."""

    def __init__(self, directory: Path | str | None = None) -> None:
        self._directory = bundled_prompts_dir(str(directory) if directory else "")
        self._prompts: PromptSet | None = None

    @property
    def files(self) -> dict[str, str]:
        return read_prompt_files(self._directory)

    def get(self) -> PromptSet:
        if self._prompts is None:
            self._prompts = prompt_set_from_files(self.files, source=str(self._directory))
        return self._prompts


class S3PromptSource:
    """Bundled prompts overlaid with the files under s3://bucket/prefix, cached for a TTL."""

    def __init__(
        self,
        bucket: str,
        prefix: str,
        fallback: BundledPromptSource,
        *,
        ttl_seconds: float = DEFAULT_TTL_SECONDS,
        client: Any = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.bucket = bucket
        self.prefix = prefix if not prefix or prefix.endswith("/") else prefix + "/"
        self._fallback = fallback
        self._ttl = ttl_seconds
        self._client = client
        self._clock = clock
        self._cached: PromptSet | None = None
        self._expires = 0.0

    client = LazyClient("s3")

    def get(self) -> PromptSet:
        now = self._clock()
        if self._cached is not None and now < self._expires:
            return self._cached
        self._cached = self._load()
        self._expires = now + self._ttl
        return self._cached

    def _load(self) -> PromptSet:
        location = f"s3://{self.bucket}/{self.prefix}"
        try:
            overrides = self._read_overrides()
        except Exception as error:  # noqa: BLE001 (any S3 failure: serve the bundled prompts)
            logger.warning("prompt override %s unreadable, using bundled prompts: %s", location, error)
            return self._fallback.get()
        if not overrides:
            return self._fallback.get()
        files = {**self._fallback.files, **overrides}
        try:
            prompts = prompt_set_from_files(files, source=f"{location} over bundled")
            check_renders(prompts)
        except PromptError as error:
            logger.error("prompt override %s is invalid, using bundled prompts: %s", location, error)
            return self._fallback.get()
        logger.info("using prompt override %s (%s): %s", location, prompts.prompt_hash, sorted(overrides))
        return prompts

    def _read_overrides(self) -> dict[str, str]:
        files: dict[str, str] = {}
        paginator = self.client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=self.prefix):
            for item in page.get("Contents", []):
                name = item["Key"][len(self.prefix) :]
                if "/" in name or not (name == SECTIONS_FILE or name.endswith(TEMPLATE_SUFFIX)):
                    continue
                body = self.client.get_object(Bucket=self.bucket, Key=item["Key"])["Body"].read()
                files[name] = body.decode("utf-8")
        return files


def build_prompt_source(settings: Settings) -> PromptSource:
    """S3 override when a bucket is configured, else the bundled prompts."""
    bundled = BundledPromptSource(settings.prompts_dir or None)
    if settings.prompt_bucket:
        return S3PromptSource(settings.prompt_bucket, settings.prompt_prefix, bundled)
    return bundled
