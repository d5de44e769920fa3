from __future__ import annotations

import strawberry
from strawberry import relay
from strawberry.types import Info

from core import errors
from policies.catalogue import actions
from resolvers import policies
from schema.errors import result
from schema.ids import decode_id, global_id
from schema.operations import mutation, query
from schema.scopes import PLATFORM, store_id_at


@strawberry.type
class RolePermissions:
    role: str
    actions: list[str]


@strawberry.type
class RoleAssignment:
    account_id: relay.GlobalID
    role: str
    store_id: relay.GlobalID | None = strawberry.field(description="null: every store")


@strawberry.type
class AccessPolicy:
    store_id: relay.GlobalID | None = strawberry.field(
        description="The store whose effective policy this is; null for the platform-wide policy."
    )
    version: int
    roles: list[RolePermissions]
    assignments: list[RoleAssignment]
    actions: list[str] = strawberry.field(description="Every action the product knows.")

    @classmethod
    def from_domain(cls, policy: policies.AccessPolicy) -> "AccessPolicy":
        return cls(
            store_id=global_id("Store", policy.store_id),
            version=policy.version,
            roles=[RolePermissions(role=r.role, actions=r.actions) for r in policy.roles],
            assignments=[
                RoleAssignment(
                    account_id=global_id("Account", a.account_id),
                    role=a.role,
                    store_id=global_id("Store", a.store_id),
                )
                for a in policy.assignments
            ],
            actions=sorted(actions()),
        )


def _optional_store(value: relay.GlobalID | None) -> int | None:
    return PLATFORM if value is None else decode_id(value, "Store")


@strawberry.type
class AccessDecision:
    allowed: bool
    rule: list[str] | None = strawberry.field(description="The policy line that decided, if any.")
    reason: str


@strawberry.input
class PermissionInput:
    role: str
    action: str
    store_id: relay.GlobalID | None = strawberry.field(
        default=None, description="Customise one store; leave out to change every store (admins)."
    )


@strawberry.input
class RoleAssignmentInput:
    account_id: relay.GlobalID
    role: str
    store_id: relay.GlobalID | None = strawberry.field(
        default=None, description="Leave out for a platform-wide role (admin)."
    )


@strawberry.type
class AccessPolicySuccess:
    policy: AccessPolicy


PermissionResult = result(
    "PermissionResult",
    AccessPolicySuccess,
    errors.InvalidInput,
    errors.NotDelegable,
    errors.NotFound,
)
RoleAssignmentResult = result(
    "RoleAssignmentResult",
    AccessPolicySuccess,
    errors.InvalidInput,
    errors.NotFound,
    errors.LastOwner,
)

_input_store = store_id_at("input.store_id", optional=True)


@strawberry.type
class Query:
    @query("policy.read", store=store_id_at("store_id", optional=True))
    async def access_policy(
        self, info: Info, store_id: relay.GlobalID | None = None
    ) -> AccessPolicy | None:
        policy = await policies.access_policy(info.context, store_id=_optional_store(store_id))
        return AccessPolicy.from_domain(policy)

    @query("policy.explain", store=store_id_at("store_id"))
    async def explain_access(
        self, info: Info, account_id: relay.GlobalID, store_id: relay.GlobalID, action: str
    ) -> AccessDecision | None:
        decision = await policies.explain(
            info.context,
            account_id=decode_id(account_id, "Account"),
            store_id=decode_id(store_id, "Store"),
            action=action,
        )
        return AccessDecision(
            allowed=decision.allowed,
            rule=list(decision.rule) if decision.rule else None,
            reason=decision.reason,
        )


@strawberry.type
class Mutation:
    @mutation("policy.grant", store=_input_store, absent="store", result=PermissionResult)
    async def grant_permission(self, info: Info, input: PermissionInput) -> AccessPolicySuccess:
        policy = await policies.grant(
            info.context,
            role=input.role,
            action=input.action,
            store_id=_optional_store(input.store_id),
        )
        return AccessPolicySuccess(policy=AccessPolicy.from_domain(policy))

    @mutation("policy.revoke", store=_input_store, absent="store", result=PermissionResult)
    async def revoke_permission(self, info: Info, input: PermissionInput) -> AccessPolicySuccess:
        policy = await policies.revoke(
            info.context,
            role=input.role,
            action=input.action,
            store_id=_optional_store(input.store_id),
        )
        return AccessPolicySuccess(policy=AccessPolicy.from_domain(policy))

    @mutation("policy.assign_role", store=_input_store, absent="store", result=RoleAssignmentResult)
    async def assign_role(self, info: Info, input: RoleAssignmentInput) -> AccessPolicySuccess:
        policy = await policies.assign_role(
            info.context,
            account_id=decode_id(input.account_id, "Account"),
            role=input.role,
            store_id=_optional_store(input.store_id),
        )
        return AccessPolicySuccess(policy=AccessPolicy.from_domain(policy))

    @mutation(
        "policy.unassign_role", store=_input_store, absent="store", result=RoleAssignmentResult
    )
    async def unassign_role(self, info: Info, input: RoleAssignmentInput) -> AccessPolicySuccess:
        policy = await policies.unassign_role(
            info.context,
            account_id=decode_id(input.account_id, "Account"),
            role=input.role,
            store_id=_optional_store(input.store_id),
        )
        return AccessPolicySuccess(policy=AccessPolicy.from_domain(policy))
