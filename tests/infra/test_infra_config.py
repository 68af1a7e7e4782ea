"""Deployment config: cdk.json defaults parse, bad values stop synth with a message naming the key."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from infra.application import default_context
from infra.config import CONTEXT_KEYS, ConfigError, DeployConfig, TranscribeMode, parse_config

REPO = Path(__file__).resolve().parents[2]


def test_cdk_json_defaults_parse_to_the_dataclass_defaults() -> None:
    defaults = default_context()["callrecap"]
    assert parse_config(defaults) == DeployConfig()


def test_cdk_json_lists_every_context_key_except_the_test_switch() -> None:
    defaults = json.loads((REPO / "cdk.json").read_text())["context"]["callrecap"]
    assert set(defaults) == set(CONTEXT_KEYS) - {"skipLayerBuild"}


def test_deploy_doc_explains_every_context_key() -> None:
    doc = (REPO / "docs" / "deploy.md").read_text()
    missing = [key for key in CONTEXT_KEYS if f"`{key}`" not in doc]
    assert not missing


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"llmProvider": "lambda"}, "provider lambda needs context key summarizerLambdaArn"),
        ({"llmProvider": "openai"}, "provider openai needs context key openaiBaseUrl"),
        ({"bedrockRegion": "mars-east-1"}, "bedrockRegion 'mars-east-1' is not a region where Bedrock"),
        ({"llmProvider": "gpt"}, "llmProvider must be one of"),
        ({"agentChannel": "ch_2"}, "agentChannel must be one of ch_0, ch_1"),
        ({"priceTable": "not json"}, "priceTable: price table is not valid JSON"),
        ({"priceTable": {"m": {"input": "cheap"}}}, "priceTable:"),
        ({"summarizerLambdaArn": "my-function"}, "is not a Lambda function ARN"),
        ({"crmHookArn": "arn:aws:sqs:us-east-1:123456789012:q"}, "crmHookArn"),
        (
            {"voiceConnectorId": "abcdefghij0123456789ab", "createVoiceConnector": True},
            "either voiceConnectorId",
        ),
        ({"voiceConnectorId": "NOT AN ID"}, "does not look like a Voice Connector id"),
        ({"transcribeMode": "call-analytics", "languageCode": "ja-JP"}, "languageCode 'ja-JP'"),
        ({"piiEntityTypes": "NAME"}, "piiEntityTypes needs piiMode"),
        ({"ingestBatchSize": 0}, "ingestBatchSize must be between"),
        ({"ingestBatchSize": "many"}, "ingestBatchSize must be an integer"),
        ({"finalSummaryDelaySeconds": 901}, "finalSummaryDelaySeconds must be between 0 and 900"),
        ({"logRetentionDays": 31}, "logRetentionDays must be one of"),
        ({"selfSignUp": "maybe"}, "selfSignUp must be true or false"),
        ({"cognitoDomainPrefix": "my-aws-login"}, "cognitoDomainPrefix"),
        ({"openaiBaseUrl": "http://example.com/v1", "openaiModel": "m", "llmProvider": "openai"}, "https://"),
        ({"sweeperIntervalMinutes": 30, "idleMinutes": 30}, "sweeperIntervalMinutes must be shorter"),
        ({"bedrockModelID": "typo"}, "unknown context keys: bedrockModelID"),
    ],
)
def test_bad_values_are_reported_with_their_key(raw: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match="invalid callrecap CDK context") as error:
        parse_config(raw)
    assert message in str(error.value)


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(ConfigError) as error:
        parse_config({"llmProvider": "lambda", "bedrockRegion": "nowhere", "ttlDays": -1})
    text = str(error.value)
    assert "summarizerLambdaArn" in text and "bedrockRegion" in text and "ttlDays" in text


def test_strings_from_the_cli_are_coerced() -> None:
    config = parse_config(
        {"createVoiceConnector": "true", "ingestBatchSize": "250", "transcribeMode": "CALL-ANALYTICS"}
    )
    assert config.create_voice_connector is True
    assert config.ingest_batch_size == 250
    assert config.transcribe_mode is TranscribeMode.CALL_ANALYTICS


def test_app_py_exits_2_with_one_line_on_a_bad_value() -> None:
    """Through the environment, as the CDK CLI passes `-c llmProvider=lambda`."""
    env = {**os.environ, "CDK_CONTEXT_JSON": json.dumps({"llmProvider": "lambda"})}
    result = subprocess.run(
        [sys.executable, "app.py"], cwd=REPO, env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 2
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("error: invalid callrecap CDK context") and "summarizerLambdaArn" in last


@pytest.mark.parametrize(
    ("context", "message"),
    [
        ({"llmprovider": "extractive"}, "llmprovider (did you mean llmProvider?)"),
        ({"voiceConnectorID": "abc"}, "voiceConnectorID (did you mean voiceConnectorId?)"),
        ({"callrecap": {"llmProvdier": "extractive"}}, "callrecap.llmProvdier (did you mean llmProvider?)"),
        ({"callrecap": {"whatever": 1}}, "callrecap.whatever (docs/deploy.md lists the keys)"),
    ],
)
def test_a_misspelled_context_key_is_refused_with_the_nearest_name(context: dict, message: str) -> None:
    from infra.config import ConfigError, load_config

    nested = context.get("callrecap", {})
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_config(lambda key: context.get(key) if key != "callrecap" else nested, context)


def test_other_tools_context_keys_are_left_alone() -> None:
    from infra.config import load_config

    context = {
        "@aws-cdk/core:newStyleStackSynthesis": True,
        "aws:cdk:enable-path-metadata": True,
        "team": "x",
    }
    assert load_config(lambda key: context.get(key), context).llm_provider.value


@pytest.mark.parametrize(("version", "said"), [("v20.20.2", "v20.20.2"), ("v22.11.0", "")])
def test_an_end_of_life_node_is_said_once_as_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, version: str, said: str
) -> None:
    """jsii prints its Node end-of-life banner as Python bytes literals; app.py silences it and
    says it in one line of text after the synth."""
    import app

    node = tmp_path / "node"
    node.write_text(f"#!/bin/sh\necho {version}\n")
    node.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv(app.NODE_EOL_SILENCER, raising=False)
    assert app.end_of_life_node() == said
    assert (os.environ.get(app.NODE_EOL_SILENCER) == "20") is bool(said)
