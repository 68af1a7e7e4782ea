"""Monitoring: alarms on what loses or delays data, and one dashboard for the pipeline."""

from __future__ import annotations

from collections.abc import Mapping

import aws_cdk as cdk
from aws_cdk import aws_apigatewayv2 as apigw
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from callrecap.contracts import APPROVAL_DIMENSIONS, METRICS_NAMESPACE, ApprovalMetric

FIVE_MINUTES = cdk.Duration.minutes(5)


class Monitoring(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        key: kms.IKey,
        alarm_email: str,
        iterator_age_seconds: int,
        ingest: lambda_.IFunction,
        summarizer: lambda_.IFunction,
        functions: Mapping[str, lambda_.IFunction],
        dead_letter_queues: Mapping[str, sqs.IQueue],
        quarantine: sqs.IQueue,
        http_api: apigw.IHttpApi,
    ) -> None:
        super().__init__(scope, construct_id)
        self.topic = sns.Topic(
            self, "Alarms", display_name="callrecap alarms", master_key=key, enforce_ssl=True
        )
        # CloudWatch publishes to the encrypted topic, so it must be able to use the key.
        key.add_to_resource_policy(
            iam.PolicyStatement(
                principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
                actions=["kms:Decrypt", "kms:GenerateDataKey*"],
                resources=["*"],  # in a key policy, "*" means this key
            )
        )
        if alarm_email:
            self.topic.add_subscription(subscriptions.EmailSubscription(alarm_email))
        action = actions.SnsAction(self.topic)
        self.alarms: list[cloudwatch.Alarm] = []

        def alarm(
            alarm_id: str, metric: cloudwatch.IMetric, threshold: float, description: str, periods: int = 1
        ) -> cloudwatch.Alarm:
            created = cloudwatch.Alarm(
                self,
                alarm_id,
                metric=metric,
                threshold=threshold,
                evaluation_periods=periods,
                comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
                treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
                alarm_description=description,
            )
            created.add_alarm_action(action)
            self.alarms.append(created)
            return created

        iterator_age = ingest.metric(
            "IteratorAge", statistic=cloudwatch.Stats.MAXIMUM, period=cdk.Duration.minutes(1)
        )
        alarm(
            "IngestIteratorAge",
            iterator_age,
            iterator_age_seconds * 1000,
            "Ingest is falling behind the Kinesis stream: live transcripts are delayed.",
            periods=5,
        )
        summarizer_errors = summarizer.metric_errors(statistic=cloudwatch.Stats.SUM, period=FIVE_MINUTES)
        alarm("SummarizerErrors", summarizer_errors, 1, "The summarizer failed; summaries may be missing.")
        quarantined = quarantine.metric_number_of_messages_sent(
            statistic=cloudwatch.Stats.SUM, period=FIVE_MINUTES
        )
        alarm(
            "QuarantineGrowth",
            quarantined,
            1,
            "Malformed records were quarantined: a producer sends bad data.",
        )
        dlq_depths: list[cloudwatch.IMetric] = []
        for name, queue in dead_letter_queues.items():
            depth = queue.metric_approximate_number_of_messages_visible(
                statistic=cloudwatch.Stats.MAXIMUM, period=FIVE_MINUTES
            )
            dlq_depths.append(depth.with_(label=f"{name} DLQ"))
            alarm(
                f"{name}DlqDepth", depth, 1, f"Events parked in the {name} dead-letter queue need attention."
            )

        dashboard = cloudwatch.Dashboard(self, "Dashboard", default_interval=cdk.Duration.hours(3))
        dashboard.add_widgets(
            cloudwatch.GraphWidget(title="Ingest iterator age (ms)", left=[iterator_age], width=8),
            cloudwatch.GraphWidget(
                title="Invocations",
                left=[
                    fn.metric_invocations(label=name, period=FIVE_MINUTES) for name, fn in functions.items()
                ],
                width=8,
            ),
            cloudwatch.GraphWidget(
                title="Errors",
                left=[fn.metric_errors(label=name, period=FIVE_MINUTES) for name, fn in functions.items()],
                width=8,
            ),
        )
        dashboard.add_widgets(
            cloudwatch.GraphWidget(
                title="Summarizer duration (p90, ms)",
                left=[summarizer.metric_duration(statistic="p90", period=FIVE_MINUTES)],
                width=8,
            ),
            cloudwatch.GraphWidget(title="Dead-letter queue depth", left=dlq_depths, width=8),
            cloudwatch.GraphWidget(title="Quarantined records", left=[quarantined], width=8),
        )
        dashboard.add_widgets(
            cloudwatch.GraphWidget(
                title="API errors",
                left=[
                    http_api.metric_client_error(period=FIVE_MINUTES, label="4xx"),
                    http_api.metric_server_error(period=FIVE_MINUTES, label="5xx"),
                ],
                width=12,
            ),
            cloudwatch.GraphWidget(
                title="API latency (p90, ms)",
                left=[http_api.metric_latency(statistic="p90", period=FIVE_MINUTES)],
                width=12,
            ),
        )
        dashboard.add_widgets(
            cloudwatch.GraphWidget(
                title="Wrap-up corrections (by model and prompt version)",
                left=[approval_search(metric, "Sum") for metric in CORRECTION_COUNTS],
                width=12,
            ),
            cloudwatch.GraphWidget(
                title="Wrap-up time (median, s)",
                left=[approval_search(ApprovalMetric.WRAP_UP_SECONDS, "p50")],
                width=12,
            ),
        )
        dashboard.add_widgets(cloudwatch.AlarmStatusWidget(alarms=list(self.alarms), width=24))
        self.dashboard = dashboard


CORRECTION_COUNTS = (ApprovalMetric.APPROVED, ApprovalMetric.UNCHANGED, ApprovalMetric.DISPOSITION_CORRECTED)


def approval_search(metric: ApprovalMetric, statistic: str) -> cloudwatch.MathExpression:
    """Every series of `metric` the approvals function published, one per provider, model and
    prompt hash (SEARCH over its dimensions, Powertools' `service` among them)."""
    dimensions = ",".join(sorted((*APPROVAL_DIMENSIONS, "service")))
    search = f'{{{METRICS_NAMESPACE},{dimensions}}} MetricName="{metric.value}"'
    return cloudwatch.MathExpression(
        expression=f"SEARCH('{search}', '{statistic}', 3600)",
        using_metrics={},
        label=metric.value,
        period=cdk.Duration.hours(1),
    )
