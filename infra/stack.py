"""The callrecap stack: one construct per concern, wired together here and nowhere else."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from constructs import Construct

from callrecap.contracts import Function
from callrecap.settings import EnvVar
from infra.api import Api
from infra.config import DeployConfig
from infra.functions import FunctionFactory
from infra.grants import grant_approvals, grant_call_data, grant_table
from infra.ingestion import Ingestion
from infra.live import LiveUpdates
from infra.monitoring import Monitoring
from infra.nag import acknowledge_cdk_helpers
from infra.pipeline import Pipeline
from infra.storage import Storage
from infra.web import Web


class CallRecapStack(cdk.Stack):
    def __init__(self, scope: Construct, construct_id: str, *, config: DeployConfig, **kwargs: Any) -> None:
        super().__init__(
            scope, construct_id, description="callrecap: contact-center call summaries", **kwargs
        )
        self.config = config
        self.storage = Storage(self, "Storage")
        self.ingestion = Ingestion(self, "Ingestion", config=config, key=self.storage.key)
        self.factory = FunctionFactory(self, "Functions", config=config)
        self.pipeline = Pipeline(
            self,
            "Pipeline",
            config=config,
            factory=self.factory,
            storage=self.storage,
            stream=self.ingestion.stream,
            voice_connector_id=self.ingestion.voice_connector_id,
            connect_instance_arn=config.connect_instance_arn,
        )
        self.web = Web(self, "Web", config=config, access_logs=self.storage.access_logs)
        self.live = LiveUpdates(
            self,
            "Live",
            config=config,
            factory=self.factory,
            table=self.storage.table,
            table_key=self.storage.key,
        )
        self.live.grant_push(self.pipeline.ingest, self.storage.table, self.storage.key)
        if self.pipeline.lifecycle is not None:
            self.live.grant_push(self.pipeline.lifecycle, self.storage.table, self.storage.key)
        viewer_env = {  # what the two API functions need to decide who sees which call
            **self.pipeline.common_env,
            EnvVar.AGENT_IDENTITY_CLAIM: config.agent_identity_claim,
            EnvVar.UNASSIGNED_CALLS_VISIBLE_TO: config.unassigned_calls_visible_to.value,
            EnvVar.SUPERVISOR_QUEUES_CLAIM: config.supervisor_queues_claim,
        }
        api_function = self.factory.create(
            self,
            "ApiFunction",
            Function.API,
            environment=viewer_env,
            description="HTTP API: calls, transcripts since a cursor, summaries, summarize now, retry",
        )
        # Reads only (the API is wired with the read-only adapters; the permissions test checks it);
        # BatchGetItem: the calls list reads the records of a keys-only index page.
        grant_table(api_function, self.storage.table, self.storage.key, write=False)
        self.pipeline.bus.grant_put_events_to(api_function)
        self.live.grant_tickets(api_function)
        call_data_function = self.factory.create(
            self,
            "CallDataFunction",
            Function.CALL_DATA,
            environment=viewer_env,
            description="HTTP API, admins: export or delete one call's data",
        )
        grant_call_data(call_data_function, self.storage.table, self.storage.key)
        approvals_function = self.factory.create(
            self,
            "ApprovalsFunction",
            Function.APPROVALS,
            environment={**viewer_env, **self.pipeline.prompt_environment},
            description="HTTP API, wrap-up: an agent's corrected summary stored as an approved version",
        )
        grant_approvals(approvals_function, self.storage.table, self.storage.key)
        self.pipeline.grant_prompt_overrides(
            approvals_function, "ApprovalsFunctionRole: the approvals function"
        )
        self.pipeline.bus.grant_put_events_to(approvals_function)
        self.api = Api(
            self,
            "Api",
            handler=api_function,
            call_data_handler=call_data_function,
            approvals_handler=approvals_function,
            user_pool=self.web.user_pool,
            client=self.web.client,
            extra_clients=[self.web.smoke_client],
            web_origin=self.web.url,
            log_retention_days=config.log_retention_days,
            throttle_rps=config.api_throttle_rps,
        )
        self.web.deploy_ui(self.api.url, self.live.url)

        functions = {
            "Ingest": self.pipeline.ingest,
            "Summarizer": self.pipeline.summarizer,
            "Sweeper": self.pipeline.sweeper,
            "Api": api_function,
            "CallData": call_data_function,
            "Approvals": approvals_function,
            "LiveConnect": self.live.connect_function,
        }
        if self.pipeline.lifecycle is not None:
            functions["Lifecycle"] = self.pipeline.lifecycle
        if self.pipeline.wrap_up is not None:
            functions["WrapUp"] = self.pipeline.wrap_up
        self.monitoring = Monitoring(
            self,
            "Monitoring",
            key=self.storage.key,
            alarm_email=config.alarm_email,
            iterator_age_seconds=config.iterator_age_alarm_seconds,
            ingest=self.pipeline.ingest,
            summarizer=self.pipeline.summarizer,
            functions=functions,
            dead_letter_queues=dict(self.pipeline.dead_letter_queues),
            quarantine=self.storage.quarantine,
            http_api=self.api.http_api,
        )
        self._outputs()
        acknowledge_cdk_helpers(self)

    def _outputs(self) -> None:
        outputs = {
            "StreamName": self.ingestion.stream.stream_name,
            "StreamArn": self.ingestion.stream.stream_arn,
            # Producers writing to the stream need kinesis:PutRecord(s) on StreamArn and
            # kms:GenerateDataKey on this key (docs/deploy.md, "Sending LCA-format events").
            "StreamKmsKeyArn": self.storage.key.key_arn,
            "EventBusName": self.pipeline.bus.event_bus_name,
            "TableName": self.storage.table.table_name,
            "PromptBucket": self.storage.prompt_bucket.bucket_name,
            "ApiUrl": self.api.url,
            "LiveUpdatesUrl": self.live.url,
            "WebUrl": self.web.url,
            # With domainName: point its DNS record (CNAME, or a Route 53 alias) at this name.
            "DistributionDomainName": self.web.distribution.distribution_domain_name,
            "UserPoolId": self.web.user_pool.user_pool_id,
            # `callrecap smoke --stack NAME` signs its test user in with this client
            "SmokeTestClientId": self.web.smoke_client.user_pool_client_id,
            "CognitoDomain": self.web.domain.base_url(),
            "DashboardName": self.monitoring.dashboard.dashboard_name,
            "CrmHookFailureQueueUrl": self.pipeline.crm_hook_dlq.queue_url,
            "CrmHookFailureQueueArn": self.pipeline.crm_hook_dlq.queue_arn,
            "AlarmTopicArn": self.monitoring.topic.topic_arn,
        }
        if self.ingestion.voice_connector_id is not None:
            outputs["VoiceConnectorId"] = self.ingestion.voice_connector_id
        outbound = getattr(self.ingestion, "outbound_host_name", None)
        if outbound is not None:  # a connector this stack created: where the SBC sends SIPREC
            outputs["VoiceConnectorOutboundHostName"] = outbound
        for name, value in outputs.items():
            cdk.CfnOutput(self, name, value=value)
