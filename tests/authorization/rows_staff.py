"""Staff: owners manage their store's staff (A4); managers see it; staff do neither."""

from __future__ import annotations

from tests.authorization.table import ABSENT, FORBIDDEN, OK, UNAUTHENTICATED, Row, World

STORE_STAFF = "query($id: ID!) { store(id: $id) { id staff { totalCount edges { node { id } } } } }"
NODE_STAFF_MEMBER = "query($id: ID!) { node(id: $id) { id ... on StaffMember { roles } } }"
INVITE_STAFF = """
mutation($input: InviteStaffInput!) { inviteStaff(input: $input) { __typename } }
"""
CHANGE_STAFF_ROLE = """
mutation($input: ChangeStaffRoleInput!) { changeStaffRole(input: $input) { __typename } }
"""
DEACTIVATE_STAFF = """
mutation($input: DeactivateStaffInput!) { deactivateStaff(input: $input) { __typename } }
"""


def _invite(w: World, target: str) -> dict:
    email = f"{w.unique('invited')}@dangol.test"
    return {
        "input": {"storeId": w.store(target), "email": email, "name": "Invited", "role": "STAFF"}
    }


async def _change_role(w: World, target: str) -> dict:
    return {"input": {"staffMemberId": await w.fresh_staff(target), "role": "MANAGER"}}


async def _deactivate(w: World, target: str) -> dict:
    return {"input": {"staffMemberId": await w.fresh_staff(target)}}


async def _node(w: World, target: str) -> dict:
    return {"id": await w.staff_member(target)}


ROWS = [
    Row(
        "Store.staff",
        STORE_STAFF,
        lambda w, t: {"id": w.store(t)},
        #             own        other
        admin=(OK, OK),
        owner=(OK, ABSENT),
        manager=(OK, ABSENT),
        staff=(FORBIDDEN, ABSENT),
        partner=(FORBIDDEN, ABSENT),
        anonymous=UNAUTHENTICATED,
        other_owner=(ABSENT, OK),
    ),
    # node() never says forbidden: what the caller may not read is absent.
    Row(
        "Query.node",
        NODE_STAFF_MEMBER,
        _node,
        variant="StaffMember",
        admin=(OK, OK),
        owner=(OK, ABSENT),
        manager=(OK, ABSENT),
        staff=(ABSENT, ABSENT),
        partner=(ABSENT, ABSENT),
        anonymous=UNAUTHENTICATED,
        other_owner=(ABSENT, OK),
    ),
    Row(
        "Mutation.inviteStaff",
        INVITE_STAFF,
        _invite,
        admin=(OK, OK),
        owner=(OK, ABSENT),
        manager=(FORBIDDEN, ABSENT),
        staff=(FORBIDDEN, ABSENT),
        partner=(FORBIDDEN, ABSENT),
        anonymous=UNAUTHENTICATED,
        other_owner=(ABSENT, OK),
    ),
    Row(
        "Mutation.changeStaffRole",
        CHANGE_STAFF_ROLE,
        _change_role,
        admin=(OK, OK),
        owner=(OK, ABSENT),
        manager=(FORBIDDEN, ABSENT),
        staff=(FORBIDDEN, ABSENT),
        partner=(FORBIDDEN, ABSENT),
        anonymous=UNAUTHENTICATED,
        other_owner=(ABSENT, OK),
    ),
    Row(
        "Mutation.deactivateStaff",
        DEACTIVATE_STAFF,
        _deactivate,
        admin=(OK, OK),
        owner=(OK, ABSENT),
        manager=(FORBIDDEN, ABSENT),
        staff=(FORBIDDEN, ABSENT),
        partner=(FORBIDDEN, ABSENT),
        anonymous=UNAUTHENTICATED,
        other_owner=(ABSENT, OK),
    ),
]
