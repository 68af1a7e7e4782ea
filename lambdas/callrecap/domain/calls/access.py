"""Who may see which calls: agents their own, supervisors and admins every call.

The viewer comes from the sign-in token's claims as the API's JWT authorizer passes them (never
from anything the page sends): the Cognito groups name the role, and one configurable claim
(default `username`) is the agent identity matched against a call's `agentId` (the
producer's AgentId / UPDATE_AGENT, Connect's agent). A user in no group sees nothing. The page
sends Cognito's access token, whose user name claim is `username` (the default identity claim). A call with
no agent identity (a bare Voice Connector call) is visible to supervisors and admins, and to
agents only when the deployment says so (`unassignedCallsVisibleTo`). A supervisor whose token
carries the configured queues claim (`supervisorQueuesClaim`, e.g. a custom attribute listing
queue ids) sees only the calls routed through those queues (the call's `queue`, from Amazon
Connect); without the claim, every call.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final

from callrecap.choices import UnassignedCalls
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


@dataclass(frozen=True)
class Viewer:
    role: Role | None
    identity: str
    """The agent identity (the configured claim); "" when the token has none."""
    queues: frozenset[str] | None = None
    """A supervisor's queues, when the token limits them to some (None: not limited)."""

    @property
    def sees_every_call(self) -> bool:
        return self.role is Role.ADMIN or (self.role is Role.SUPERVISOR and self.queues is None)


def groups_of(claims: Mapping[str, Any]) -> tuple[str, ...]:
    """`cognito:groups` as a list, or as the string an HTTP API JWT authorizer passes ("[a b]")."""
    raw = claims.get(GROUPS_CLAIM)
    if isinstance(raw, list | tuple):
        return tuple(str(g) for g in raw)
    if isinstance(raw, str):
        return tuple(part for part in raw.strip().strip("[]").replace(",", " ").split() if part)
    return ()


def viewer_from_claims(
    claims: Mapping[str, Any], identity_claim: str = DEFAULT_IDENTITY_CLAIM, queues_claim: str = ""
) -> Viewer:
    roles = [GROUP_ROLES[g] for g in groups_of(claims) if g in GROUP_ROLES]
    role = max(roles, key=lambda r: _STRENGTH[r]) if roles else None
    identity = claims.get(identity_claim)
    queues: frozenset[str] | None = None
    raw_queues = claims.get(queues_claim) if queues_claim else None
    if role is Role.SUPERVISOR and isinstance(raw_queues, str) and raw_queues.strip():
        queues = frozenset(q for q in raw_queues.strip("[]").replace(",", " ").split() if q)
    return Viewer(role=role, identity=str(identity) if isinstance(identity, str | int) else "", queues=queues)


@dataclass(frozen=True)
class AccessPolicy:
    unassigned_visible_to: UnassignedCalls = UnassignedCalls.SUPERVISORS

    def can_see(self, viewer: Viewer, call: Mapping[str, Any]) -> bool:
        if viewer.role is None:
            return False
        if viewer.sees_every_call:
            return True
        if viewer.role is Role.SUPERVISOR:  # limited to queues
            return str(call.get(CallAttr.QUEUE.value) or "") in (viewer.queues or ())
        agent = str(call.get(CallAttr.AGENT_ID.value) or "")
        if not agent:
            return self.unassigned_visible_to is UnassignedCalls.AGENTS
        return bool(viewer.identity) and agent == viewer.identity

    def visible(self, viewer: Viewer, calls: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
        return [dict(call) for call in calls if self.can_see(viewer, call)]
