"""Pipeline: the ingest, lifecycle, summarizer, sweeper and CRM hook functions, the custom bus, the rules.

Rule patterns are the `contracts` functions the handlers and the local stack use. Every
asynchronous hop has bounded retries and a parked-message queue, so a poison event is kept for
an operator instead of being retried forever or dropped.
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kinesis as kinesis
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from callrecap import contracts
from callrecap.choices import CrmSendOn, CrmTarget
from callrecap.contracts import Function
from callrecap.settings import EnvVar, PiiDetection, Settings
from infra.config import DeployConfig
from infra.final_summary_queue import final_summary_queue
from infra.functions import FunctionFactory
from infra.grants import grant_key, grant_prompt_read, grant_table, grant_wrap_up
from infra.nag import acknowledge
from infra.routing import (
    ASYNC_MAX_EVENT_AGE,
    ASYNC_RETRY_ATTEMPTS,
    event_pattern,
    lambda_target,
    park_failures,
)
from infra.storage import Storage, parked_queue
from infra.summarizer_provider import grant_provider, provider_environment, providers
from infra.summarizer_vpc import place_in_vpc
from infra.wrap_up_queue import wrap_up_queue

PROMPT_PREFIX = Settings(table_name="-").prompt_prefix
"""Prompt overrides live under the handlers' default key prefix of the prompt bucket."""


class Pipeline(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: DeployConfig,
        factory: FunctionFactory,
        storage: Storage,
        stream: kinesis.IStream,
        voice_connector_id: str | None,
        connect_instance_arn: str = "",
    ) -> None:
        super().__init__(scope, construct_id)
        self._config = config
        self._factory = factory
        self._storage = storage
        self.bus = events.EventBus(self, "Bus", description="callrecap call and summary events")
        self.common_env = {
            EnvVar.TABLE_NAME: storage.table.table_name,
            EnvVar.EVENT_BUS_NAME: self.bus.event_bus_name,
            EnvVar.TTL_DAYS: str(config.ttl_days),
        }
        self.ingest, self.ingest_dlq = self._ingest(stream)
        self.lifecycle: lambda_.Function | None = None
        self.lifecycle_dlq: sqs.Queue | None = None
        if voice_connector_id is not None or connect_instance_arn:
            self.lifecycle, self.lifecycle_dlq = self._lifecycle(voice_connector_id, connect_instance_arn)
        self.summarizer, self.summarizer_dlq = self._summarizer()
        self.sweeper, self.sweeper_dlq = self._sweeper()
        self.crm_hook, self.crm_hook_dlq = self._crm_hook()
        self.wrap_up: lambda_.Function | None = None
        self.wrap_up_dlq: sqs.Queue | None = None
        if config.crm_send_on is CrmSendOn.APPROVAL_OR_TIMEOUT:
            self.wrap_up, self.wrap_up_dlq = self._wrap_up()

    def _wrap_up(self) -> tuple[lambda_.Function, sqs.Queue]:
        fn = self._factory.create(
            self,
            "WrapUp",
            Function.WRAP_UP,
            environment=self.common_env,
            description="crmSendOn approval-or-timeout: a final nobody approved in time -> the CRM",
        )
        grant_wrap_up(fn, self._storage.table, self._storage.key)
        self.bus.grant_put_events_to(fn)
        _, dlq = wrap_up_queue(self, fn, self.bus, self._config)
        return fn, dlq

    @property
    def dead_letter_queues(self) -> dict[str, sqs.Queue]:
        queues = {
            "Ingest": self.ingest_dlq,
            "Summarizer": self.summarizer_dlq,
            "FinalSummary": self.final_summary_dlq,
            "Sweeper": self.sweeper_dlq,
            "CrmHook": self.crm_hook_dlq,
        }
        if self.lifecycle_dlq is not None:
            queues["Lifecycle"] = self.lifecycle_dlq
        if self.wrap_up_dlq is not None:
            queues["WrapUp"] = self.wrap_up_dlq
        return queues

    def _grant_store(self, fn: lambda_.Function) -> None:
        grant_table(fn, self._storage.table, self._storage.key, write=True)
        self.bus.grant_put_events_to(fn)

    # ------------------------------------------------------------------ ingest (Kinesis)

    def _ingest(self, stream: kinesis.IStream) -> tuple[lambda_.Function, sqs.Queue]:
        cfg = self._config
        fn = self._factory.create(
            self,
            "Ingest",
            Function.INGEST,
            environment={
                **self.common_env,
                EnvVar.QUARANTINE_QUEUE_URL: self._storage.quarantine.queue_url,
                EnvVar.AGENT_CHANNEL: cfg.agent_channel.value,
                EnvVar.CHIME_CALL_KEY: cfg.chime_call_key,
                # redactStoredTranscript: segments stored with piiRedactBeforeModel's types as tags
                EnvVar.REDACT_STORED_TRANSCRIPT: "true" if cfg.redact_stored_transcript else "false",
                EnvVar.PII_REDACT_BEFORE_MODEL: cfg.pii_redact_before_model,
            },
            description="Kinesis transcript records -> DynamoDB segments; malformed records -> quarantine",
        )
        self._grant_store(fn)
        fn.add_to_role_policy(
            iam.PolicyStatement(actions=["sqs:SendMessage"], resources=[self._storage.quarantine.queue_arn])
        )
        grant_key(fn, self._storage.key, encrypt=True)
        dlq = parked_queue(
            self, "IngestDlq", purpose="the Kinesis event source mapping of the ingest function"
        )
        fn.add_event_source(
            sources.KinesisEventSource(
                stream,
                starting_position=lambda_.StartingPosition.TRIM_HORIZON,
                batch_size=cfg.ingest_batch_size,
                max_batching_window=cdk.Duration.seconds(cfg.ingest_batch_window_seconds),
                bisect_batch_on_error=True,
                retry_attempts=cfg.ingest_retry_attempts,
                max_record_age=cdk.Duration.seconds(cfg.ingest_max_record_age_seconds),
                parallelization_factor=cfg.ingest_parallelization_factor,
                report_batch_item_failures=True,
                on_failure=sources.SqsDlq(dlq),
            )
        )
        return fn, dlq

    # ------------------------------------------------------------------ lifecycle (aws.chime, aws.connect)

    def _lifecycle(
        self, voice_connector_id: str | None, connect_instance_arn: str
    ) -> tuple[lambda_.Function, sqs.Queue]:
        fn = self._factory.create(
            self,
            "Lifecycle",
            Function.LIFECYCLE,
            environment=self.common_env,
            description="Voice Connector streaming status -> CallStarted/CallEnded; Connect contact's agent",
        )
        self._grant_store(fn)
        dlq = parked_queue(self, "LifecycleDlq", purpose="the default-bus lifecycle rules")
        park_failures(fn, dlq)
        if voice_connector_id is not None:
            events.Rule(
                self,
                "ChimeStreamingStatusRule",
                description="Voice Connector streaming status of this stack's Voice Connector",
                event_pattern=event_pattern(contracts.chime_streaming_pattern([voice_connector_id])),
                targets=[lambda_target(fn, dlq)],
            )
        if connect_instance_arn:
            events.Rule(
                self,
                "ConnectAgentRule",
                description="Amazon Connect contact events that name a voice contact's agent",
                event_pattern=event_pattern(contracts.connect_agent_pattern([connect_instance_arn])),
                targets=[lambda_target(fn, dlq)],
            )
        return fn, dlq

    # ------------------------------------------------------------------ summarizer

    @property
    def prompt_environment(self) -> dict[EnvVar, str]:
        """Where the prompt overrides are, and the deployment's section choices: what the
        summarizer writes with and an approval is checked against."""
        cfg = self._config
        return {
            EnvVar.PROMPT_BUCKET: self._storage.prompt_bucket.bucket_name,
            EnvVar.PROMPT_PREFIX: PROMPT_PREFIX,
            EnvVar.DISPOSITIONS: cfg.dispositions,
            EnvVar.FOLLOW_UP_EMAIL: "true" if cfg.follow_up_email else "false",
        }

    def grant_prompt_overrides(self, fn: lambda_.Function, who: str) -> None:
        """Read the prompt override objects under PROMPT_PREFIX (`who`: "<Role>: the <function>")."""
        grant_prompt_read(fn, self._storage.prompt_bucket, self._storage.key, PROMPT_PREFIX)
        acknowledge(
            fn.role or fn,
            f"AwsSolutions-IAM5[Resource::<{cdk.Stack.of(self).get_logical_id(self._bucket_cfn())}.Arn>/{PROMPT_PREFIX}*]",
            f"{who} reads prompt override objects under {PROMPT_PREFIX} of the prompt bucket; their "
            "names (one per template) are chosen by whoever overrides a prompt.",
        )

    def _summarizer(self) -> tuple[lambda_.Function, sqs.Queue]:
        cfg = self._config
        env = {
            **self.common_env,
            EnvVar.LLM_PROVIDER: cfg.llm_provider.value,
            **self.prompt_environment,
            EnvVar.MAX_INPUT_TOKENS: str(cfg.max_input_tokens),
            EnvVar.SETTLE_SECONDS: str(cfg.final_summary_delay_seconds),
            EnvVar.THROTTLE_MAX_AGE_SECONDS: str(cfg.llm_throttle_max_age_seconds),
            EnvVar.PII_REDACT_BEFORE_MODEL: cfg.pii_redact_before_model,
            # redactStoredTranscript: numbers read out over several segments are tagged after the call
            EnvVar.REDACT_STORED_TRANSCRIPT: "true" if cfg.redact_stored_transcript else "false",
            EnvVar.PII_DETECTOR: cfg.pii_detector.value,
            EnvVar.SUMMARY_LANGUAGE: cfg.summary_language,
        }
        # Resolved (every link names its model, as granted below), and always set: an empty chain
        # is the deployer's choice, not the Lambda's default.
        env[EnvVar.LLM_FALLBACK] = ",".join(str(link) for link in cfg.fallback_chain()[0])
        if cfg.price_table:
            env[EnvVar.PRICE_TABLE] = cfg.price_table
        env.update(provider_environment(cfg, cdk.Stack.of(self).region))
        fn = self._factory.create(
            self,
            "Summarizer",
            Function.SUMMARIZER,
            environment=env,
            description="CallEnded / SummaryRequested -> versioned summary (LLM) -> CallSummarized",
        )
        self._grant_store(fn)
        self.grant_prompt_overrides(fn, "SummarizerRole: the summarizer")
        grant_provider(fn, cfg)
        if cfg.pii_detector is PiiDetection.COMPREHEND:
            fn.add_to_role_policy(
                iam.PolicyStatement(actions=["comprehend:DetectPiiEntities"], resources=["*"])
            )
            acknowledge(
                fn.role or fn,
                "AwsSolutions-IAM5[Resource::*]",
                "SummarizerRole: piiDetector comprehend calls Amazon Comprehend DetectPiiEntities, an "
                "action without a resource type (it acts on the text sent, not on a resource).",
            )
        if cfg.summarizer_in_vpc:
            place_in_vpc(self, fn, cfg, providers(cfg))
        dlq = parked_queue(
            self, "SummarizerDlq", purpose="the SummaryRequested rule and the summarizer's async invokes"
        )
        park_failures(fn, dlq)
        events.Rule(
            self,
            "SummarizerRule",
            description="SummaryRequested (summarize now, stale, retry) -> summarizer at once",
            event_bus=self.bus,
            event_pattern=event_pattern(contracts.summary_requested_pattern()),
            targets=[lambda_target(fn, dlq)],
        )
        self.final_summary_queue, self.final_summary_dlq = final_summary_queue(
            self, fn, self.bus, self._config
        )
        return fn, dlq

    def _bucket_cfn(self) -> s3.CfnBucket:
        child = self._storage.prompt_bucket.node.default_child
        assert isinstance(child, s3.CfnBucket)
        return child

    # ------------------------------------------------------------------ sweeper

    def _sweeper(self) -> tuple[lambda_.Function, sqs.Queue]:
        cfg = self._config
        fn = self._factory.create(
            self,
            "Sweeper",
            Function.SWEEPER,
            environment={**self.common_env, EnvVar.IDLE_MINUTES: str(cfg.idle_minutes)},
            description="Ends calls idle for longer than idleMinutes (lost ENDED events)",
        )
        self._grant_store(fn)
        dlq = parked_queue(self, "SweeperDlq", purpose="the sweeper schedule")
        park_failures(fn, dlq)
        events.Rule(
            self,
            "SweeperSchedule",
            description="Runs the sweeper periodically",
            schedule=events.Schedule.rate(cdk.Duration.minutes(cfg.sweeper_interval_minutes)),
            targets=[lambda_target(fn, dlq)],
        )
        return fn, dlq

    # ------------------------------------------------------------------ CRM hook

    def _crm_hook(self) -> tuple[lambda_.IFunction, sqs.Queue]:
        cfg = self._config
        dlq = parked_queue(self, "CrmHookDlq", purpose="the CallSummarized rule of the CRM hook")
        hook: lambda_.IFunction
        if cfg.crm_hook_arn:
            # Same account and region as the stack, so the rule can add its invoke permission.
            hook = lambda_.Function.from_function_attributes(
                self, "ConfiguredCrmHook", function_arn=cfg.crm_hook_arn, same_environment=True
            )
            # Its failures after Lambda's two async retries land in the same parked queue as the
            # rule's (alarmed; `callrecap crm-redrive` puts them back). The hook's own execution
            # role must be allowed sqs:SendMessage on it (docs/summarization.md, CRM hook contract):
            # an imported function's role cannot be changed from here.
            lambda_.CfnEventInvokeConfig(  # L1: the L2 would try to grant the imported role
                self,
                "ConfiguredCrmHookInvokeConfig",
                function_name=cfg.crm_hook_arn,
                qualifier="$LATEST",
                maximum_retry_attempts=ASYNC_RETRY_ATTEMPTS,
                maximum_event_age_in_seconds=int(ASYNC_MAX_EVENT_AGE.to_seconds()),
                destination_config=lambda_.CfnEventInvokeConfig.DestinationConfigProperty(
                    on_failure=lambda_.CfnEventInvokeConfig.OnFailureProperty(destination=dlq.queue_arn)
                ),
            )
        else:
            target_env: dict[EnvVar, str] = {EnvVar.CRM_TARGET: cfg.crm_target.value}
            if cfg.crm_target is CrmTarget.WEBHOOK:
                target_env[EnvVar.CRM_WEBHOOK_URL] = cfg.crm_webhook_url
                target_env[EnvVar.CRM_WEBHOOK_SECRET_ARN] = cfg.crm_webhook_secret_arn
            example = self._factory.create(
                self,
                "CrmHookExample",
                Function.CRM_HOOK_EXAMPLE,
                environment={
                    **self.common_env,
                    EnvVar.CRM_DELIVERY_TABLE_NAME: self._storage.table.table_name,
                    **target_env,
                },
                description=f"CRM hook ({cfg.crm_target.value}): CallSummarized delivered once, recorded",
            )
            if cfg.crm_target is CrmTarget.WEBHOOK:  # the signing secret, that one alone
                example.add_to_role_policy(
                    iam.PolicyStatement(
                        actions=["secretsmanager:GetSecretValue"], resources=[cfg.crm_webhook_secret_arn]
                    )
                )
            # The example hook records deliveries in the table; it publishes nothing on the bus.
            grant_table(example, self._storage.table, self._storage.key, write=True, batch_read=False)
            park_failures(example, dlq)
            hook = example
        pattern = contracts.crm_hook_pattern(
            send_on=cfg.crm_send_on.value, include_interim=cfg.crm_include_interim
        )
        events.Rule(
            self,
            "CrmHookRule",
            description=f"CallSummarized (crmSendOn {cfg.crm_send_on.value}) -> CRM hook",
            event_bus=self.bus,
            event_pattern=event_pattern(pattern),
            targets=[lambda_target(hook, dlq)],
        )
        return hook, dlq
