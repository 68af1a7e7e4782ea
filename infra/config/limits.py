"""What AWS accepts, as documented: the regions, languages, runtimes, retention choices, quotas and
id shapes a context value is checked against at synth."""

from __future__ import annotations

import re
from typing import Final

# Regions where Amazon Bedrock runtime is offered (a model may still be missing in one of them).
BEDROCK_REGIONS: Final = frozenset(
    {
        "us-east-1", "us-east-2", "us-west-1", "us-west-2", "us-gov-west-1", "us-gov-east-1",
        "ca-central-1", "ca-west-1", "sa-east-1", "mx-central-1",
        "eu-central-1", "eu-central-2", "eu-west-1", "eu-west-2", "eu-west-3", "eu-north-1",
        "eu-south-1", "eu-south-2",
        "ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ap-south-1", "ap-south-2",
        "ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4", "ap-southeast-5",
        "ap-southeast-7", "ap-east-2", "me-central-1", "me-south-1", "il-central-1",
        "af-south-1",
    }
)  # fmt: skip

# Languages Transcribe streaming (and therefore the Chime SDK call analytics processors) accepts.
TRANSCRIBE_LANGUAGES: Final = frozenset(
    {
        "en-US", "en-GB", "en-AU", "en-IN", "en-IE", "en-NZ", "en-AB", "en-ZA", "en-WL",
        "es-US", "es-ES", "fr-FR", "fr-CA", "de-DE", "de-CH", "it-IT", "pt-BR", "pt-PT",
        "ja-JP", "ko-KR", "zh-CN", "zh-HK", "zh-TW", "hi-IN", "th-TH", "ar-SA", "ar-AE",
        "nl-NL", "sv-SE", "da-DK", "no-NO", "fi-FI", "pl-PL", "ru-RU", "tr-TR", "he-IL",
        "id-ID", "ms-MY", "vi-VN", "uk-UA", "cs-CZ", "el-GR", "ro-RO", "hu-HU",
    }
)  # fmt: skip
# Transcribe Call Analytics streaming supports fewer languages.
CALL_ANALYTICS_LANGUAGES: Final = frozenset(
    {"en-US", "en-GB", "en-AU", "es-US", "fr-FR", "fr-CA", "de-DE", "it-IT", "pt-BR"}
)

LAMBDA_ARN = re.compile(
    r"^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]+(:[A-Za-z0-9_$-]+)?$"
)
SECRET_ARN = re.compile(r"^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+$")
VOICE_CONNECTOR_ID = re.compile(r"^[a-z0-9]{20,32}$")
CONNECT_INSTANCE_ARN = re.compile(r"^arn:aws[a-z-]*:connect:[a-z0-9-]+:\d{12}:instance/[A-Za-z0-9-]+$")
DOMAIN_PREFIX = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

PYTHON_RUNTIMES: Final = ("3.11", "3.12", "3.13", "3.14")
"""Lambda Python runtimes the stack can target (arm64); docs/deploy.md, "Runtime and cold start"."""

LOG_RETENTION_CHOICES: Final = frozenset(
    {1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}
)

HTTP_API_ACCOUNT_QUOTA_RPS: Final = 10_000
"""Default quota per account and region for HTTP, REST and WebSocket APIs together (Service Quotas)."""

RESOURCE_ID: Final = {
    "summarizerVpcId": (re.compile(r"^vpc-[0-9a-f]{8,17}$"), "VPC"),
    "summarizerSubnetIds": (re.compile(r"^subnet-[0-9a-f]{8,17}$"), "subnet"),
    "summarizerSecurityGroupIds": (re.compile(r"^sg-[0-9a-f]{8,17}$"), "security group"),
    "summarizerRouteTableIds": (re.compile(r"^rtb-[0-9a-f]{8,17}$"), "route table"),
}

HOST_NAME: Final = re.compile(r"^(?=.{4,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
CERTIFICATE_ARN: Final = re.compile(r"^arn:aws[a-z-]*:acm:([a-z0-9-]+):\d{12}:certificate/[0-9a-f-]{36}$")

CLAIM_NAME: Final = re.compile(r"^[A-Za-z0-9:_.-]{1,128}$")
STACK_NAME: Final = re.compile(r"^[A-Za-z][A-Za-z0-9-]{0,100}$")
