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
