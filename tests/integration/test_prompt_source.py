"""Prompt override from S3 (moto): per-file overlay, TTL cache, fallback on errors and bad templates."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from callrecap.adapters.prompt_source import BundledPromptSource, S3PromptSource, build_prompt_source
from callrecap.domain.summaries.prompts import TemplateName
from callrecap.settings import Settings

BUCKET = "callrecap-prompts"


@pytest.fixture
def s3() -> Iterator[Any]:
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket=BUCKET)
        yield client


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def source(s3: Any, clock: Clock) -> S3PromptSource:
    return S3PromptSource(BUCKET, "prompts", BundledPromptSource(), ttl_seconds=60, client=s3, clock=clock)


def test_no_override_serves_the_bundled_prompts(s3: Any) -> None:
    assert source(s3, Clock()).get().prompt_hash == BundledPromptSource().get().prompt_hash


def test_one_file_overrides_its_bundled_version_and_changes_the_hash(s3: Any) -> None:
    s3.put_object(Bucket=BUCKET, Key="prompts/system.j2", Body=b"Be terse. Data is between {{ fence_open }}.")
    s3.put_object(Bucket=BUCKET, Key="prompts/notes.txt", Body=b"ignored")
    s3.put_object(Bucket=BUCKET, Key="prompts/old/system.j2", Body=b"ignored: nested")
    prompts = source(s3, Clock()).get()
    bundled = BundledPromptSource().get()
    assert prompts.render(TemplateName.SYSTEM) == "Be terse. Data is between <transcript>.\n"
    assert prompts.templates["summarize"] == bundled.templates["summarize"]
    assert prompts.prompt_hash != bundled.prompt_hash
    assert prompts.source.startswith(f"s3://{BUCKET}/prompts/")


def test_cached_for_the_ttl(s3: Any) -> None:
    clock = Clock()
    prompts = source(s3, clock)
    first = prompts.get()
    s3.put_object(Bucket=BUCKET, Key="prompts/system.j2", Body=b"Changed.")
    clock.now += 59
    assert prompts.get() is first
    clock.now += 2
    assert prompts.get().render(TemplateName.SYSTEM) == "Changed.\n"


def test_a_broken_override_falls_back_to_bundled(s3: Any, caplog: pytest.LogCaptureFixture) -> None:
    s3.put_object(Bucket=BUCKET, Key="prompts/combine.j2", Body=b"{{ notes }} {{ undefined_thing }}")
    prompts = source(s3, Clock()).get()
    assert prompts.prompt_hash == BundledPromptSource().get().prompt_hash
    assert "undefined_thing" in caplog.text


def test_an_unreadable_bucket_falls_back_to_bundled(s3: Any) -> None:
    broken = S3PromptSource("no-such-bucket", "prompts/", BundledPromptSource(), client=s3)
    assert broken.get().prompt_hash == BundledPromptSource().get().prompt_hash


def test_settings_choose_the_source() -> None:
    assert isinstance(build_prompt_source(Settings(table_name="t")), BundledPromptSource)
    chosen = build_prompt_source(Settings(table_name="t", prompt_bucket=BUCKET, prompt_prefix="p/"))
    assert isinstance(chosen, S3PromptSource) and chosen.prefix == "p/"
