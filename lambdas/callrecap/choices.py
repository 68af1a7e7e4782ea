"""The choices a setting can take: one enum per setting, shared by the CDK config (infra/config),
the Lambdas' Settings and the domain that acts on them. A leaf module: it imports nothing of ours."""

from __future__ import annotations

from enum import StrEnum


class Provider(StrEnum):
    """Who writes a summary (llmProvider and each llmFallback link)."""

    BEDROCK = "bedrock"
    LAMBDA = "lambda"
    OPENAI = "openai"
    EXTRACTIVE = "extractive"


class AgentChannel(StrEnum):
    """The Transcribe `ChannelId` the agent speaks on (plain Transcribe results name no speaker)."""

    CH_0 = "ch_0"
    CH_1 = "ch_1"


class OpenAiResponseFormat(StrEnum):
    """openaiResponseFormat: how an OpenAI-compatible server is asked for the summary's shape.
    `auto` negotiates down json_schema -> json_object with a schema -> json_object -> none once
    per endpoint and model; the others pin a step (docs/summarization.md, "Structured output")."""

    AUTO = "auto"
    JSON_SCHEMA = "json_schema"
    JSON_OBJECT = "json_object"
    NONE = "none"


class BedrockOutputMode(StrEnum):
    """bedrockOutputMode: Converse's `outputConfig.textFormat`, a forced tool, or the prompt alone;
    `auto` picks by model id (adapters/llm/bedrock_output.py)."""

    AUTO = "auto"
    OUTPUT_CONFIG = "output-config"
    TOOL = "tool"
    NONE = "none"


class CrmSendOn(StrEnum):
    """crmSendOn: which summary the CRM hook gets (docs/summarization.md, "When the CRM gets it")."""

    FINAL = "final"
    """Every final as it is written (the agent's approval, if any, is kept but not delivered)."""
    APPROVAL = "approval"
    """Only approved versions: nothing reaches the CRM until the agent approves."""
    APPROVAL_OR_TIMEOUT = "approval-or-timeout"
    """The approved version if the agent approves within wrapUpMinutes, else the final then; a
    later approval is delivered as superseding it."""


class CrmTarget(StrEnum):
    """crmTarget: where the CRM hook delivers (docs/crm.md). `example` records the delivery and
    sends nothing (or use crmHookArn for a function of your own); `webhook` POSTs it, signed."""

    EXAMPLE = "example"
    WEBHOOK = "webhook"


class PiiDetection(StrEnum):
    """What finds PII before the model: the rules alone, or Amazon Comprehend beside them."""

    RULES = "rules"
    COMPREHEND = "comprehend"


class ChimeCallKey(StrEnum):
    """Which `metadata` field names the call in Chime call analytics records
    (domain/transcripts/inbound/identity.py): transactionId for this project's own Voice Connector,
    callId beside LCA's producers."""

    TRANSACTION_ID = "transactionId"
    CALL_ID = "callId"


class UnassignedCalls(StrEnum):
    """Who besides supervisors and admins sees a call that names no agent (domain/calls/access.py)."""

    SUPERVISORS = "supervisors"
    AGENTS = "agents"
