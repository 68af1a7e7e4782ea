"""Chime SDK ingestion (media insights, Voice Connector streaming) and the alarms/dashboard."""

from __future__ import annotations

import json

from infra_helpers import actions_of, function_id, resources, role_statements
from infra_synth import VOICE_CONNECTOR_ID, Synthesized

from callrecap.contracts import Function
from infra.config import DeployConfig


def test_stream_is_on_demand(main_synth: Synthesized) -> None:
    (stream,) = resources(main_synth.raw, "AWS::Kinesis::Stream").values()
    assert stream["Properties"]["StreamModeDetails"] == {"StreamMode": "ON_DEMAND"}


def test_call_analytics_processor_with_redaction_and_vocabulary_writes_to_the_stream(
    main_synth: Synthesized,
) -> None:
    raw = main_synth.raw
    (stream,) = resources(raw, "AWS::Kinesis::Stream")
    (configuration,) = resources(raw, "AWS::Chime::MediaInsightsPipelineConfiguration").values()
    processor, sink = configuration["Properties"]["Elements"]
    assert processor["Type"] == "AmazonTranscribeCallAnalyticsProcessor"
    settings = processor["AmazonTranscribeCallAnalyticsProcessorConfiguration"]
    assert settings["LanguageCode"] == "en-US"
    assert settings["ContentRedactionType"] == "PII"
    assert settings["VocabularyName"] == "contact-center-terms"
    assert sink == {
        "Type": "KinesisDataStreamSink",
        "KinesisDataStreamSinkConfiguration": {"InsightsTarget": {"Fn::GetAtt": [stream, "Arn"]}},
    }


def test_transcribe_processor_with_identification(alt_synth: Synthesized) -> None:
    (configuration,) = resources(alt_synth.raw, "AWS::Chime::MediaInsightsPipelineConfiguration").values()
    processor = configuration["Properties"]["Elements"][0]
    assert processor["Type"] == "AmazonTranscribeProcessor"
    assert processor["AmazonTranscribeProcessorConfiguration"]["ContentIdentificationType"] == "PII"


def test_media_pipeline_role_is_for_chime_in_this_account_and_writes_only_the_stream(
    main_synth: Synthesized,
) -> None:
    raw = main_synth.raw
    (stream,) = resources(raw, "AWS::Kinesis::Stream")
    (configuration,) = resources(raw, "AWS::Chime::MediaInsightsPipelineConfiguration").values()
    role_id = configuration["Properties"]["ResourceAccessRoleArn"]["Fn::GetAtt"][0]
    trust = raw["Resources"][role_id]["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]
    assert trust["Principal"] == {"Service": "mediapipelines.chime.amazonaws.com"}
    assert trust["Condition"]["StringEquals"] == {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}
    puts = [s for s in role_statements(raw, role_id) if "kinesis:PutRecord" in s["Action"]]
    assert [s["Resource"] for s in puts] == [{"Fn::GetAtt": [stream, "Arn"]}]


def test_voice_connector_streaming_is_turned_on_and_undone_on_delete(main_synth: Synthesized) -> None:
    (custom,) = resources(main_synth.raw, "Custom::AWS").values()
    create = str(custom["Properties"]["Create"])
    delete = str(custom["Properties"]["Delete"])
    for text in (create, delete):
        assert VOICE_CONNECTOR_ID in text
    assert "PutVoiceConnectorStreamingConfiguration" in create
    assert '"NotificationTarget":"EventBridge"' in create
    assert "MediaInsightsConfiguration" in create
    assert "DeleteVoiceConnectorStreamingConfiguration" in delete
    assert custom["Properties"]["InstallLatestAwsSdk"] is False


def test_voice_connector_is_created_when_asked(alt_synth: Synthesized) -> None:
    (connector_id, connector) = next(iter(resources(alt_synth.raw, "AWS::Chime::VoiceConnector").items()))
    assert connector["Properties"]["RequireEncryption"] is True
    (custom,) = resources(alt_synth.raw, "Custom::AWS").values()
    assert connector_id in str(custom["Properties"]["Create"])
    rules = [
        r["Properties"].get("EventPattern", {})
        for r in resources(alt_synth.raw, "AWS::Events::Rule").values()
    ]
    expected = [{"Fn::GetAtt": [connector_id, "VoiceConnectorId"]}]
    assert any(p.get("detail", {}).get("voiceConnectorId") == expected for p in rules)
    policy = next(
        v
        for k, v in resources(alt_synth.raw, "AWS::IAM::Policy").items()
        if k.startswith("IngestionVoiceConnectorStreaming")
    )
    (put,) = [
        s
        for s in policy["Properties"]["PolicyDocument"]["Statement"]
        if "chime:PutVoiceConnectorStreamingConfiguration" in s["Action"]
    ]
    (configuration,) = resources(alt_synth.raw, "AWS::Chime::MediaInsightsPipelineConfiguration")
    assert _unordered(put["Resource"]) == _unordered(
        [
            {"Fn::GetAtt": [connector_id, "VoiceConnectorArn"]},
            {"Fn::GetAtt": [configuration, "MediaInsightsPipelineConfigurationArn"]},
        ]
    )


def test_streaming_policy_names_the_existing_connector_in_the_voice_connector_arn_format(
    main_synth: Synthesized,
) -> None:
    """Service Authorization Reference, Amazon Chime: voice-connector is
    arn:${Partition}:chime:${Region}:${Account}:vc/${VoiceConnectorId}; Put is also authorized on
    the media-insights-pipeline-configuration it names, Delete on the connector only."""
    raw = main_synth.raw
    (configuration,) = resources(raw, "AWS::Chime::MediaInsightsPipelineConfiguration")
    policy = next(
        v
        for k, v in resources(raw, "AWS::IAM::Policy").items()
        if k.startswith("IngestionVoiceConnectorStreaming")
    )
    by_action = {
        action: s["Resource"]
        for s in policy["Properties"]["PolicyDocument"]["Statement"]
        for action in actions_of(s)
    }
    connector_arn = {
        "Fn::Join": [
            "",
            [
                "arn:",
                {"Ref": "AWS::Partition"},
                ":chime:",
                {"Ref": "AWS::Region"},
                ":",
                {"Ref": "AWS::AccountId"},
                f":vc/{VOICE_CONNECTOR_ID}",
            ],
        ]
    }
    configuration_arn = {"Fn::GetAtt": [configuration, "MediaInsightsPipelineConfigurationArn"]}
    assert _unordered(by_action["chime:PutVoiceConnectorStreamingConfiguration"]) == _unordered(
        [connector_arn, configuration_arn]
    )
    assert by_action["chime:DeleteVoiceConnectorStreamingConfiguration"] == connector_arn


def _unordered(resources: list) -> list[str]:
    return sorted(json.dumps(r, sort_keys=True) for r in resources)


def _alarm_metrics(raw: dict) -> dict[str, dict]:
    return {k: v["Properties"] for k, v in resources(raw, "AWS::CloudWatch::Alarm").items()}


def test_alarms_cover_iterator_age_dlqs_summarizer_errors_and_quarantine(main_synth: Synthesized) -> None:
    raw = main_synth.raw
    alarms = list(_alarm_metrics(raw).values())
    (topic,) = resources(raw, "AWS::SNS::Topic")
    assert all(a["AlarmActions"] == [{"Ref": topic}] for a in alarms)

    def alarms_on(metric: str, dimension_ref: str) -> list[dict]:
        return [
            a
            for a in alarms
            if a["MetricName"] == metric
            and any(d["Value"] == {"Ref": dimension_ref} for d in a["Dimensions"])
        ]

    (iterator,) = alarms_on("IteratorAge", function_id(raw, Function.INGEST))
    assert iterator["Threshold"] == DeployConfig().iterator_age_alarm_seconds * 1000
    assert alarms_on("Errors", function_id(raw, Function.SUMMARIZER))
    queues = resources(raw, "AWS::SQS::Queue")
    dlqs = [k for k in queues if "Dlq" in k]
    assert len(dlqs) == 7  # ingest, lifecycle, summarizer, final-summary queue, sweeper, CRM hook, wrap-up
    for dlq in dlqs:
        depth = [
            a
            for a in alarms
            if a["MetricName"] == "ApproximateNumberOfMessagesVisible"
            and a["Dimensions"][0]["Value"] == {"Fn::GetAtt": [dlq, "QueueName"]}
        ]
        assert depth, dlq
    (quarantine,) = [k for k in queues if k.startswith("StorageQuarantine")]
    assert [
        a
        for a in alarms
        if a["MetricName"] == "NumberOfMessagesSent"
        and a["Dimensions"][0]["Value"] == {"Fn::GetAtt": [quarantine, "QueueName"]}
    ]


def test_a_dashboard_exists(main_synth: Synthesized) -> None:
    assert resources(main_synth.raw, "AWS::CloudWatch::Dashboard")


def test_the_dashboard_charts_the_wrap_up_corrections_per_model_and_prompt(main_synth: Synthesized) -> None:
    """The approvals function's metrics (contracts.ApprovalMetric), by a SEARCH over their dimensions."""
    from callrecap.contracts import ApprovalMetric

    ((_, dashboard),) = resources(main_synth.raw, "AWS::CloudWatch::Dashboard").items()
    body = json.dumps(dashboard["Properties"]["DashboardBody"])
    assert "Wrap-up corrections (by model and prompt version)" in body
    for metric in (ApprovalMetric.APPROVED, ApprovalMetric.UNCHANGED, ApprovalMetric.DISPOSITION_CORRECTED):
        assert metric.value in body
    assert "SEARCH(" in body and "model,promptHash,provider,service" in body
