"""API: the HTTP API with a Cognito JWT authorizer on every route of contracts.API_ROUTES."""

from __future__ import annotations

import json
from collections.abc import Sequence

import aws_cdk as cdk
from aws_cdk import aws_apigatewayv2 as apigw
from aws_cdk import aws_apigatewayv2_authorizers as authorizers
from aws_cdk import aws_apigatewayv2_integrations as integrations
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from callrecap.contracts import API_ROUTES, APPROVAL_ROUTES, CALL_DATA_ROUTES
from infra.functions import log_retention

ACCESS_LOG_FORMAT = {
    "requestId": "$context.requestId",
    "ip": "$context.identity.sourceIp",
    "requestTime": "$context.requestTime",
    "routeKey": "$context.routeKey",
    "status": "$context.status",
    "latencyMs": "$context.responseLatency",
    "user": "$context.authorizer.claims.sub",
    "error": "$context.error.message",
}


class Api(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        handler: lambda_.IFunction,
        call_data_handler: lambda_.IFunction,
        approvals_handler: lambda_.IFunction,
        user_pool: cognito.IUserPool,
        client: cognito.IUserPoolClient,
        web_origin: str,
        extra_clients: Sequence[cognito.IUserPoolClient] = (),
        log_retention_days: int,
        throttle_rps: int = 50,
    ) -> None:
        super().__init__(scope, construct_id)
        self.http_api = apigw.HttpApi(
            self,
            "HttpApi",
            description="callrecap API for the web UI",
            cors_preflight=apigw.CorsPreflightOptions(
                allow_origins=[web_origin],
                allow_methods=[
                    apigw.CorsHttpMethod.GET,
                    apigw.CorsHttpMethod.POST,
                    apigw.CorsHttpMethod.DELETE,
                ],
                allow_headers=["authorization", "content-type"],
                max_age=cdk.Duration.hours(1),
            ),
        )
        authorizer = authorizers.HttpUserPoolAuthorizer(
            "CognitoAuthorizer", user_pool, user_pool_clients=[client, *extra_clients]
        )
        integration = integrations.HttpLambdaIntegration("ApiIntegration", handler)
        call_data = integrations.HttpLambdaIntegration("CallDataIntegration", call_data_handler)
        approvals = integrations.HttpLambdaIntegration("ApprovalsIntegration", approvals_handler)
        for routes, target in (
            (API_ROUTES, integration),
            (CALL_DATA_ROUTES, call_data),
            (APPROVAL_ROUTES, approvals),
        ):
            for method, path in routes:
                self.http_api.add_routes(
                    path=path,
                    methods=[apigw.HttpMethod(method)],
                    integration=target,
                    authorizer=authorizer,
                )

        access_logs = logs.LogGroup(
            self,
            "AccessLogs",
            retention=log_retention(log_retention_days),
            removal_policy=cdk.RemovalPolicy.DESTROY,
        )
        stage = self.http_api.default_stage
        assert stage is not None
        cfn_stage = stage.node.default_child
        assert isinstance(cfn_stage, apigw.CfnStage)
        cfn_stage.access_log_settings = apigw.CfnStage.AccessLogSettingsProperty(
            destination_arn=access_logs.log_group_arn, format=json.dumps(ACCESS_LOG_FORMAT)
        )
        # Per stage, all routes together: config.api_throttle_rps (a burst of twice that).
        cfn_stage.default_route_settings = apigw.CfnStage.RouteSettingsProperty(
            throttling_burst_limit=2 * throttle_rps, throttling_rate_limit=throttle_rps
        )
        self.url = self.http_api.api_endpoint
