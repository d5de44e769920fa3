"""Inviting an email that has an account: a pending invitation its holder answers, nothing more.

Never a reactivation of an account another store deactivated, never a word about the
account to the inviter, and never the platform admin on a store's staff.
"""

from __future__ import annotations

from typing import Any

from models.accounts import Account
from models.stores import Membership
from tests.client import Api, gid

INVITE = """
mutation ($input: InviteStaffInput!) {
  inviteStaff(input: $input) {
    __typename
    ... on InviteStaffSuccess {
      invitation { email name role status storeName invitedAt expiresAt }
      invitationCode
    }
    ... on UserError { code field }
  }
}
"""
INVITATIONS = "{ staffInvitations { id email role status storeName } }"
ACCEPT = """
mutation ($input: AnswerStaffInvitationInput!) {
  acceptStaffInvitation(input: $input) {
    __typename
    ... on StaffInvitationSuccess { invitation { status } staffMember { roles isActive } }
    ... on UserError { code message }
  }
}
"""
DECLINE = """
mutation ($input: AnswerStaffInvitationInput!) {
  declineStaffInvitation(input: $input) {
    __typename
    ... on StaffInvitationSuccess { invitation { status } staffMember { roles } }
    ... on UserError { code }
  }
}
"""
JOIN = """
mutation ($input: JoinWithInvitationInput!) {
  joinWithInvitation(input: $input) {
    __typename ... on UserError { code field }
  }
}
"""
DEACTIVATE = """
mutation ($input: DeactivateStaffInput!) { deactivateStaff(input: $input) { __typename } }
"""
STAFF = """
query ($id: ID!) { store(id: $id) { staff(includeInactive: true) {
  edges { node { id account { email } } } } } }
"""


async def _invite(api: Api, token: str, email: str, role: str = "MANAGER") -> dict[str, Any]:
    variables = {
        "input": {"storeId": gid("Store", 1), "email": email, "name": "Typed", "role": role}
    }
    result: dict[str, Any] = (await api.data(INVITE, variables, token=token))["inviteStaff"]
    return result


def _without_moments(answer: dict[str, Any]) -> dict[str, Any]:
    invitation = {
        key: value
        for key, value in answer["invitation"].items()
        if key not in ("email", "invitedAt", "expiresAt")
    }
    return {"__typename": answer["__typename"], "invitation": invitation}


async def test_the_inviter_is_told_the_same_whether_or_not_the_email_has_an_account(
    api: Api,
) -> None:
    # given
    owner = await api.token("owner1@dangol.test")
    # when inviting an existing account of another store, and an unknown email
    existing = await _invite(api, owner, "manager2@dangol.test")
    unknown = await _invite(api, owner, "nobody-yet@dangol.test")
    # then both answers are alike, and neither names the existing account
    assert _without_moments(existing) == _without_moments(unknown)
    assert existing["invitation"]["name"] == "Typed"
    assert existing["invitation"]["status"] == "PENDING"
    assert set(existing) == set(unknown) == {"__typename", "invitation", "invitationCode"}
    # and the existing account is on no new staff until it accepts
    manager2 = await Account.get(email="manager2@dangol.test")
    assert not await Membership.exists(store_id=1, account_id=manager2.id)


async def test_an_account_another_store_deactivated_stays_deactivated(api: Api) -> None:
    # given staff2 deactivated by store 2
    other_owner = await api.token("owner2@dangol.test")
    edges = (await api.data(STAFF, {"id": gid("Store", 2)}, token=other_owner))["store"]["staff"][
        "edges"
    ]
    member = next(
        e["node"]["id"] for e in edges if e["node"]["account"]["email"] == "staff2@dangol.test"
    )
    await api.data(DEACTIVATE, {"input": {"staffMemberId": member}}, token=other_owner)
    owner = await api.token("owner1@dangol.test")
    # when store 1 invites the account, and tries its code to set a password
    invited = await _invite(api, owner, "staff2@dangol.test", role="OWNER")
    joined = await api.data(
        JOIN, {"input": {"invitationCode": invited["invitationCode"], "password": "x" * 12}}
    )
    # then the account is still deactivated: its old password does not sign in
    assert joined["joinWithInvitation"]["code"] == "INVITATION_NEEDS_SIGN_IN"
    assert (await api.login("staff2@dangol.test"))["code"] == "INVALID_CREDENTIALS"
    assert (await api.login("staff2@dangol.test", "x" * 12))["code"] == "INVALID_CREDENTIALS"
    account = await Account.get(email="staff2@dangol.test")
    assert not account.is_active
    assert not await Membership.exists(store_id=1, account_id=account.id)


async def test_the_platform_admin_cannot_be_made_a_store_member(api: Api) -> None:
    # given an owner invites the admin's email
    owner = await api.token("owner1@dangol.test")
    invited = await _invite(api, owner, "admin@dangol.test", role="STAFF")
    admin = await api.token("admin@dangol.test")
    # when the admin accepts, or anyone uses the code
    pending = (await api.data(INVITATIONS, token=admin))["staffInvitations"]
    accepted = await api.data(ACCEPT, {"input": {"invitationId": pending[0]["id"]}}, token=admin)
    joined = await api.data(
        JOIN, {"input": {"invitationCode": invited["invitationCode"], "password": "x" * 12}}
    )
    # then the admin is no member of the store, and holds no role there
    assert accepted["acceptStaffInvitation"]["code"] == "PLATFORM_ADMIN_CANNOT_JOIN"
    assert joined["joinWithInvitation"]["code"] == "INVITATION_NEEDS_SIGN_IN"
    account = await Account.get(email="admin@dangol.test")
    assert not await Membership.exists(store_id=1, account_id=account.id)
    me = await api.data("{ me { memberships { roles } isPlatformAdmin } }", token=admin)
    assert me["me"] == {"memberships": [], "isPlatformAdmin": True}


async def test_an_existing_account_sees_and_accepts_its_invitation(api: Api) -> None:
    # given
    owner = await api.token("owner1@dangol.test")
    await _invite(api, owner, "manager2@dangol.test", role="MANAGER")
    manager2 = await api.token("manager2@dangol.test")
    # when it lists its invitations and accepts
    pending = (await api.data(INVITATIONS, token=manager2))["staffInvitations"]
    accepted = await api.data(ACCEPT, {"input": {"invitationId": pending[0]["id"]}}, token=manager2)
    # then it is a manager of store 1 too, and the invitation is answered
    assert [(p["email"], p["role"], p["status"]) for p in pending] == [
        ("manager2@dangol.test", "MANAGER", "PENDING")
    ]
    answer = accepted["acceptStaffInvitation"]
    assert answer["invitation"]["status"] == "ACCEPTED"
    assert answer["staffMember"] == {"roles": ["manager"], "isActive": True}
    assert (await api.data(INVITATIONS, token=manager2))["staffInvitations"] == []
    me = await api.data("{ me { memberships { roles store { name } } } }", token=manager2)
    assert len(me["me"]["memberships"]) == 2


async def test_an_invitation_declined_gives_nothing_and_cannot_be_accepted_after(
    api: Api,
) -> None:
    # given
    owner = await api.token("owner1@dangol.test")
    await _invite(api, owner, "staff2@dangol.test")
    staff2 = await api.token("staff2@dangol.test")
    pending = (await api.data(INVITATIONS, token=staff2))["staffInvitations"]
    # when
    declined = await api.data(DECLINE, {"input": {"invitationId": pending[0]["id"]}}, token=staff2)
    accepted = await api.data(ACCEPT, {"input": {"invitationId": pending[0]["id"]}}, token=staff2)
    # then
    assert declined["declineStaffInvitation"] == {
        "__typename": "StaffInvitationSuccess",
        "invitation": {"status": "DECLINED"},
        "staffMember": None,
    }
    assert accepted["acceptStaffInvitation"]["code"] == "NOT_FOUND"
    account = await Account.get(email="staff2@dangol.test")
    assert not await Membership.exists(store_id=1, account_id=account.id)


async def test_another_account_cannot_accept_an_invitation_that_is_not_its_own(
    api: Api,
) -> None:
    # given an invitation of manager2
    owner = await api.token("owner1@dangol.test")
    await _invite(api, owner, "manager2@dangol.test")
    manager2 = await api.token("manager2@dangol.test")
    invitation = (await api.data(INVITATIONS, token=manager2))["staffInvitations"][0]["id"]
    staff2 = await api.token("staff2@dangol.test")
    # when another account tries it
    accepted = await api.data(ACCEPT, {"input": {"invitationId": invitation}}, token=staff2)
    # then it is absent to them, and nothing changed
    assert accepted["acceptStaffInvitation"]["code"] == "NOT_FOUND"
    assert (await api.data(INVITATIONS, token=manager2))["staffInvitations"][0]["id"] == invitation
