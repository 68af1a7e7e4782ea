"""Synthesis for the infra tests: the configurations under test and what a synth yields.

Kept out of conftest.py so that test modules import it by a unique name.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

VOICE_CONNECTOR_ID = "abcdefghij0123456789ab"
CRM_HOOK_ARN = "arn:aws:lambda:us-east-1:123456789012:function:crm-hook"
SUMMARIZER_ARN = "arn:aws:lambda:us-east-1:123456789012:function:my-summarizer"

FALLBACK_MODEL = "anthropic.claude-3-haiku-20240307-v1:0"
# Existing Voice Connector, Call Analytics with PII redaction, Bedrock with a second Bedrock model
# and then extractive as its fallbacks, the example CRM hook.
MAIN_CONTEXT: dict[str, Any] = {
    "voiceConnectorId": VOICE_CONNECTOR_ID,
    "transcribeMode": "call-analytics",
    "piiMode": "redact",
    "customVocabularyName": "contact-center-terms",
    "llmProvider": "bedrock",
    "bedrockModelId": "amazon.nova-lite-v1:0",
    "bedrockRegion": "us-west-2",
    "llmFallback": f"bedrock:{FALLBACK_MODEL}, extractive",
    "crmSendOn": "approval-or-timeout",  # the wrap-up queue and function too
    "wrapUpMinutes": 5,
    "skipLayerBuild": True,
}
# A new Voice Connector, plain Transcribe with PII identification, a custom summarizer Lambda,
# a configured CRM hook ARN, a longer final-summary delay, the summarizer in the customer's VPC.
ALT_CONTEXT: dict[str, Any] = {
    "createVoiceConnector": True,
    "transcribeMode": "transcribe",
    "piiMode": "identify",
    "llmProvider": "lambda",
    "summarizerLambdaArn": SUMMARIZER_ARN,
    "crmHookArn": CRM_HOOK_ARN,
    "finalSummaryDelaySeconds": 30,
    "summarizerVpcId": "vpc-0a1b2c3d4e5f60718",
    "summarizerSubnetIds": ["subnet-0a1b2c3d4e5f60001", "subnet-0a1b2c3d4e5f60002"],
    "summarizerSecurityGroupIds": "sg-0a1b2c3d4e5f60003",
    "summarizerRouteTableIds": ["rtb-0a1b2c3d4e5f60004"],
    "priceTable": {"my-model": {"input": 0.001, "output": 0.002}},
    "skipLayerBuild": True,
}
CONNECT_INSTANCE_ARN = "arn:aws:connect:us-east-1:123456789012:instance/0a0b0c0d-1111-2222-3333-444455556666"
# No Voice Connector of its own: Amazon Connect's Contact Lens segments and other producers (LCA);
# the page on a domain of its own.
CERTIFICATE_ARN = "arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-1111-2222-3333-444455556666"
CONNECT_CONTEXT: dict[str, Any] = {
    "connectInstanceArn": CONNECT_INSTANCE_ARN,
    "domainName": "calls.example.com",
    "piiDetector": "comprehend",
    "certificateArn": CERTIFICATE_ARN,
    "llmProvider": "extractive",
    "skipLayerBuild": True,
}


@dataclass(frozen=True)
class Synthesized:
    template: Any  # aws_cdk.assertions.Template
    raw: dict[str, Any]
    template_path: Path
    seconds: float
    acknowledgements: list[tuple[str, str, str]]
    """(construct path, cdk-nag rule id, reason) of every acknowledgement in the stack."""
    warnings: list[str] = field(default_factory=list)
    """What `make synth` prints on stderr (infra.application.synth_warnings)."""

    def resources(self, kind: str) -> dict[str, dict[str, Any]]:
        return {k: v for k, v in self.raw["Resources"].items() if v["Type"] == kind}


def synthesize(context: dict[str, Any], outdir: Path) -> Synthesized:
    from aws_cdk.assertions import Template

    from infra.application import build_app

    started = time.perf_counter()
    app, stack = build_app(context, outdir=str(outdir))
    assembly = app.synth()  # runs cdk-nag: any unacknowledged finding raises here
    seconds = time.perf_counter() - started
    artifact = assembly.get_stack_artifact(stack.artifact_id)
    path = outdir / artifact.template_file
    raw = json.loads(path.read_text())
    acknowledgements = [
        (construct.node.path, rule, reason)
        for construct in stack.node.find_all()
        for entry in construct.node.metadata
        if entry.type == "aws:cdk:acknowledged-rules"
        for rule, reason in entry.data.items()
    ]
    from infra.application import synth_warnings

    return Synthesized(
        Template.from_json(raw), raw, path, seconds, acknowledgements, synth_warnings(assembly)
    )
