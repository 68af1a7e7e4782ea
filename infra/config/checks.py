"""The rules a DeployConfig must keep beyond each key's own kind: keys that go together, ids and
ARNs in AWS's shapes, and the provider settings checked by the summarizer's own rules."""

from __future__ import annotations

from typing import Final

from callrecap.choices import CrmTarget
from callrecap.contracts import PAGE_REQUESTS_PER_SECOND
from callrecap.domain.privacy.pii import parse_entities
from callrecap.domain.summaries.languages import is_language_code
from callrecap.settings import EnvVar, Settings, parse_list
from infra.config import limits
from infra.config.deploy_config import DeployConfig, PiiMode, TranscribeMode, context_key_of

# Context key of each provider setting, so that an error names what the deployer must edit.
_PROVIDER_CONTEXT_KEYS: Final = {
    env.value: context_key_of(field_name)
    for env, field_name in (
        (EnvVar.BEDROCK_MODEL_ID, "bedrock_model_id"),
        (EnvVar.SUMMARIZER_LAMBDA_ARN, "summarizer_lambda_arn"),
        (EnvVar.OPENAI_BASE_URL, "openai_base_url"),
        (EnvVar.OPENAI_MODEL, "openai_model"),
    )
}


def _disposition_problems(raw: str) -> list[str]:
    """The deployment's list: 2-50 distinct, non-empty values of at most 60 characters."""
    values = list(parse_list(raw))
    if not raw:
        return []
    problems: list[str] = []
    if not 2 <= len(values) <= 50:
        problems.append(f"dispositions: give 2 to 50 values, got {len(values)}")
    if len({v.lower() for v in values}) != len(values):
        problems.append("dispositions: a value is listed twice")
    problems.extend(f"dispositions: {v!r} is longer than 60 characters" for v in values if len(v) > 60)
    return problems


def _crm_target_problems(config: DeployConfig) -> list[str]:
    """A built-in target needs its settings, and excludes a hook function of one's own."""
    if config.crm_target is CrmTarget.EXAMPLE:
        return [
            f"{key} applies to crmTarget webhook"
            for key, value in (
                ("crmWebhookUrl", config.crm_webhook_url),
                ("crmWebhookSecretArn", config.crm_webhook_secret_arn),
            )
            if value
        ]
    problems: list[str] = []
    if config.crm_hook_arn:
        problems.append("crmTarget webhook and crmHookArn exclude each other: the built-in hook or your own")
    if not config.crm_webhook_url.startswith("https://") or len(config.crm_webhook_url) <= len("https://"):
        problems.append(f"crmWebhookUrl must be an https:// URL, got {config.crm_webhook_url!r}")
    if not limits.SECRET_ARN.match(config.crm_webhook_secret_arn):
        problems.append(
            f"crmWebhookSecretArn must be a Secrets Manager secret ARN, got {config.crm_webhook_secret_arn!r}"
        )
    return problems


def _vpc_problems(config: DeployConfig) -> list[str]:
    """The summarizer's VPC placement is all or nothing, with well-formed ids."""
    if not config.summarizer_in_vpc:
        if config.summarizer_route_table_ids:
            return ["summarizerRouteTableIds needs the summarizer's VPC, subnets and security groups"]
        return []
    problems: list[str] = []
    given = {
        "summarizerVpcId": (config.summarizer_vpc_id,) if config.summarizer_vpc_id else (),
        "summarizerSubnetIds": config.subnet_ids,
        "summarizerSecurityGroupIds": config.security_group_ids,
        "summarizerRouteTableIds": config.route_table_ids,
    }
    for key, ids in given.items():
        if not ids and key != "summarizerRouteTableIds":
            problems.append(f"the summarizer in a VPC needs {key}")
        pattern, noun = limits.RESOURCE_ID[key]
        problems.extend(f"{key}: {value!r} is not a {noun} id" for value in ids if not pattern.match(value))
    if config.summarizer_vpc_endpoints and not config.route_table_ids:
        problems.append(
            "summarizerRouteTableIds: the DynamoDB and S3 gateway endpoints need the subnets' route "
            "tables (or summarizerVpcEndpoints false when the VPC has its endpoints already)"
        )
    return problems


def _domain_problems(config: DeployConfig) -> list[str]:
    """The page's own domain: both keys or neither, a host name, an ACM certificate in us-east-1."""
    if not config.domain_name and not config.certificate_arn:
        return []
    if not config.domain_name or not config.certificate_arn:
        return ["domainName and certificateArn go together (the certificate must cover the domain)"]
    problems: list[str] = []
    if not limits.HOST_NAME.match(config.domain_name):
        problems.append(f"domainName {config.domain_name!r} is not a host name such as calls.example.com")
    match = limits.CERTIFICATE_ARN.match(config.certificate_arn)
    if match is None:
        problems.append(f"certificateArn {config.certificate_arn!r} is not an ACM certificate ARN")
    elif match.group(1) != "us-east-1":
        problems.append(
            f"certificateArn is in {match.group(1)}: CloudFront takes certificates from us-east-1 only "
            "(request or import it there)"
        )
    return problems


def is_private_http_url(url: str) -> bool:
    """http:// to an RFC 1918 address or a `.internal` name (a private hosted zone), not beyond."""
    import ipaddress
    from urllib.parse import urlsplit

    host = urlsplit(url).hostname or ""
    if host.endswith(".internal"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.version == 4 and any(
        address in ipaddress.ip_network(net) for net in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")
    )


def cross_checks(config: DeployConfig) -> list[str]:
    """Every rule that involves more than one key, or a value's shape beyond its kind."""
    problems: list[str] = []
    if config.voice_connector_id and config.create_voice_connector:
        problems.append("set either voiceConnectorId (use an existing one) or createVoiceConnector, not both")
    if config.voice_connector_id and not limits.VOICE_CONNECTOR_ID.match(config.voice_connector_id):
        problems.append(
            f"voiceConnectorId {config.voice_connector_id!r} does not look like a Voice Connector id"
        )
    languages = (
        limits.CALL_ANALYTICS_LANGUAGES
        if config.transcribe_mode is TranscribeMode.CALL_ANALYTICS
        else limits.TRANSCRIBE_LANGUAGES
    )
    if config.language_code not in languages:
        problems.append(
            f"languageCode {config.language_code!r} is not supported by "
            f"transcribeMode {config.transcribe_mode.value}"
        )
    if config.connect_instance_arn and not limits.CONNECT_INSTANCE_ARN.match(config.connect_instance_arn):
        problems.append(
            f"connectInstanceArn {config.connect_instance_arn!r} is not an Amazon Connect instance ARN "
            "(arn:aws:connect:<region>:<account>:instance/<id>)"
        )
    if config.supervisor_queues_claim and not limits.CLAIM_NAME.match(config.supervisor_queues_claim):
        problems.append(f"supervisorQueuesClaim {config.supervisor_queues_claim!r} is not a claim name")
    if not limits.CLAIM_NAME.match(config.agent_identity_claim):
        problems.append(f"agentIdentityClaim {config.agent_identity_claim!r} is not a claim name")
    if config.api_throttle_rps > limits.HTTP_API_ACCOUNT_QUOTA_RPS:
        problems.append(
            f"the API throttle of {config.api_throttle_rps} requests/s (apiThrottleRps, or expectedOpenPages "
            f"x {PAGE_REQUESTS_PER_SECOND}) is over the account's default API quota of "
            f"{limits.HTTP_API_ACCOUNT_QUOTA_RPS}/s: request a quota increase first, then set apiThrottleRps"
        )
    if config.python_runtime not in limits.PYTHON_RUNTIMES:
        problems.append(
            f"pythonRuntime {config.python_runtime!r} must be one of {', '.join(limits.PYTHON_RUNTIMES)}"
        )
    if config.pii_entity_types and config.pii_mode is PiiMode.OFF:
        problems.append("piiEntityTypes needs piiMode identify or redact")
    if not config.stack_name or not limits.STACK_NAME.match(config.stack_name):
        problems.append(f"stackName {config.stack_name!r} is not a valid CloudFormation stack name")
    if config.bedrock_region and config.bedrock_region not in limits.BEDROCK_REGIONS:
        problems.append(f"bedrockRegion {config.bedrock_region!r} is not a region where Bedrock is offered")
    if config.summarizer_lambda_arn and not limits.LAMBDA_ARN.match(config.summarizer_lambda_arn):
        problems.append(f"summarizerLambdaArn {config.summarizer_lambda_arn!r} is not a Lambda function ARN")
    fallback, fallback_problems = config.fallback_chain()
    problems.extend(f"llmFallback {config.llm_fallback!r}: {problem}" for problem in fallback_problems)
    if config.crm_hook_arn and not limits.LAMBDA_ARN.match(config.crm_hook_arn):
        problems.append(f"crmHookArn {config.crm_hook_arn!r} is not a Lambda function ARN")
    problems.extend(_crm_target_problems(config))
    if config.openai_api_key_secret_arn and not limits.SECRET_ARN.match(config.openai_api_key_secret_arn):
        problems.append(
            f"openaiApiKeySecretArn {config.openai_api_key_secret_arn!r} is not a Secrets Manager ARN"
        )
    problems.extend(_vpc_problems(config))
    problems.extend(f"piiRedactBeforeModel: {p}" for p in parse_entities(config.pii_redact_before_model)[1])
    problems.extend(_disposition_problems(config.dispositions))
    if config.summary_language and not is_language_code(config.summary_language):
        problems.append(
            f"summaryLanguage {config.summary_language!r} is not a language code such as es or de-DE"
        )
    problems.extend(_domain_problems(config))
    if config.openai_base_url and not config.openai_base_url.startswith("https://"):
        if not config.summarizer_in_vpc:
            problems.append(
                "openaiBaseUrl must be an https:// URL (the summarizer sends the transcript there); "
                "http:// is allowed only to a private address with the summarizer in your VPC "
                "(summarizerVpcId, docs/deploy.md)"
            )
        elif not is_private_http_url(config.openai_base_url):
            problems.append(
                f"openaiBaseUrl {config.openai_base_url!r}: http:// only to a private address inside "
                "the VPC (10.x, 172.16-31.x, 192.168.x, or a *.internal name); use https:// otherwise"
            )
    if config.cognito_domain_prefix and (
        not limits.DOMAIN_PREFIX.match(config.cognito_domain_prefix)
        or any(word in config.cognito_domain_prefix for word in ("aws", "amazon", "cognito"))
    ):
        problems.append(
            f"cognitoDomainPrefix {config.cognito_domain_prefix!r} must be lowercase letters, digits and "
            "hyphens without aws/amazon/cognito"
        )
    if config.alarm_email and not limits.EMAIL.match(config.alarm_email):
        problems.append(f"alarmEmail {config.alarm_email!r} is not an e-mail address")
    if config.log_retention_days not in limits.LOG_RETENTION_CHOICES:
        problems.append(
            f"logRetentionDays must be one of {sorted(limits.LOG_RETENTION_CHOICES)}, "
            f"got {config.log_retention_days}"
        )
    if config.sweeper_interval_minutes >= config.idle_minutes:
        problems.append("sweeperIntervalMinutes must be shorter than idleMinutes, or idle calls end late")
    settings = Settings(
        table_name="synth",
        llm_provider=config.llm_provider,
        llm_fallback=fallback,
        bedrock_model_id=config.bedrock_model_id,
        bedrock_region=config.bedrock_region,
        summarizer_lambda_arn=config.summarizer_lambda_arn,
        openai_base_url=config.openai_base_url,
        openai_model=config.openai_model,
    )
    for problem in settings.provider_problems():
        for env_name, key in _PROVIDER_CONTEXT_KEYS.items():
            problem = problem.replace(env_name, f"context key {key}")
        problems.append(problem)
    return problems
