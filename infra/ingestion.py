"""Ingestion: the Kinesis stream, the Chime SDK side (when a Voice Connector is configured) and the
Amazon Connect association (when `connectInstanceArn` is set).

Chime SDK call analytics writes transcript records to the stream through a
MediaInsightsPipelineConfiguration; the Voice Connector's streaming settings have no
CloudFormation resource, so a custom resource calls PutVoiceConnectorStreamingConfiguration on
create/update and DeleteVoiceConnectorStreamingConfiguration on delete. Other producers (LCA
format) write to the same stream, which is why the stream exists even without a Voice Connector.

Amazon Connect writes Contact Lens real-time voice segments to the stream once the instance's
storage config associates it (AWS::Connect::InstanceStorageConfig, resource type
REAL_TIME_CONTACT_ANALYSIS_VOICE_SEGMENTS; deleting the stack removes the association). Connect
puts records with its instance's service-linked role, which needs the stream key: the key policy
lets that role (and only through Kinesis in this region) generate data keys.
"""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_chime as chime
from aws_cdk import aws_connect as connect
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kinesis as kinesis
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import custom_resources as cr
from constructs import Construct

from infra.config import DeployConfig, PiiMode, TranscribeMode
from infra.functions import log_retention
from infra.grants import grant_key
from infra.nag import acknowledge

KVS_RETENTION_HOURS = 24
"""Hours Chime keeps call audio in Kinesis Video Streams; media insights pipelines read it from there."""


class Ingestion(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, config: DeployConfig, key: kms.IKey) -> None:
        super().__init__(scope, construct_id)
        self.stream = kinesis.Stream(
            self,
            "Stream",
            stream_mode=kinesis.StreamMode.ON_DEMAND,
            encryption=kinesis.StreamEncryption.KMS,
            encryption_key=key,
            retention_period=cdk.Duration.hours(24),
        )
        acknowledge(
            self.stream,
            "AwsSolutions-KDS3",
            "Stream uses the stack's customer-managed, rotating data key (not aws/kinesis) so that access "
            "to call transcripts is granted explicitly per role and can be revoked with the key.",
        )
        self.voice_connector_id: str | None = None
        self.outbound_host_name: str | None = None
        if config.voice_connector_enabled:
            self.voice_connector_id, connector_arn = self._voice_connector(config)
            configuration = self._media_insights_configuration(config, key)
            self._streaming(config, self.voice_connector_id, connector_arn, configuration)
        if config.connect_instance_arn:
            self._connect(config.connect_instance_arn, key)

    def _connect(self, instance_arn: str, key: kms.IKey) -> None:
        """Contact Lens real-time voice segments of the instance -> this stream."""
        connect.CfnInstanceStorageConfig(
            self,
            "ConnectVoiceSegments",
            instance_arn=instance_arn,
            resource_type="REAL_TIME_CONTACT_ANALYSIS_VOICE_SEGMENTS",
            storage_type="KINESIS_STREAM",
            kinesis_stream_config=connect.CfnInstanceStorageConfig.KinesisStreamConfigProperty(
                stream_arn=self.stream.stream_arn
            ),
        )
        stack = cdk.Stack.of(self)
        key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="ConnectServiceLinkedRoleWritesTheStream",
                actions=["kms:GenerateDataKey"],
                principals=[iam.AnyPrincipal()],
                resources=["*"],
                conditions={
                    "ArnLike": {
                        "aws:PrincipalArn": (
                            f"arn:{stack.partition}:iam::{stack.account}:role/aws-service-role/"
                            "connect.amazonaws.com/AWSServiceRoleForAmazonConnect_*"
                        )
                    },
                    "StringEquals": {
                        "kms:ViaService": f"kinesis.{stack.region}.amazonaws.com",
                        "aws:PrincipalAccount": stack.account,
                    },
                },
            )
        )

    def _voice_connector(self, config: DeployConfig) -> tuple[str, str]:
        """(id, ARN) of the configured connector, or of a new one with encryption required."""
        if config.voice_connector_id:
            # Resource type voice-connector in the Service Authorization Reference (Amazon Chime).
            stack = cdk.Stack.of(self)
            arn = f"arn:{stack.partition}:chime:{stack.region}:{stack.account}:vc/{config.voice_connector_id}"
            return config.voice_connector_id, arn
        connector = chime.CfnVoiceConnector(
            self,
            "VoiceConnector",
            name=f"{config.stack_name}-voice-connector",
            require_encryption=True,
        )
        self.outbound_host_name = connector.attr_outbound_host_name
        return connector.attr_voice_connector_id, connector.attr_voice_connector_arn

    def _media_insights_configuration(
        self, config: DeployConfig, key: kms.IKey
    ) -> chime.CfnMediaInsightsPipelineConfiguration:
        stack = cdk.Stack.of(self)
        role = iam.Role(
            self,
            "MediaPipelineRole",
            description="Chime SDK media insights pipeline: read call audio, transcribe, write to Kinesis",
            assumed_by=iam.ServicePrincipal(
                "mediapipelines.chime.amazonaws.com",
                conditions={
                    "StringEquals": {"aws:SourceAccount": stack.account},
                    "ArnLike": {"aws:SourceArn": f"arn:{stack.partition}:chime:*:{stack.account}:*"},
                },
            ),
        )
        role.add_to_policy(
            iam.PolicyStatement(
                actions=["kinesis:PutRecord", "kinesis:PutRecords", "kinesis:DescribeStream"],
                resources=[self.stream.stream_arn],
            )
        )
        grant_key(role, key, encrypt=True)
        role.add_to_policy(
            iam.PolicyStatement(
                actions=[
                    "transcribe:StartStreamTranscription",
                    "transcribe:StartCallAnalyticsStreamTranscription",
                ],
                resources=["*"],
            )
        )
        kvs_streams = f"arn:{stack.partition}:kinesisvideo:{stack.region}:{stack.account}:stream/*"
        role.add_to_policy(
            iam.PolicyStatement(
                actions=["kinesisvideo:GetDataEndpoint", "kinesisvideo:GetMedia"],
                resources=[
                    f"arn:{stack.partition}:kinesisvideo:{stack.region}:{stack.account}:stream/Chime*"
                ],
            )
        )
        role.add_to_policy(
            iam.PolicyStatement(
                actions=["kinesisvideo:GetDataEndpoint", "kinesisvideo:GetMedia"],
                resources=[kvs_streams],
                conditions={"StringLike": {"aws:ResourceTag/AWSServiceName": "ChimeSDK"}},
            )
        )
        role.add_to_policy(
            iam.PolicyStatement(
                actions=["kms:Decrypt"],
                resources=[f"arn:{stack.partition}:kms:{stack.region}:{stack.account}:key/*"],
                conditions={"StringLike": {"aws:ResourceTag/AWSServiceName": "ChimeSDK"}},
            )
        )
        account = "<AWS::AccountId>"
        region = "<AWS::Region>"
        reasons = {
            "Resource::*": "Transcribe streaming actions have no resource type, so Resource must be *.",
            f"Resource::arn:<AWS::Partition>:kinesisvideo:{region}:{account}:stream/Chime*": (
                "Chime creates one Kinesis Video stream per call, named Chime...; "
                "the names are unknown in advance."
            ),
            f"Resource::arn:<AWS::Partition>:kinesisvideo:{region}:{account}:stream/*": (
                "Per-call Kinesis Video streams not named Chime... are matched only with the "
                "aws:ResourceTag/AWSServiceName=ChimeSDK condition."
            ),
            f"Resource::arn:<AWS::Partition>:kms:{region}:{account}:key/*": (
                "Chime encrypts call audio with keys it tags AWSServiceName=ChimeSDK; the statement is "
                "limited to keys carrying that tag."
            ),
        }
        for finding, reason in reasons.items():
            acknowledge(role, f"AwsSolutions-IAM5[{finding}]", f"MediaPipelineRole: {reason}")

        elements: list[Any] = [self._processor(config)]
        elements.append(
            chime.CfnMediaInsightsPipelineConfiguration.MediaInsightsPipelineConfigurationElementProperty(
                type="KinesisDataStreamSink",
                kinesis_data_stream_sink_configuration=(
                    chime.CfnMediaInsightsPipelineConfiguration.KinesisDataStreamSinkConfigurationProperty(
                        insights_target=self.stream.stream_arn
                    )
                ),
            )
        )
        configuration = chime.CfnMediaInsightsPipelineConfiguration(
            self,
            "MediaInsightsConfiguration",
            media_insights_pipeline_configuration_name=f"{config.stack_name}-call-analytics",
            resource_access_role_arn=role.role_arn,
            elements=elements,
        )
        return configuration

    def _processor(self, config: DeployConfig) -> Any:
        cfg = chime.CfnMediaInsightsPipelineConfiguration
        # Both processors take the same transcription settings under different property types.
        settings: dict[str, Any] = {
            "language_code": config.language_code,
            "content_identification_type": "PII" if config.pii_mode is PiiMode.IDENTIFY else None,
            "content_redaction_type": "PII" if config.pii_mode is PiiMode.REDACT else None,
            "pii_entity_types": config.pii_entity_types or None,
            "vocabulary_name": config.custom_vocabulary_name or None,
            "enable_partial_results_stabilization": True,
            "partial_results_stability": "high",
        }
        if config.transcribe_mode is TranscribeMode.CALL_ANALYTICS:
            return cfg.MediaInsightsPipelineConfigurationElementProperty(
                type="AmazonTranscribeCallAnalyticsProcessor",
                amazon_transcribe_call_analytics_processor_configuration=(
                    cfg.AmazonTranscribeCallAnalyticsProcessorConfigurationProperty(**settings)
                ),
            )
        return cfg.MediaInsightsPipelineConfigurationElementProperty(
            type="AmazonTranscribeProcessor",
            amazon_transcribe_processor_configuration=cfg.AmazonTranscribeProcessorConfigurationProperty(
                **settings
            ),
        )

    def _streaming(
        self,
        config: DeployConfig,
        voice_connector_id: str,
        connector_arn: str,
        configuration: chime.CfnMediaInsightsPipelineConfiguration,
    ) -> None:
        stack = cdk.Stack.of(self)
        configuration_arn = configuration.attr_media_insights_pipeline_configuration_arn
        put_call = cr.AwsSdkCall(
            service="ChimeSDKVoice",
            action="PutVoiceConnectorStreamingConfiguration",
            parameters={
                "VoiceConnectorId": voice_connector_id,
                "StreamingConfiguration": {
                    "DataRetentionInHours": KVS_RETENTION_HOURS,
                    "Disabled": False,
                    "StreamingNotificationTargets": [{"NotificationTarget": "EventBridge"}],
                    "MediaInsightsConfiguration": {
                        "Disabled": False,
                        "ConfigurationArn": configuration_arn,
                    },
                },
            },
            physical_resource_id=cr.PhysicalResourceId.of(f"streaming-{voice_connector_id}"),
        )
        streaming = cr.AwsCustomResource(
            self,
            "VoiceConnectorStreaming",
            on_create=put_call,
            on_update=put_call,
            on_delete=cr.AwsSdkCall(
                service="ChimeSDKVoice",
                action="DeleteVoiceConnectorStreamingConfiguration",
                parameters={"VoiceConnectorId": voice_connector_id},
            ),
            install_latest_aws_sdk=False,
            log_group=logs.LogGroup(
                self,
                "VoiceConnectorStreamingLogs",
                retention=log_retention(config.log_retention_days),
                removal_policy=cdk.RemovalPolicy.DESTROY,
            ),
            policy=cr.AwsCustomResourcePolicy.from_statements(
                [
                    # Service Authorization Reference (Amazon Chime): Put is authorized on the
                    # voice-connector AND on the media-insights-pipeline-configuration it names;
                    # Delete on the voice-connector only.
                    iam.PolicyStatement(
                        actions=["chime:PutVoiceConnectorStreamingConfiguration"],
                        resources=[connector_arn, configuration_arn],
                    ),
                    iam.PolicyStatement(
                        actions=["chime:DeleteVoiceConnectorStreamingConfiguration"],
                        resources=[connector_arn],
                    ),
                    iam.PolicyStatement(
                        actions=["chime:GetMediaInsightsPipelineConfiguration"],
                        resources=[configuration_arn],
                    ),
                    iam.PolicyStatement(
                        actions=["iam:CreateServiceLinkedRole"],
                        resources=[
                            f"arn:{stack.partition}:iam::{stack.account}:role/aws-service-role/"
                            "voiceconnector.chime.amazonaws.com/*"
                        ],
                        conditions={
                            "StringEquals": {"iam:AWSServiceName": "voiceconnector.chime.amazonaws.com"}
                        },
                    ),
                ]
            ),
        )
        acknowledge(
            streaming,
            "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:iam::<AWS::AccountId>:role/aws-service-role/"
            "voiceconnector.chime.amazonaws.com/*]",
            "VoiceConnectorStreaming: the only wildcard is the Chime Voice Connector service-linked role "
            "path, whose suffix AWS chooses; it is further limited by the iam:AWSServiceName condition.",
        )
