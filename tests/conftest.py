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
