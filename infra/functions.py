"""One way to make a Lambda function: arm64, the configured Python runtime (newest by default),
shared code asset + dependency layer, bytecode compiled where an interpreter of that version exists.

Every function gets the same package (handlers pick their module via contracts.handler_path),
its own log group with a retention, Powertools names, and only the settings (settings.EnvVar)
its handler reads; the handlers validate them at cold start.
"""

from __future__ import annotations

from collections.abc import Mapping

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from callrecap.contracts import (
    FUNCTION_MEMORY_MB,
    FUNCTION_TIMEOUT_SECONDS,
    METRICS_NAMESPACE,
    Function,
    handler_path,
)
from callrecap.settings import EnvVar
from infra.bundling import LAMBDA_PROMPTS_DIR, code_asset, dependency_layer_code, find_bytecode_interpreter
from infra.config import DeployConfig
from infra.nag import acknowledge

RUNTIMES: dict[str, lambda_.Runtime] = {
    "3.11": lambda_.Runtime.PYTHON_3_11,
    "3.12": lambda_.Runtime.PYTHON_3_12,
    "3.13": lambda_.Runtime.PYTHON_3_13,
    "3.14": lambda_.Runtime.PYTHON_3_14,
}
"""config.PYTHON_RUNTIMES as CDK runtimes; the default (context pythonRuntime) is the newest."""
NEWEST_RUNTIME = max(RUNTIMES, key=lambda version: int(version.split(".")[1]))
ARCHITECTURE = lambda_.Architecture.ARM_64


class FunctionFactory(Construct):
    """Holds the shared asset and layer; `create` adds a function to any scope."""

    def __init__(self, scope: Construct, construct_id: str, *, config: DeployConfig) -> None:
        super().__init__(scope, construct_id)
        self._config = config
        self.runtime = RUNTIMES[config.python_runtime]
        interpreter = find_bytecode_interpreter(config.python_runtime, config.bytecode_python)
        if interpreter is None:
            cdk.Annotations.of(self).add_warning_v2(
                "callrecap:no-bytecode",
                f"no Python {config.python_runtime} interpreter found to compile bytecode: the functions "
                "ship source only and compile it at every cold start (about twice the import time). Install "
                f"python{config.python_runtime}, set -c bytecodePython=PATH, or choose the runtime of an "
                "interpreter you have with -c pythonRuntime=3.X (docs/deploy.md, 'Runtime and cold start').",
            )
        self.bytecode_interpreter = interpreter
        self._code = code_asset(interpreter)
        self.layer = lambda_.LayerVersion(
            self,
            "Dependencies",
            description="callrecap third-party runtime dependencies (lambdas/requirements.lock, arm64)",
            code=dependency_layer_code(
                self.runtime, skip_install=config.skip_layer_build, interpreter=interpreter
            ),
            compatible_runtimes=[self.runtime],
            compatible_architectures=[ARCHITECTURE],
        )

    def create(
        self,
        scope: Construct,
        construct_id: str,
        function: Function,
        *,
        environment: Mapping[EnvVar, str],
        timeout: cdk.Duration | None = None,
        description: str,
    ) -> lambda_.Function:
        log_group = logs.LogGroup(
            scope,
            f"{construct_id}Logs",
            retention=log_retention(self._config.log_retention_days),
            removal_policy=cdk.RemovalPolicy.DESTROY,
        )
        # Own role with an inline policy instead of the AWSLambdaBasicExecutionRole managed policy:
        # the function may write to its own log group and nowhere else.
        role = iam.Role(
            scope,
            f"{construct_id}Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"callrecap {function.value} function",
        )
        role.add_to_policy(
            iam.PolicyStatement(
                actions=["logs:CreateLogStream", "logs:PutLogEvents"], resources=[log_group.log_group_arn]
            )
        )
        env = {var.value: value for var, value in environment.items()}
        env.update(
            {
                EnvVar.PROMPTS_DIR.value: LAMBDA_PROMPTS_DIR,
                "POWERTOOLS_SERVICE_NAME": f"callrecap-{function.value}",
                "POWERTOOLS_METRICS_NAMESPACE": METRICS_NAMESPACE,
                "POWERTOOLS_LOG_LEVEL": "INFO",
            }
        )
        function_construct = lambda_.Function(
            scope,
            construct_id,
            runtime=self.runtime,
            architecture=ARCHITECTURE,
            handler=handler_path(function),
            code=self._code,
            layers=[self.layer],
            environment=env,
            log_group=log_group,
            role=role,
            timeout=timeout or cdk.Duration.seconds(FUNCTION_TIMEOUT_SECONDS[function]),
            memory_size=FUNCTION_MEMORY_MB[function],
            description=description,
        )
        if self._config.python_runtime != NEWEST_RUNTIME:
            acknowledge(
                function_construct,
                "AwsSolutions-L1",
                f"{construct_id}: the deployer chose Python {self._config.python_runtime} with the "
                f"pythonRuntime context key (the newest, {NEWEST_RUNTIME}, is the default), e.g. to "
                "ship bytecode compiled by an interpreter they have; docs/deploy.md.",
            )
        return function_construct


_RETENTION_BY_DAYS = {
    1: logs.RetentionDays.ONE_DAY, 3: logs.RetentionDays.THREE_DAYS, 5: logs.RetentionDays.FIVE_DAYS,
    7: logs.RetentionDays.ONE_WEEK, 14: logs.RetentionDays.TWO_WEEKS, 30: logs.RetentionDays.ONE_MONTH,
    60: logs.RetentionDays.TWO_MONTHS, 90: logs.RetentionDays.THREE_MONTHS,
    120: logs.RetentionDays.FOUR_MONTHS, 150: logs.RetentionDays.FIVE_MONTHS,
    180: logs.RetentionDays.SIX_MONTHS, 365: logs.RetentionDays.ONE_YEAR,
    400: logs.RetentionDays.THIRTEEN_MONTHS, 545: logs.RetentionDays.EIGHTEEN_MONTHS,
    731: logs.RetentionDays.TWO_YEARS, 1096: logs.RetentionDays.THREE_YEARS,
    1827: logs.RetentionDays.FIVE_YEARS, 2192: logs.RetentionDays.SIX_YEARS,
    2557: logs.RetentionDays.SEVEN_YEARS, 2922: logs.RetentionDays.EIGHT_YEARS,
    3288: logs.RetentionDays.NINE_YEARS, 3653: logs.RetentionDays.TEN_YEARS,
}  # fmt: skip


def log_retention(days: int) -> logs.RetentionDays:
    """CloudWatch Logs only accepts these day counts (config.LOG_RETENTION_CHOICES checks the same set)."""
    return _RETENTION_BY_DAYS[days]
