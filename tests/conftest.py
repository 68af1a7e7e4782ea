"""Shared test set-up: fake AWS credentials so nothing can reach a real account."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"

os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
os.environ["AWS_ACCESS_KEY_ID"] = "testing"
os.environ["AWS_SECRET_ACCESS_KEY"] = "testing"
os.environ["AWS_SESSION_TOKEN"] = "testing"
os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "callrecap")
os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "callrecap-tests")
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """../shared/data, read-only test data beside the project root."""
    assert SHARED_DATA.is_dir(), f"expected shared test data at {SHARED_DATA}"
    return SHARED_DATA


@pytest.fixture(autouse=True)
def _forget_negotiated_output_formats() -> None:
    """What a provider learned of a server or model lives as long as its process (a warm
    container); each test starts as a cold one."""
    from callrecap.adapters.llm.bedrock_output import CHOSEN
    from callrecap.adapters.llm.openai_formats import NEGOTIATED

    CHOSEN.forget()
    NEGOTIATED.forget()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Groups for `pytest -n --dist loadgroup` (make test): the CDK synth and the browser are
    session fixtures, so every infra test runs on one worker and every e2e test on another, and the
    tests of one integration module share that module's local stack on one worker. Unit tests
    spread freely. Stacks bind port 0, so workers never collide on ports."""
    for item in items:
        parts = item.path.relative_to(REPO_ROOT / "tests").parts
        if parts[0] in ("infra", "e2e"):
            item.add_marker(pytest.mark.xdist_group(parts[0]))
        elif parts[0] == "integration":
            item.add_marker(pytest.mark.xdist_group(item.path.stem))
