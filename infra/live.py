"""Live updates: the WebSocket API that pushes each stored batch of segments to the pages watching
the call (domain.live_updates; docs/ui.md, "Live updates").

- $connect is the only route: the live_connect function verifies the page's ticket (signed by the
  api function with the KMS HMAC key here) and registers the connection as a watcher of its call.
  No $disconnect: a closed page's watcher is forgotten on the first push that finds it gone, or
  when its item expires with the connection (2 hours).
- The ingest function posts to the connections through the stage's management API.
"""

from __future__ import annotations

import json

import aws_cdk as cdk
from aws_cdk import aws_apigatewayv2 as apigw
from aws_cdk import aws_apigatewayv2_integrations as integrations
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from callrecap.contracts import Function
from callrecap.settings import EnvVar
from infra.config import DeployConfig
from infra.functions import FunctionFactory, log_retention
from infra.grants import grant_table_items
from infra.nag import acknowledge

STAGE_NAME = "live"
ACCESS_LOG_FORMAT = {
    "requestId": "$context.requestId",
    "ip": "$context.identity.sourceIp",
    "requestTime": "$context.requestTime",
    "routeKey": "$context.routeKey",
    "eventType": "$context.eventType",
    "connectionId": "$context.connectionId",
    "status": "$context.status",
    "error": "$context.error.message",
}


class LiveUpdates(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: DeployConfig,
        factory: FunctionFactory,
        table: dynamodb.ITable,
        table_key: kms.IKey,
    ) -> None:
        super().__init__(scope, construct_id)
        self.ticket_key = kms.Key(
            self,
            "TicketKey",
            description="callrecap: signs and verifies live-update tickets (HMAC)",
            key_spec=kms.KeySpec.HMAC_256,
            key_usage=kms.KeyUsage.GENERATE_VERIFY_MAC,
            removal_policy=cdk.RemovalPolicy.DESTROY,
        )
        self.connect_function = factory.create(
            self,
            "ConnectFunction",
            Function.LIVE_CONNECT,
            environment={EnvVar.TABLE_NAME: table.table_name, EnvVar.LIVE_KEY_ID: self.ticket_key.key_arn},
            description="Live updates WebSocket $connect: verify the page's ticket, register the watcher",
        )
        grant_table_items(self.connect_function, table, table_key, ["dynamodb:PutItem"], encrypt=True)
        self.connect_function.add_to_role_policy(
            iam.PolicyStatement(actions=["kms:VerifyMac"], resources=[self.ticket_key.key_arn])
        )

        self.api = apigw.WebSocketApi(
            self,
            "WebSocketApi",
            description="callrecap live updates: segments pushed to the agent's page",
            connect_route_options=apigw.WebSocketRouteOptions(
                integration=integrations.WebSocketLambdaIntegration("Connect", self.connect_function)
            ),
        )
        self.stage = apigw.WebSocketStage(
            self,
            "Stage",
            web_socket_api=self.api,
            stage_name=STAGE_NAME,
            auto_deploy=True,
            # Connections per second (the page opens one per call it watches, and on reconnects).
            throttle=apigw.ThrottleSettings(
                rate_limit=config.live_connect_rps, burst_limit=2 * config.live_connect_rps
            ),
        )
        access_logs = logs.LogGroup(
            self,
            "AccessLogs",
            retention=log_retention(config.log_retention_days),
            removal_policy=cdk.RemovalPolicy.DESTROY,
        )
        cfn_stage = self.stage.node.default_child
        assert isinstance(cfn_stage, apigw.CfnStage)
        cfn_stage.access_log_settings = apigw.CfnStage.AccessLogSettingsProperty(
            destination_arn=access_logs.log_group_arn, format=json.dumps(ACCESS_LOG_FORMAT)
        )
        for route in self.api.node.find_all():
            if isinstance(route, apigw.CfnRoute):
                acknowledge(
                    route,
                    "AwsSolutions-APIG4",
                    f"{route.node.id}: the $connect route authorizes in its integration: the "
                    "live_connect function refuses any connection without a ticket the api function "
                    "signed (KMS HMAC) for a viewer the JWT-authorized HTTP API let see the call.",
                )
        self.url = self.stage.url
        """wss://<api>.execute-api.<region>.amazonaws.com/live: what pages connect to."""
        self.callback_url = self.stage.callback_url
        """https://... of the same stage: where the ingest function posts."""

    def grant_tickets(self, function: lambda_.Function) -> None:
        """The api function signs tickets and hands pages the WebSocket URL."""
        function.add_to_role_policy(
            iam.PolicyStatement(actions=["kms:GenerateMac"], resources=[self.ticket_key.key_arn])
        )
        function.add_environment(EnvVar.LIVE_URL.value, self.url)
        function.add_environment(EnvVar.LIVE_KEY_ID.value, self.ticket_key.key_arn)

    def grant_push(self, function: lambda_.Function, table: dynamodb.ITable, table_key: kms.IKey) -> None:
        """The ingest function posts to connections and forgets the watchers that are gone."""
        stack = cdk.Stack.of(self)
        api_id = stack.resolve(self.api.api_id)  # {"Ref": <logical id>}
        connections = (
            f"arn:{stack.partition}:execute-api:{stack.region}:{stack.account}:"
            f"{self.api.api_id}/{STAGE_NAME}/POST/@connections/*"
        )
        function.add_to_role_policy(
            iam.PolicyStatement(actions=["execute-api:ManageConnections"], resources=[connections])
        )
        finding = (
            "Resource::arn:<AWS::Partition>:execute-api:<AWS::Region>:<AWS::AccountId>:"
            f"<{api_id['Ref']}>/{STAGE_NAME}/POST/@connections/*"
        )
        assert function.role is not None
        acknowledge(
            function.role,
            f"AwsSolutions-IAM5[{finding}]",
            f"{function.role.node.id}: PostToConnection on this stage's connections only (POST); "
            "connection ids are created by API Gateway per page, so the last segment cannot be named.",
        )
        grant_table_items(function, table, table_key, ["dynamodb:DeleteItem"], encrypt=False)
        function.add_environment(EnvVar.LIVE_ENDPOINT.value, self.callback_url)
