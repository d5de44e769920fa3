from __future__ import annotations

import asyncio

from tortoise import connections

from tests.client import Api, error_code, gid

INVITE = """
mutation ($input: InviteStaffInput!) {
  inviteStaff(input: $input) {
    __typename
    ... on InviteStaffSuccess { invitation { id email role status } invitationCode }
    ... on UserError { code field }
  }
}
"""
JOIN = """
mutation ($input: JoinWithInvitationInput!) {
  joinWithInvitation(input: $input) {
    __typename
    ... on StaffInvitationSuccess { staffMember { roles } }
    ... on UserError { code field }
  }
}
"""
CHANGE = """
mutation ($input: ChangeStaffRoleInput!) {
  changeStaffRole(input: $input) {
    __typename ... on StaffMemberSuccess { staffMember { roles } } ... on UserError { code }
  }
}
"""
DEACTIVATE = """
mutation ($input: DeactivateStaffInput!) {
  deactivateStaff(input: $input) {
    __typename ... on StaffMemberSuccess { staffMember { isActive roles } }
      ... on UserError { code }
  }
}
"""
STAFF = """
query ($id: ID!) { store(id: $id) { staff { edges { node { id roles account { email } } } } } }
"""


async def _member_id(api: Api, token: str, email: str, store: int = 1) -> str:
    edges = (await api.data(STAFF, {"id": gid("Store", store)}, token=token))["store"]["staff"][
        "edges"
    ]
    return next(e["node"]["id"] for e in edges if e["node"]["account"]["email"] == email)


async def test_owner_invites_a_new_staff_member_who_joins_and_signs_in(api: Api) -> None:
    # given
    owner = await api.token("owner1@dangol.test")
    # when the owner invites, and the invitee joins with the code
    result = (
        await api.data(
            INVITE,
            {
                "input": {
                    "storeId": gid("Store", 1),
                    "email": "New.Barista@Dangol.test",
                    "name": "바리스타",
                    "role": "STAFF",
                }
            },
            token=owner,
        )
    )["inviteStaff"]
    joined = await api.data(
        JOIN,
        {"input": {"invitationCode": result["invitationCode"], "password": "barista-password"}},
    )
    # then
    assert result["invitation"]["email"] == "new.barista@dangol.test"
    assert result["invitation"]["status"] == "PENDING"
    assert joined["joinWithInvitation"]["staffMember"]["roles"] == ["staff"]
    token = await api.token("new.barista@dangol.test", "barista-password")
    me = await api.data("{ me { memberships { roles } } }", token=token)
    assert me["me"]["memberships"] == [{"roles": ["staff"]}]


async def test_inviting_someone_already_on_the_staff_is_a_typed_error(api: Api) -> None:
    owner = await api.token("owner1@dangol.test")
    result = (
        await api.data(
            INVITE,
            {
                "input": {
                    "storeId": gid("Store", 1),
                    "email": "staff1@dangol.test",
                    "name": "x",
                    "role": "STAFF",
                }
            },
            token=owner,
        )
    )["inviteStaff"]
    assert result["code"] == "ALREADY_EXISTS"


async def test_owner_changes_a_role_and_it_is_in_force_at_once(api: Api) -> None:
    # given
    owner = await api.token("owner1@dangol.test")
    staff = await api.token("staff1@dangol.test")
    member = await _member_id(api, owner, "staff1@dangol.test")
    assert error_code(await api.gql(STAFF, {"id": gid("Store", 1)}, token=staff)) == "FORBIDDEN"
    # when
    result = await api.data(
        CHANGE, {"input": {"staffMemberId": member, "role": "MANAGER"}}, token=owner
    )
    # then
    assert result["changeStaffRole"]["staffMember"]["roles"] == ["manager"]
    assert (await api.gql(STAFF, {"id": gid("Store", 1)}, token=staff)).get("errors") is None


async def test_the_last_owner_can_be_neither_demoted_nor_deactivated(api: Api) -> None:
    owner = await api.token("owner1@dangol.test")
    me = await _member_id(api, owner, "owner1@dangol.test")
    demoted = await api.data(CHANGE, {"input": {"staffMemberId": me, "role": "STAFF"}}, token=owner)
    removed = await api.data(DEACTIVATE, {"input": {"staffMemberId": me}}, token=owner)
    assert demoted["changeStaffRole"]["code"] == "LAST_OWNER"
    assert removed["deactivateStaff"]["code"] == "LAST_OWNER"
    assert (await api.data(STAFF, {"id": gid("Store", 1)}, token=owner))["store"]["staff"]["edges"][
        0
    ]["node"]["roles"] == ["owner"]


async def test_two_owners_demoting_each_other_at_once_leave_one_owner(api: Api) -> None:
    # given a second owner
    owner = await api.token("owner1@dangol.test")
    await api.data(
        CHANGE,
        {
            "input": {
                "staffMemberId": await _member_id(api, owner, "manager1@dangol.test"),
                "role": "OWNER",
            }
        },
        token=owner,
    )
    second = await api.token("manager1@dangol.test")
    first_id = await _member_id(api, owner, "owner1@dangol.test")
    second_id = await _member_id(api, owner, "manager1@dangol.test")
    # when both demote the other at the same moment
    answers = await asyncio.gather(
        api.gql(CHANGE, {"input": {"staffMemberId": second_id, "role": "STAFF"}}, token=owner),
        api.gql(CHANGE, {"input": {"staffMemberId": first_id, "role": "STAFF"}}, token=second),
    )
    # then one went through; the other was refused (last owner, or no longer an owner)
    outcomes = sorted(error_code(a) or a["data"]["changeStaffRole"]["__typename"] for a in answers)
    assert outcomes in (["LastOwner", "StaffMemberSuccess"], ["FORBIDDEN", "StaffMemberSuccess"])
    owners = await connections.get("default").execute_query_dict(
        "SELECT count(*) AS n FROM casbin_rule "
        "WHERE ptype = 'g' AND v1 = 'owner' AND v2 = 'store:1'"
    )
    assert owners[0]["n"] == 1


async def test_deactivated_staff_tokens_stop_working_on_the_next_request(api: Api) -> None:
    # given
    owner = await api.token("owner1@dangol.test")
    staff = await api.token("staff1@dangol.test")
    assert (await api.gql("{ me { account { email } } }", token=staff)).get("errors") is None
    # when
    result = await api.data(
        DEACTIVATE,
        {"input": {"staffMemberId": await _member_id(api, owner, "staff1@dangol.test")}},
        token=owner,
    )
    # then
    assert result["deactivateStaff"]["staffMember"] == {"isActive": False, "roles": []}
    assert (
        error_code(await api.gql("{ me { account { email } } }", token=staff)) == "UNAUTHENTICATED"
    )
    assert (await api.login("staff1@dangol.test"))["code"] == "INVALID_CREDENTIALS"


async def test_an_owner_cannot_touch_the_staff_of_another_store(api: Api) -> None:
    # given
    other_owner = await api.token("owner2@dangol.test")
    member = await _member_id(api, other_owner, "staff2@dangol.test", store=2)
    owner = await api.token("owner1@dangol.test")
    # when
    change = await api.data(
        CHANGE, {"input": {"staffMemberId": member, "role": "OWNER"}}, token=owner
    )
    deactivate = await api.data(DEACTIVATE, {"input": {"staffMemberId": member}}, token=owner)
    invite = await api.data(
        INVITE,
        {
            "input": {
                "storeId": gid("Store", 2),
                "email": "x@dangol.test",
                "name": "x",
                "role": "OWNER",
            }
        },
        token=owner,
    )
    # then all three are absent, and nothing changed
    assert change["changeStaffRole"]["code"] == "NOT_FOUND"
    assert deactivate["deactivateStaff"]["code"] == "NOT_FOUND"
    assert invite["inviteStaff"]["code"] == "NOT_FOUND"
    edges = (await api.data(STAFF, {"id": gid("Store", 2)}, token=other_owner))["store"]["staff"][
        "edges"
    ]
    assert [(e["node"]["account"]["email"], e["node"]["roles"]) for e in edges] == [
        ("owner2@dangol.test", ["owner"]),
        ("manager2@dangol.test", ["manager"]),
        ("staff2@dangol.test", ["staff"]),
    ]


async def test_a_refused_change_leaves_no_audit_entry(api: Api) -> None:
    # given
    owner = await api.token("owner1@dangol.test")
    me = await _member_id(api, owner, "owner1@dangol.test")
    # when
    refused = await api.data(DEACTIVATE, {"input": {"staffMemberId": me}}, token=owner)
    # then
    assert refused["deactivateStaff"]["code"] == "LAST_OWNER"
    rows = await connections.get("default").execute_query_dict("SELECT action FROM audit_entry")
    assert rows == []
