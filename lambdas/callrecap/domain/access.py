"""Who may see which calls: agents their own, supervisors and admins every call.

The viewer comes from the sign-in token's claims as the API's JWT authorizer passes them (never
from anything the page sends): the Cognito groups name the role, and one configurable claim
(default `username`) is the agent identity matched against a call's `agentId` (the
producer's AgentId / UPDATE_AGENT, Connect's agent). A user in no group sees nothing. The page
sends Cognito's access token, whose user name claim is `username` (the default identity claim). A call with
no agent identity (a bare Voice Connector call) is visible to supervisors and admins, and to
agents only when the deployment says so (`unassignedCallsVisibleTo`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final

from callrecap.contracts import CallAttr

GROUPS_CLAIM: Final = "cognito:groups"
DEFAULT_IDENTITY_CLAIM: Final = "username"
"""The user name in a Cognito access token (an ID token calls it `cognito:username`)."""


class Role(StrEnum):
    AGENT = "agent"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"


GROUP_ROLES: Final[Mapping[str, Role]] = {
    "agents": Role.AGENT,
    "supervisors": Role.SUPERVISOR,
    "admins": Role.ADMIN,
}
"""The Cognito groups the stack creates and the role each grants (the strongest one wins)."""
_STRENGTH: Final = {Role.AGENT: 1, Role.SUPERVISOR: 2, Role.ADMIN: 3}


class UnassignedCalls(StrEnum):
    """Who sees a call that names no agent."""

    SUPERVISORS = "supervisors"
    AGENTS = "agents"


@dataclass(frozen=True)
class Viewer:
    role: Role | None
    identity: str
    """The agent identity (the configured claim); "" when the token has none."""

    @property
    def sees_every_call(self) -> bool:
        return self.role in (Role.SUPERVISOR, Role.ADMIN)


def groups_of(claims: Mapping[str, Any]) -> tuple[str, ...]:
    """`cognito:groups` as a list, or as the string an HTTP API JWT authorizer passes ("[a b]")."""
    raw = claims.get(GROUPS_CLAIM)
    if isinstance(raw, list | tuple):
        return tuple(str(g) for g in raw)
    if isinstance(raw, str):
        return tuple(part for part in raw.strip().strip("[]").replace(",", " ").split() if part)
    return ()


def viewer_from_claims(claims: Mapping[str, Any], identity_claim: str = DEFAULT_IDENTITY_CLAIM) -> Viewer:
    roles = [GROUP_ROLES[g] for g in groups_of(claims) if g in GROUP_ROLES]
    role = max(roles, key=lambda r: _STRENGTH[r]) if roles else None
    identity = claims.get(identity_claim)
    return Viewer(role=role, identity=str(identity) if isinstance(identity, str | int) else "")


@dataclass(frozen=True)
class AccessPolicy:
    unassigned_visible_to: UnassignedCalls = UnassignedCalls.SUPERVISORS

    def can_see(self, viewer: Viewer, call: Mapping[str, Any]) -> bool:
        if viewer.role is None:
            return False
        if viewer.sees_every_call:
            return True
        agent = str(call.get(CallAttr.AGENT_ID.value) or "")
        if not agent:
            return self.unassigned_visible_to is UnassignedCalls.AGENTS
        return bool(viewer.identity) and agent == viewer.identity

    def visible(self, viewer: Viewer, calls: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
        return [dict(call) for call in calls if self.can_see(viewer, call)]
