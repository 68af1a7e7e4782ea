"""Synthesize the CDK app once per test session (per variant) and share the templates.

`skipLayerBuild` packages an empty dependency layer, so tests never run pip; `make synth`
builds the real layer.
"""

from __future__ import annotations

import pytest
from infra_synth import ALT_CONTEXT, CONNECT_CONTEXT, MAIN_CONTEXT, Synthesized, synthesize


@pytest.fixture(scope="session")
def main_synth(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    return synthesize(MAIN_CONTEXT, tmp_path_factory.mktemp("cdk-main"))


@pytest.fixture(scope="session")
def alt_synth(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    return synthesize(ALT_CONTEXT, tmp_path_factory.mktemp("cdk-alt"))


@pytest.fixture(scope="session")
def connect_synth(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    return synthesize(CONNECT_CONTEXT, tmp_path_factory.mktemp("cdk-connect"))
