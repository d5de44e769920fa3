"""Access-policy administration (A5): admins everywhere; owners read, explain and delegate in
their own store; role assignment is the admins'."""

from __future__ import annotations

from tests.authorization.table import ABSENT, FORBIDDEN, OK, UNAUTHENTICATED, Row, World

ACCESS_POLICY = "query($storeId: ID) { accessPolicy(storeId: $storeId) { version roles { role } } }"
EXPLAIN_ACCESS = """
query($accountId: ID!, $storeId: ID!, $action: String!) {
  explainAccess(accountId: $accountId, storeId: $storeId, action: $action) { allowed rule }
}
"""
GRANT = """
mutation($input: PermissionInput!) { grantPermission(input: $input) { __typename } }
"""
REVOKE = """
mutation($input: PermissionInput!) { revokePermission(input: $input) { __typename } }
"""
ASSIGN = """
mutation($input: RoleAssignmentInput!) { assignRole(input: $input) { __typename } }
"""
UNASSIGN = """
mutation($input: RoleAssignmentInput!) { unassignRole(input: $input) { __typename } }
"""
ASSIGN_FOR_SETUP = """
mutation($input: RoleAssignmentInput!) {
  assignRole(input: $input) { __typename ... on UserError { message } }
}
"""


async def _assign_in_store(w: World, target: str) -> dict:
    return {
        "input": {"accountId": await w.fresh_account(), "role": "staff", "storeId": w.store(target)}
    }


async def _assign_platform(w: World, target: str) -> dict:
    return {"input": {"accountId": await w.fresh_account(), "role": "admin"}}


async def _unassign_in_store(w: World, target: str) -> dict:
    account = await w.fresh_staff_account(target)
    return {"input": {"accountId": account, "role": "staff", "storeId": w.store(target)}}


async def _unassign_platform(w: World, target: str) -> dict:
    variables = {"input": {"accountId": await w.fresh_account(), "role": "admin"}}
    assigned = (await w.data_as("admin", ASSIGN_FOR_SETUP, variables))["assignRole"]
    assert assigned["__typename"] == "AccessPolicySuccess", assigned
    return variables


ROWS = [
    Row(
        "Query.accessPolicy",
        ACCESS_POLICY,
        lambda w, t: {"storeId": w.store(t)},
        variant="store",
        #             own        other
        admin=(OK, OK),
        owner=(OK, ABSENT),
        manager=(FORBIDDEN, ABSENT),
        staff=(FORBIDDEN, ABSENT),
        partner=(FORBIDDEN, ABSENT),
        anonymous=UNAUTHENTICATED,
        other_owner=(ABSENT, OK),
    ),
    Row(
        "Query.accessPolicy",
        ACCESS_POLICY,
        lambda w, t: {"storeId": None},
        variant="platform",
        admin=OK,
        owner=FORBIDDEN,
        manager=FORBIDDEN,
        staff=FORBIDDEN,
        partner=FORBIDDEN,
        anonymous=UNAUTHENTICATED,
        other_owner=FORBIDDEN,
    ),
    Row(
        "Query.explainAccess",
        EXPLAIN_ACCESS,
        lambda w, t: {
            "accountId": w.account(f"staff_{t}"),
            "storeId": w.store(t),
            "action": "orders.read",
        },
        admin=(OK, OK),
        owner=(OK, ABSENT),
        manager=(FORBIDDEN, ABSENT),
        staff=(FORBIDDEN, ABSENT),
        partner=(FORBIDDEN, ABSENT),
        anonymous=UNAUTHENTICATED,
        other_owner=(ABSENT, OK),
    ),
    # An owner may delegate, in their own store, an action they hold and that is delegable.
    Row(
        "Mutation.grantPermission",
        GRANT,
        lambda w, t: {
            "input": {"role": "staff", "action": "customers.export", "storeId": w.store(t)}
        },
        variant="store",
        admin=(OK, OK),
        owner=(OK, ABSENT),
        manager=(FORBIDDEN, ABSENT),
        staff=(FORBIDDEN, ABSENT),
        partner=(FORBIDDEN, ABSENT),
        anonymous=UNAUTHENTICATED,
        other_owner=(ABSENT, OK),
    ),
    Row(
        "Mutation.grantPermission",
        GRANT,
        lambda w, t: {"input": {"role": "staff", "action": "customers.export"}},
        variant="platform",
        admin=OK,
        owner=FORBIDDEN,
        manager=FORBIDDEN,
        staff=FORBIDDEN,
        partner=FORBIDDEN,
        anonymous=UNAUTHENTICATED,
        other_owner=FORBIDDEN,
    ),
    Row(
        "Mutation.revokePermission",
        REVOKE,
        lambda w, t: {
            "input": {"role": "staff", "action": "customers.read", "storeId": w.store(t)}
        },
        variant="store",
        admin=(OK, OK),
        owner=(OK, ABSENT),
        manager=(FORBIDDEN, ABSENT),
        staff=(FORBIDDEN, ABSENT),
        partner=(FORBIDDEN, ABSENT),
        anonymous=UNAUTHENTICATED,
        other_owner=(ABSENT, OK),
    ),
    Row(
        "Mutation.revokePermission",
        REVOKE,
        lambda w, t: {"input": {"role": "staff", "action": "tasks.read"}},
        variant="platform",
        admin=OK,
        owner=FORBIDDEN,
        manager=FORBIDDEN,
        staff=FORBIDDEN,
        partner=FORBIDDEN,
        anonymous=UNAUTHENTICATED,
        other_owner=FORBIDDEN,
    ),
    # Role assignment is the admins'; owners manage their staff through inviteStaff & co.
    Row(
        "Mutation.assignRole",
        ASSIGN,
        _assign_in_store,
        variant="store",
        admin=(OK, OK),
        owner=(FORBIDDEN, ABSENT),
        manager=(FORBIDDEN, ABSENT),
        staff=(FORBIDDEN, ABSENT),
        partner=(FORBIDDEN, ABSENT),
        anonymous=UNAUTHENTICATED,
        other_owner=(ABSENT, FORBIDDEN),
    ),
    Row(
        "Mutation.assignRole",
        ASSIGN,
        _assign_platform,
        variant="platform",
        admin=OK,
        owner=FORBIDDEN,
        manager=FORBIDDEN,
        staff=FORBIDDEN,
        partner=FORBIDDEN,
        anonymous=UNAUTHENTICATED,
        other_owner=FORBIDDEN,
    ),
    Row(
        "Mutation.unassignRole",
        UNASSIGN,
        _unassign_in_store,
        variant="store",
        admin=(OK, OK),
        owner=(FORBIDDEN, ABSENT),
        manager=(FORBIDDEN, ABSENT),
        staff=(FORBIDDEN, ABSENT),
        partner=(FORBIDDEN, ABSENT),
        anonymous=UNAUTHENTICATED,
        other_owner=(ABSENT, FORBIDDEN),
    ),
    Row(
        "Mutation.unassignRole",
        UNASSIGN,
        _unassign_platform,
        variant="platform",
        admin=OK,
        owner=FORBIDDEN,
        manager=FORBIDDEN,
        staff=FORBIDDEN,
        partner=FORBIDDEN,
        anonymous=UNAUTHENTICATED,
        other_owner=FORBIDDEN,
    ),
]
