"""Pipeline wiring: event source mapping, rule patterns from contracts, functions, retries and DLQs."""

from __future__ import annotations

import json
from typing import Any

from infra_helpers import actions_of, function_id, function_role_id, resources, role_statements
from infra_synth import CRM_HOOK_ARN, SUMMARIZER_ARN, VOICE_CONNECTOR_ID, Synthesized

from callrecap import contracts
from callrecap.contracts import Function, handler_path
from callrecap.settings import EnvVar
from infra.config import DeployConfig


def _rule_for(raw: dict[str, Any], target_function: Function) -> dict[str, Any]:
    fn = function_id(raw, target_function)
    rules = [
        rule["Properties"]
        for rule in resources(raw, "AWS::Events::Rule").values()
        if any(t["Arn"] == {"Fn::GetAtt": [fn, "Arn"]} for t in rule["Properties"]["Targets"])
    ]
    assert len(rules) == 1
    return rules[0]


def _dlq_arn(raw: dict[str, Any], prefix: str) -> dict[str, Any]:
    (queue,) = [k for k in resources(raw, "AWS::SQS::Queue") if k.startswith(prefix)]
    return {"Fn::GetAtt": [queue, "Arn"]}


def test_every_function_is_arm64_on_the_newest_python_with_the_layer(main_synth: Synthesized) -> None:
    functions = {
        k: v
        for k, v in resources(main_synth.raw, "AWS::Lambda::Function").items()
        if str(v["Properties"].get("Handler", "")).startswith(contracts.HANDLER_PACKAGE)
    }
    assert {v["Properties"]["Handler"] for v in functions.values()} == {handler_path(f) for f in Function}
    (layer,) = [
        k for k in resources(main_synth.raw, "AWS::Lambda::LayerVersion") if k.startswith("Functions")
    ]
    for props in (v["Properties"] for v in functions.values()):
        assert props["Architectures"] == ["arm64"]
        assert props["Runtime"] == "python3.14"
        assert props["Layers"] == [{"Ref": layer}]
        assert props["Environment"]["Variables"][EnvVar.PROMPTS_DIR.value] == "/var/task/prompts"
        assert "LogGroup" in props["LoggingConfig"]


def test_each_function_has_the_timeout_the_local_stack_enforces(main_synth: Synthesized) -> None:
    raw = main_synth.raw
    for function in Function:
        props = raw["Resources"][function_id(raw, function)]["Properties"]
        assert props["Timeout"] == contracts.FUNCTION_TIMEOUT_SECONDS[function], function


def test_function_log_groups_have_the_configured_retention(main_synth: Synthesized) -> None:
    groups = resources(main_synth.raw, "AWS::Logs::LogGroup")
    assert groups and {g["Properties"]["RetentionInDays"] for g in groups.values()} == {
        DeployConfig().log_retention_days
    }


def test_settings_reach_each_function_by_their_env_var_names(main_synth: Synthesized) -> None:
    raw = main_synth.raw
    table = {"Ref": next(iter(resources(raw, "AWS::DynamoDB::Table")))}
    for function in Function:
        env = raw["Resources"][function_id(raw, function)]["Properties"]["Environment"]["Variables"]
        assert env[EnvVar.TABLE_NAME.value] == table
    ingest_env = raw["Resources"][function_id(raw, Function.INGEST)]["Properties"]["Environment"]["Variables"]
    assert EnvVar.QUARANTINE_QUEUE_URL.value in ingest_env
    assert ingest_env[EnvVar.AGENT_CHANNEL.value] == DeployConfig().agent_channel.value == "ch_1"
    summarizer = raw["Resources"][function_id(raw, Function.SUMMARIZER)]["Properties"]["Environment"][
        "Variables"
    ]
    assert summarizer[EnvVar.LLM_PROVIDER.value] == "bedrock"
    assert summarizer[EnvVar.BEDROCK_MODEL_ID.value] == "amazon.nova-lite-v1:0"
    assert summarizer[EnvVar.BEDROCK_REGION.value] == "us-west-2"
    assert EnvVar.PROMPT_BUCKET.value in summarizer
    for function_env in (ingest_env, summarizer):  # ingest tags each segment, the summarizer across them
        assert function_env[EnvVar.REDACT_STORED_TRANSCRIPT.value] == "false"
        assert function_env[EnvVar.PII_REDACT_BEFORE_MODEL.value] == DeployConfig().pii_redact_before_model
    sweeper = raw["Resources"][function_id(raw, Function.SWEEPER)]["Properties"]["Environment"]["Variables"]
    assert sweeper[EnvVar.IDLE_MINUTES.value] == str(DeployConfig().idle_minutes)


def test_kinesis_event_source_mapping_settings(main_synth: Synthesized) -> None:
    cfg = DeployConfig()
    (stream,) = resources(main_synth.raw, "AWS::Kinesis::Stream")
    main_synth.template.has_resource_properties(
        "AWS::Lambda::EventSourceMapping",
        {
            "FunctionName": {"Ref": function_id(main_synth.raw, Function.INGEST)},
            "EventSourceArn": {"Fn::GetAtt": [stream, "Arn"]},
            "FunctionResponseTypes": ["ReportBatchItemFailures"],
            "BisectBatchOnFunctionError": True,
            "MaximumRetryAttempts": cfg.ingest_retry_attempts,
            "MaximumRecordAgeInSeconds": cfg.ingest_max_record_age_seconds,
            "BatchSize": cfg.ingest_batch_size,
            "MaximumBatchingWindowInSeconds": cfg.ingest_batch_window_seconds,
            "ParallelizationFactor": cfg.ingest_parallelization_factor,
            "StartingPosition": "TRIM_HORIZON",
            "DestinationConfig": {
                "OnFailure": {"Destination": _dlq_arn(main_synth.raw, "PipelineIngestDlq")}
            },
        },
    )


def test_lifecycle_rule_is_the_contract_pattern_for_the_voice_connector(main_synth: Synthesized) -> None:
    rule = _rule_for(main_synth.raw, Function.LIFECYCLE)
    assert rule["EventPattern"] == contracts.chime_streaming_pattern([VOICE_CONNECTOR_ID])
    assert "EventBusName" not in rule  # aws.chime events arrive on the default bus


def test_summarizer_rule_pattern_and_retries(main_synth: Synthesized) -> None:
    raw = main_synth.raw
    rule = _rule_for(raw, Function.SUMMARIZER)
    (bus,) = resources(raw, "AWS::Events::EventBus")
    # SummaryRequested straight to the function; CallEnded goes through the delay queue.
    assert rule["EventPattern"] == contracts.summary_requested_pattern()
    assert rule["EventBusName"] == {"Ref": bus}
    (target,) = rule["Targets"]
    assert target["RetryPolicy"]["MaximumRetryAttempts"] > 0
    assert target["DeadLetterConfig"] == {"Arn": _dlq_arn(raw, "PipelineSummarizerDlq")}
    main_synth.template.has_resource_properties(
        "AWS::Lambda::EventInvokeConfig",
        {
            "FunctionName": {"Ref": function_id(raw, Function.SUMMARIZER)},
            "MaximumRetryAttempts": 2,
            "DestinationConfig": {"OnFailure": {"Destination": _dlq_arn(raw, "PipelineSummarizerDlq")}},
        },
    )


def test_crm_hook_rule_targets_the_example_hook_by_default(main_synth: Synthesized) -> None:
    rule = _rule_for(main_synth.raw, Function.CRM_HOOK_EXAMPLE)
    assert rule["EventPattern"] == contracts.crm_hook_pattern(send_on="approval-or-timeout")
    (target,) = rule["Targets"]
    assert target["RetryPolicy"]["MaximumRetryAttempts"] > 0
    assert target["DeadLetterConfig"] == {"Arn": _dlq_arn(main_synth.raw, "PipelineCrmHookDlq")}


def test_crm_hook_rule_targets_a_configured_arn(alt_synth: Synthesized) -> None:
    rules = [
        r["Properties"]
        for r in resources(alt_synth.raw, "AWS::Events::Rule").values()
        if r["Properties"].get("EventPattern") == contracts.crm_hook_pattern()
    ]
    (rule,) = rules
    (target,) = rule["Targets"]
    assert target["Arn"] == CRM_HOOK_ARN
    assert "DeadLetterConfig" in target
    alt_synth.template.has_resource_properties(
        "AWS::Lambda::Permission",
        {
            "FunctionName": CRM_HOOK_ARN,
            "Principal": "events.amazonaws.com",
            "Action": "lambda:InvokeFunction",
        },
    )
    handlers = {
        v["Properties"].get("Handler") for v in resources(alt_synth.raw, "AWS::Lambda::Function").values()
    }
    assert handler_path(Function.CRM_HOOK_EXAMPLE) not in handlers


def test_sweeper_runs_on_a_schedule(main_synth: Synthesized) -> None:
    rule = _rule_for(main_synth.raw, Function.SWEEPER)
    assert rule["ScheduleExpression"] == f"rate({DeployConfig().sweeper_interval_minutes} minutes)"
    assert "DeadLetterConfig" in rule["Targets"][0]


def test_summarizer_lambda_provider_may_invoke_only_that_function(alt_synth: Synthesized) -> None:
    raw = alt_synth.raw
    fn = raw["Resources"][function_id(raw, Function.SUMMARIZER)]
    role = fn["Properties"]["Role"]["Fn::GetAtt"][0]
    invokes = [s for s in role_statements(raw, role) if s["Action"] == "lambda:InvokeFunction"]
    assert [s["Resource"] for s in invokes] == [SUMMARIZER_ARN]
    assert fn["Properties"]["Environment"]["Variables"][EnvVar.SUMMARIZER_LAMBDA_ARN.value] == SUMMARIZER_ARN


# What each handler passes to Settings.from_env(require=...) at cold start.
REQUIRED_SETTINGS = {
    Function.INGEST: (EnvVar.TABLE_NAME, EnvVar.EVENT_BUS_NAME, EnvVar.QUARANTINE_QUEUE_URL),
    Function.LIFECYCLE: (EnvVar.TABLE_NAME, EnvVar.EVENT_BUS_NAME),
    Function.SUMMARIZER: (EnvVar.TABLE_NAME, EnvVar.EVENT_BUS_NAME, EnvVar.LLM_PROVIDER),
    Function.SWEEPER: (EnvVar.TABLE_NAME, EnvVar.EVENT_BUS_NAME),
    Function.API: (EnvVar.TABLE_NAME, EnvVar.EVENT_BUS_NAME),
    Function.CRM_HOOK_EXAMPLE: (EnvVar.CRM_DELIVERY_TABLE_NAME,),
    Function.LIVE_CONNECT: (EnvVar.TABLE_NAME, EnvVar.LIVE_KEY_ID),
}
TOKEN_PLACEHOLDERS = {
    EnvVar.LIVE_URL.value: "wss://resolved-at-deploy/live",
    EnvVar.LIVE_ENDPOINT.value: "https://resolved-at-deploy/live",
}
"""Deploy-time URLs as what they resolve to (the handlers check their scheme)."""


def test_each_function_environment_passes_its_cold_start_validation(main_synth: Synthesized) -> None:
    """Tokens (table name, queue URL...) become placeholders; the validation is the handlers' own."""
    from callrecap.settings import Settings

    raw = main_synth.raw
    for function, required in REQUIRED_SETTINGS.items():
        variables = raw["Resources"][function_id(raw, function)]["Properties"]["Environment"]["Variables"]
        env = {
            k: v if isinstance(v, str) else TOKEN_PLACEHOLDERS.get(k, "resolved-at-deploy")
            for k, v in variables.items()
        }
        Settings.from_env(env, require=required)


def test_functions_behind_rules_park_failed_async_invocations(main_synth: Synthesized) -> None:
    raw = main_synth.raw
    configs = {
        c["Properties"]["FunctionName"]["Ref"]: c["Properties"]
        for c in resources(raw, "AWS::Lambda::EventInvokeConfig").values()
    }
    for function, dlq in (
        (Function.LIFECYCLE, "PipelineLifecycleDlq"),
        (Function.SUMMARIZER, "PipelineSummarizerDlq"),
        (Function.SWEEPER, "PipelineSweeperDlq"),
        (Function.CRM_HOOK_EXAMPLE, "PipelineCrmHookDlq"),
    ):
        config = configs[function_id(raw, function)]
        assert config["MaximumRetryAttempts"] == 2
        assert config["DestinationConfig"]["OnFailure"]["Destination"] == _dlq_arn(raw, dlq)


def _final_summary_queue(raw: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    (queue_id,) = [k for k in resources(raw, "AWS::SQS::Queue") if k.startswith("PipelineFinalSummaryQueue")]
    return queue_id, raw["Resources"][queue_id]["Properties"]


def test_call_ended_waits_in_an_encrypted_delay_queue_with_a_dlq(main_synth: Synthesized) -> None:
    raw = main_synth.raw
    queue_id, queue = _final_summary_queue(raw)
    # The first look at an ended call (2 s); the summarizer puts a still-settling CallEnded back
    # until finalSummaryDelaySeconds (10 s), the longest a call may settle.
    assert queue["DelaySeconds"] == contracts.FINAL_SUMMARY_FIRST_LOOK_SECONDS == 2
    assert DeployConfig().final_summary_delay_seconds == 10
    assert queue["SqsManagedSseEnabled"] is True
    assert queue["RedrivePolicy"] == {
        "deadLetterTargetArn": _dlq_arn(raw, "PipelineFinalSummaryDlq"),
        "maxReceiveCount": 5,
    }
    summarizer = raw["Resources"][function_id(raw, Function.SUMMARIZER)]["Properties"]
    assert queue["VisibilityTimeout"] >= 6 * summarizer["Timeout"]  # AWS guidance for SQS sources

    (bus,) = resources(raw, "AWS::Events::EventBus")
    queue_arn = {"Fn::GetAtt": [queue_id, "Arn"]}
    rules = [
        r["Properties"]
        for r in resources(raw, "AWS::Events::Rule").values()
        if any(t["Arn"] == queue_arn for t in r["Properties"]["Targets"])
    ]
    # CallEnded, and stale requests (late segments settle into one final), wait in the queue.
    patterns = sorted((r["EventPattern"] for r in rules), key=lambda p: json.dumps(p, sort_keys=True))
    expected = [contracts.call_ended_pattern(), contracts.stale_summary_pattern()]
    assert patterns == sorted(expected, key=lambda p: json.dumps(p, sort_keys=True))
    for rule in rules:
        assert rule["EventBusName"] == {"Ref": bus}
        (target,) = rule["Targets"]
        assert target["RetryPolicy"]["MaximumRetryAttempts"] > 0
        assert target["DeadLetterConfig"] == {"Arn": _dlq_arn(raw, "PipelineFinalSummaryDlq")}
    rule = next(r for r in rules if r["EventPattern"] == contracts.call_ended_pattern())
    # The two rules together route exactly what the summarizer handles.
    routed = set(rule["EventPattern"]["detail-type"]) | set(
        _rule_for(raw, Function.SUMMARIZER)["EventPattern"]["detail-type"]
    )
    assert routed == {contracts.BusEvent.CALL_ENDED.value, contracts.BusEvent.SUMMARY_REQUESTED.value}


def test_the_summarizer_consumes_the_delay_queue_with_partial_batch_failures(main_synth: Synthesized) -> None:
    raw = main_synth.raw
    queue_id, _ = _final_summary_queue(raw)
    (mapping,) = [
        m["Properties"]
        for m in resources(raw, "AWS::Lambda::EventSourceMapping").values()
        if m["Properties"]["EventSourceArn"] == {"Fn::GetAtt": [queue_id, "Arn"]}
    ]
    assert mapping["FunctionName"] == {"Ref": function_id(raw, Function.SUMMARIZER)}
    assert mapping["BatchSize"] == 1
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    consume = [
        s
        for s in role_statements(raw, function_role_id(raw, Function.SUMMARIZER))
        if {"Fn::GetAtt": [queue_id, "Arn"]}
        in (s["Resource"] if isinstance(s["Resource"], list) else [s["Resource"]])
    ]
    actions = {a for s in consume for a in actions_of(s)}
    assert {"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility"} <= actions
    # ... and may send to it only to put a still-settling CallEnded back.
    assert {a for a in actions if a.startswith("sqs:Send")} == {"sqs:SendMessage"}


def test_the_final_summary_delay_is_a_context_key(alt_synth: Synthesized) -> None:
    raw = alt_synth.raw
    _, queue = _final_summary_queue(raw)
    assert queue["DelaySeconds"] == 2  # the first look; the settle time is the summarizer's:
    env = raw["Resources"][function_id(raw, Function.SUMMARIZER)]["Properties"]["Environment"]["Variables"]
    assert env[EnvVar.SETTLE_SECONDS.value] == "30"


def test_a_configured_price_table_reaches_the_summarizer(
    main_synth: Synthesized, alt_synth: Synthesized
) -> None:
    """The summaries' estimatedCostUsd uses the deployment's prices (checked at synth, read at cold start)."""

    def summarizer_env(synth: Synthesized) -> dict[str, Any]:
        function = synth.raw["Resources"][function_id(synth.raw, Function.SUMMARIZER)]
        return dict(function["Properties"]["Environment"]["Variables"])

    assert EnvVar.PRICE_TABLE.value not in summarizer_env(main_synth)  # built-in defaults
    configured = json.loads(summarizer_env(alt_synth)[EnvVar.PRICE_TABLE.value])
    assert configured == {"my-model": {"input": 0.001, "output": 0.002}}


def test_the_final_summary_queue_is_drained_under_the_configured_concurrency(main_synth: Synthesized) -> None:
    from infra.config import DeployConfig, parse_config

    raw = main_synth.raw
    queue_id, _ = _final_summary_queue(raw)
    (mapping,) = [
        m["Properties"]
        for m in resources(raw, "AWS::Lambda::EventSourceMapping").values()
        if m["Properties"]["EventSourceArn"] == {"Fn::GetAtt": [queue_id, "Arn"]}
    ]
    assert DeployConfig().llm_max_concurrency == 25
    assert mapping["ScalingConfig"] == {"MaximumConcurrency": 25}
    assert parse_config({"llmMaxConcurrency": 100}).llm_max_concurrency == 100
    import pytest

    from infra.config import ConfigError

    with pytest.raises(ConfigError, match="llmMaxConcurrency"):
        parse_config({"llmMaxConcurrency": 1})


def test_a_configured_crm_hook_parks_its_failures_in_the_alarmed_queue(alt_synth: Synthesized) -> None:
    from infra_synth import CRM_HOOK_ARN

    raw = alt_synth.raw
    (config,) = [
        c
        for c in resources(raw, "AWS::Lambda::EventInvokeConfig").values()
        if c["Properties"]["FunctionName"] == CRM_HOOK_ARN
    ]
    assert config["Properties"]["MaximumRetryAttempts"] == 2
    destination = config["Properties"]["DestinationConfig"]["OnFailure"]["Destination"]
    assert destination == _dlq_arn(raw, "PipelineCrmHookDlq")
    outputs = raw["Outputs"]
    assert {"CrmHookFailureQueueUrl", "CrmHookFailureQueueArn"} <= set(outputs)
