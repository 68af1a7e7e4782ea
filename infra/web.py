"""Web: Cognito sign-in, the private UI bucket behind CloudFront, and the generated config.json.

The bucket is reachable only through CloudFront's origin access control. config.json is written
at deploy time with the values only the stack knows (API URL, Cognito domain, client id); its
shape is the one ui/js/config.js reads.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_deployment as s3deploy
from constructs import Construct

from infra.config import DeployConfig
from infra.functions import log_retention
from infra.nag import acknowledge

UI_DIR = Path(__file__).resolve().parent.parent / "ui"
GROUP_DESCRIPTIONS = {
    "agents": "callrecap: sees the calls whose agentId is the user's identity claim",
    "supervisors": "callrecap: sees every call",
    "admins": "callrecap: sees every call (and, later, may delete a call's data)",
}
"""The Cognito groups the stack creates, one per role of domain.access.GROUP_ROLES."""
OAUTH_SCOPES = "openid email"


def pinned_index_html(api_url: str, cognito_domain: str, live_url: str) -> str:
    """ui/index.html with a second Content-Security-Policy (a meta tag) that lets the page connect
    to this stack's API, live-updates WebSocket and sign-in domain only. The CloudFront header
    policy cannot name the API (the API's CORS names the distribution: a dependency cycle), so it
    allows the region's API and Cognito domains; a browser enforces both policies, so the meta
    tag's pin is what holds."""
    html = (UI_DIR / "index.html").read_text(encoding="utf-8")
    meta = (
        '<meta http-equiv="Content-Security-Policy" '
        f"content=\"connect-src 'self' {api_url} {live_url} {cognito_domain}\">"
    )
    anchor = '<meta charset="utf-8">'
    if anchor not in html:
        raise ValueError(f"ui/index.html lost its {anchor}: the CSP pin has no place to go")
    return html.replace(anchor, f"{anchor}\n  {meta}", 1)


class Web(Construct):
    def __init__(
        self, scope: Construct, construct_id: str, *, config: DeployConfig, access_logs: s3.IBucket
    ) -> None:
        super().__init__(scope, construct_id)
        stack = cdk.Stack.of(self)
        self._log_retention_days = config.log_retention_days
        self.bucket = s3.Bucket(
            self,
            "Site",
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            server_access_logs_bucket=access_logs,
            server_access_logs_prefix="site/",
            removal_policy=cdk.RemovalPolicy.DESTROY,
        )
        headers = cloudfront.ResponseHeadersPolicy(
            self,
            "SecurityHeaders",
            comment="callrecap UI security headers",
            security_headers_behavior=cloudfront.ResponseSecurityHeadersBehavior(
                content_security_policy=cloudfront.ResponseHeadersContentSecurityPolicy(
                    content_security_policy=(
                        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                        f"connect-src 'self' https://*.execute-api.{stack.region}.amazonaws.com "
                        f"wss://*.execute-api.{stack.region}.amazonaws.com "
                        f"https://*.auth.{stack.region}.amazoncognito.com; "
                        "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
                    ),
                    override=True,
                ),
                strict_transport_security=cloudfront.ResponseHeadersStrictTransportSecurity(
                    access_control_max_age=cdk.Duration.days(365), include_subdomains=True, override=True
                ),
                content_type_options=cloudfront.ResponseHeadersContentTypeOptions(override=True),
                frame_options=cloudfront.ResponseHeadersFrameOptions(
                    frame_option=cloudfront.HeadersFrameOption.DENY, override=True
                ),
                referrer_policy=cloudfront.ResponseHeadersReferrerPolicy(
                    referrer_policy=cloudfront.HeadersReferrerPolicy.NO_REFERRER, override=True
                ),
            ),
        )
        origin = origins.S3BucketOrigin.with_origin_access_control(self.bucket)
        custom_domain: dict[str, Any] = {}
        if config.domain_name:
            custom_domain = {
                "domain_names": [config.domain_name],
                "certificate": acm.Certificate.from_certificate_arn(
                    self, "Certificate", config.certificate_arn
                ),
            }
        self.distribution = cloudfront.Distribution(
            self,
            "Distribution",
            comment="callrecap web UI",
            default_root_object="index.html",
            default_behavior=cloudfront.BehaviorOptions(
                origin=origin,
                viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
                response_headers_policy=headers,
                cache_policy=cloudfront.CachePolicy.CACHING_OPTIMIZED,
            ),
            additional_behaviors={
                # Written at deploy time and read on every page load: never serve a stale one.
                "/config.json": cloudfront.BehaviorOptions(
                    origin=origin,
                    viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
                    response_headers_policy=headers,
                    cache_policy=cloudfront.CachePolicy.CACHING_DISABLED,
                )
            },
            minimum_protocol_version=cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
            http_version=cloudfront.HttpVersion.HTTP2_AND_3,
            price_class=cloudfront.PriceClass.PRICE_CLASS_100,
            enable_logging=True,
            log_bucket=access_logs,
            log_file_prefix="cloudfront/",
            **custom_domain,
        )
        acknowledge(
            self.distribution,
            "AwsSolutions-CFR1",
            "Distribution: agents may work from any country; restrict with a geo allow-list in "
            "front of a real deployment if the contact center is regional.",
        )
        acknowledge(
            self.distribution,
            "AwsSolutions-CFR2",
            "Distribution serves static files only; every data request goes to the HTTP API, which "
            "requires a Cognito JWT. A WAF web ACL (us-east-1 only) is left to the deployer.",
        )
        if config.domain_name:
            # Own certificate: CloudFront enforces minimum_protocol_version (TLSv1.2_2021), CFR4 holds.
            self.url = f"https://{config.domain_name}"
        else:
            acknowledge(
                self.distribution,
                "AwsSolutions-CFR4",
                "Distribution uses the default *.cloudfront.net certificate, with which CloudFront "
                "cannot enforce a minimum TLS version; set domainName and certificateArn to pin "
                "TLSv1.2_2021 (docs/deploy.md, 'A domain of your own').",
            )
            cdk.Annotations.of(self.distribution).add_warning_v2(
                "callrecap:default-certificate",
                "the page is served under *.cloudfront.net with CloudFront's default certificate, which "
                "still accepts TLSv1 and TLSv1.1 from browsers; for TLS 1.2 or newer only, deploy with "
                "-c domainName=calls.example.com -c certificateArn=<an ACM certificate in us-east-1> "
                "(docs/deploy.md, 'A domain of your own').",
            )
            self.url = f"https://{self.distribution.distribution_domain_name}"

        self.user_pool = cognito.UserPool(
            self,
            "Users",
            self_sign_up_enabled=config.self_sign_up,
            sign_in_aliases=cognito.SignInAliases(email=True),
            auto_verify=cognito.AutoVerifiedAttrs(email=True),
            account_recovery=cognito.AccountRecovery.EMAIL_ONLY,
            password_policy=cognito.PasswordPolicy(
                min_length=12,
                require_digits=True,
                require_lowercase=True,
                require_uppercase=True,
                require_symbols=True,
            ),
            mfa=cognito.Mfa.OPTIONAL,
            mfa_second_factor=cognito.MfaSecondFactor(otp=True, sms=False),
            feature_plan=cognito.FeaturePlan.ESSENTIALS,
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        # The roles of domain.access: agents see their own calls, supervisors and admins all.
        for group, description in GROUP_DESCRIPTIONS.items():
            cognito.CfnUserPoolGroup(
                self,
                f"Group{group.title()}",
                user_pool_id=self.user_pool.user_pool_id,
                group_name=group,
                description=description,
            )
        acknowledge(
            self.user_pool,
            "AwsSolutions-COG2",
            "Users: MFA is optional (TOTP) so a pilot can sign in without enrolling a device; set "
            "mfa to REQUIRED before production use.",
        )
        acknowledge(
            self.user_pool,
            "AwsSolutions-COG3",
            "Users: threat protection (advanced security) needs the Cognito Plus plan and is billed per "
            "user; accounts are created by an administrator (no self sign-up).",
        )
        acknowledge(
            self.user_pool,
            "AwsSolutions-COG8",
            "Users: the Plus feature plan (threat protection) is billed per monthly active user; the "
            "Essentials plan with administrator-created accounts fits a pilot. Upgrade for production.",
        )
        prefix = config.cognito_domain_prefix or f"{config.stack_name.lower()}-{stack.account}"
        self.domain = self.user_pool.add_domain(
            "SignIn", cognito_domain=cognito.CognitoDomainOptions(domain_prefix=prefix)
        )
        self.client = self.user_pool.add_client(
            "WebClient",
            generate_secret=False,
            prevent_user_existence_errors=True,
            auth_flows=cognito.AuthFlow(user_srp=True),
            supported_identity_providers=[cognito.UserPoolClientIdentityProvider.COGNITO],
            access_token_validity=cdk.Duration.hours(1),
            id_token_validity=cdk.Duration.hours(1),
            refresh_token_validity=cdk.Duration.days(1),
            o_auth=cognito.OAuthSettings(
                flows=cognito.OAuthFlows(authorization_code_grant=True),
                scopes=[cognito.OAuthScope.OPENID, cognito.OAuthScope.EMAIL],
                callback_urls=[f"{self.url}/"],
                logout_urls=[f"{self.url}/"],
            ),
        )

        # `callrecap smoke`: signs in a test user it creates with AdminInitiateAuth, which takes
        # AWS credentials allowed cognito-idp:AdminInitiateAuth on this pool: no end user can use
        # this client (no password or hosted sign-in flow of its own, no OAuth).
        self.smoke_client = self.user_pool.add_client(
            "SmokeTestClient",
            generate_secret=False,
            prevent_user_existence_errors=True,
            auth_flows=cognito.AuthFlow(admin_user_password=True),
            supported_identity_providers=[cognito.UserPoolClientIdentityProvider.COGNITO],
            access_token_validity=cdk.Duration.minutes(15),
            id_token_validity=cdk.Duration.minutes(15),
            refresh_token_validity=cdk.Duration.hours(1),
            disable_o_auth=True,
        )

    def deploy_ui(self, api_url: str, live_url: str) -> s3deploy.BucketDeployment:
        """Upload ui/ plus a config.json pointing at the API and the sign-in domain."""
        site_config = {
            "apiBase": api_url,
            "auth": {
                "cognitoDomain": self.domain.base_url(),
                "clientId": self.client.user_pool_client_id,
                "redirectUri": f"{self.url}/",
                "logoutUri": f"{self.url}/",
                "scopes": OAUTH_SCOPES,
            },
        }
        deployment = s3deploy.BucketDeployment(
            self,
            "DeployUi",
            sources=[
                s3deploy.Source.asset(str(UI_DIR), exclude=["config.json", "index.html"]),
                s3deploy.Source.json_data("config.json", site_config),
                s3deploy.Source.data(
                    "index.html", pinned_index_html(api_url, self.domain.base_url(), live_url)
                ),
            ],
            destination_bucket=self.bucket,
            distribution=self.distribution,
            distribution_paths=["/*"],
            memory_limit=256,
            # Empty the site bucket on stack delete so that CloudFormation can remove it.
            retain_on_delete=False,
            log_group=logs.LogGroup(
                self,
                "DeployUiLogs",
                retention=log_retention(self._log_retention_days),
                removal_policy=cdk.RemovalPolicy.DESTROY,
            ),
        )
        # The deployment's function is a stack-level singleton; acknowledge on it, not stack-wide.
        stack = cdk.Stack.of(self)
        bucket_logical_id = stack.get_logical_id(self._cfn_bucket())
        for helper in stack.node.children:
            if not helper.node.id.startswith("Custom::CDKBucketDeployment"):
                continue
            for finding in (
                "Action::s3:Abort*",
                "Action::s3:DeleteObject*",
                "Action::s3:GetBucket*",
                "Action::s3:GetObject*",
                "Action::s3:List*",
                "Resource::*",
                f"Resource::<{bucket_logical_id}.Arn>/*",
                "Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>/*",
            ):
                acknowledge(
                    helper,
                    f"AwsSolutions-IAM5[{finding}]",
                    f"{helper.node.id}: BucketDeployment (aws-cdk-lib) copies the UI from the CDK asset "
                    "bucket into the Site bucket and invalidates the distribution; aws-cdk-lib generates "
                    "its policy, limited to those two buckets plus cloudfront:CreateInvalidation (no "
                    "narrower resource).",
                )
        return deployment

    def _cfn_bucket(self) -> s3.CfnBucket:
        child = self.bucket.node.default_child
        assert isinstance(child, s3.CfnBucket)
        return child
