"""Staff: owners manage their store's staff (A4); managers see it; staff do neither."""

from __future__ import annotations

from tests.authorization.table import ABSENT, FORBIDDEN, OK, UNAUTHENTICATED, Row, World
from tests.client import DEMO_PASSWORD

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

ACCEPT_STAFF_INVITATION = """
mutation($input: AnswerStaffInvitationInput!) {
  acceptStaffInvitation(input: $input) { __typename }
}
"""
DECLINE_STAFF_INVITATION = """
mutation($input: AnswerStaffInvitationInput!) {
  declineStaffInvitation(input: $input) { __typename }
}
"""
JOIN_WITH_INVITATION = """
mutation($input: JoinWithInvitationInput!) { joinWithInvitation(input: $input) { __typename } }
"""
STAFF_INVITATIONS = "query { staffInvitations { id storeName role } }"


async def _someone_elses_invitation(w: World, target: str) -> dict:
    invitation, _ = await w.fresh_invitation(target)
    return {"input": {"invitationId": invitation}}


async def _join(w: World, target: str) -> dict:
    _, code = await w.fresh_invitation(target)
    return {"input": {"invitationCode": code, "password": DEMO_PASSWORD}}


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
    # An invitation is its email's to answer: to anyone else it is absent, whoever they are.
    Row(
        "Mutation.acceptStaffInvitation",
        ACCEPT_STAFF_INVITATION,
        _someone_elses_invitation,
        admin=ABSENT,
        owner=ABSENT,
        manager=ABSENT,
        staff=ABSENT,
        partner=FORBIDDEN,  # a partner key is no account
        anonymous=UNAUTHENTICATED,
        other_owner=ABSENT,
    ),
    Row(
        "Mutation.declineStaffInvitation",
        DECLINE_STAFF_INVITATION,
        _someone_elses_invitation,
        admin=ABSENT,
        owner=ABSENT,
        manager=ABSENT,
        staff=ABSENT,
        partner=FORBIDDEN,
        anonymous=UNAUTHENTICATED,
        other_owner=ABSENT,
    ),
    # Public: the invitation's code is the credential; whoever holds it creates the account.
    Row(
        "Mutation.joinWithInvitation",
        JOIN_WITH_INVITATION,
        _join,
        admin=OK,
        owner=OK,
        manager=OK,
        staff=OK,
        partner=OK,
        anonymous=OK,
        other_owner=OK,
    ),
    Row(
        "Query.staffInvitations",
        STAFF_INVITATIONS,
        lambda w, t: {},
        admin=OK,
        owner=OK,
        manager=OK,
        staff=OK,
        partner=FORBIDDEN,
        anonymous=UNAUTHENTICATED,
        other_owner=OK,
    ),
]
