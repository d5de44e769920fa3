from __future__ import annotations

from tortoise import connections

from tests.client import Api, error_code, gid

GRANT = """
mutation ($input: PermissionInput!) {
  grantPermission(input: $input) { __typename ... on UserError { code field message } }
}
"""
REVOKE = """
mutation ($input: PermissionInput!) {
  revokePermission(input: $input) { __typename ... on UserError { code field message } }
}
"""
ASSIGN = """
mutation ($input: RoleAssignmentInput!) {
  assignRole(input: $input) { __typename ... on UserError { code field } }
}
"""
UNASSIGN = """
mutation ($input: RoleAssignmentInput!) {
  unassignRole(input: $input) { __typename ... on UserError { code field } }
}
"""
EXPLAIN = """
query ($account: ID!, $store: ID!, $action: String!) {
  explainAccess(accountId: $account, storeId: $store, action: $action) { allowed rule reason }
}
"""
POLICY = """
query ($store: ID) {
  accessPolicy(storeId: $store) { version roles { role actions } assignments
    { accountId role storeId } }
}
"""
STAFF = "query ($id: ID!) { store(id: $id) { staff { edges { node { id } } } } }"


async def _account_id(email: str) -> int:
    rows = await connections.get("default").execute_query_dict(
        "SELECT id FROM account WHERE email = $1"
        if connections.get("default").schema_generator.DIALECT == "postgres"
        else "SELECT id FROM account WHERE email = ?",
        [email],
    )
    return int(rows[0]["id"])


async def _rules() -> list[dict]:
    return await connections.get("default").execute_query_dict(
        "SELECT ptype, v0, v1, v2, v3 FROM casbin_rule ORDER BY ptype, v0, v1, v2, v3"
    )


async def test_admin_revokes_an_action_everywhere_and_it_is_in_force_at_once(api: Api) -> None:
    # given
    admin = await api.token("admin@dangol.test")
    manager = await api.token("manager1@dangol.test")
    assert (await api.gql(STAFF, {"id": gid("Store", 1)}, token=manager)).get("errors") is None
    # when
    result = await api.data(
        REVOKE, {"input": {"role": "manager", "action": "staff.read"}}, token=admin
    )
    # then
    assert result["revokePermission"]["__typename"] == "AccessPolicySuccess"
    assert error_code(await api.gql(STAFF, {"id": gid("Store", 1)}, token=manager)) == "FORBIDDEN"
    # and granting it back restores it
    await api.data(GRANT, {"input": {"role": "manager", "action": "staff.read"}}, token=admin)
    assert (await api.gql(STAFF, {"id": gid("Store", 1)}, token=manager)).get("errors") is None


async def _explain(api: Api, email: str, store: int, action: str) -> bool:
    admin = await api.token("admin@dangol.test")
    account = gid("Account", await _account_id(email))
    body = await api.data(
        EXPLAIN, {"account": account, "store": gid("Store", store), "action": action}, token=admin
    )
    return body["explainAccess"]["allowed"]


async def test_owner_customises_their_own_store_only(api: Api) -> None:
    # given
    owner = await api.token("owner1@dangol.test")
    assert not await _explain(api, "staff1@dangol.test", 1, "customers.export")
    # when the owner lets the staff of store 1 export customers
    result = await api.data(
        GRANT,
        {"input": {"role": "staff", "action": "customers.export", "storeId": gid("Store", 1)}},
        token=owner,
    )
    # then it holds in store 1, and nowhere else
    assert result["grantPermission"]["__typename"] == "AccessPolicySuccess"
    assert await _explain(api, "staff1@dangol.test", 1, "customers.export")
    assert not await _explain(api, "staff2@dangol.test", 2, "customers.export")


async def test_owner_revokes_a_default_action_in_their_store_with_a_deny(api: Api) -> None:
    # given
    owner = await api.token("owner1@dangol.test")
    # when
    result = await api.data(
        REVOKE,
        {"input": {"role": "manager", "action": "customers.import", "storeId": gid("Store", 1)}},
        token=owner,
    )
    # then
    assert result["revokePermission"]["__typename"] == "AccessPolicySuccess"
    assert not await _explain(api, "manager1@dangol.test", 1, "customers.import")
    assert await _explain(api, "manager2@dangol.test", 2, "customers.import")
    denies = [r for r in await _rules() if r["v3"] == "deny"]
    assert denies == [
        {"ptype": "p", "v0": "manager", "v1": "store:1", "v2": "customers.import", "v3": "deny"}
    ]
    # and granting it back removes the deny
    await api.data(
        GRANT,
        {"input": {"role": "manager", "action": "customers.import", "storeId": gid("Store", 1)}},
        token=owner,
    )
    assert await _explain(api, "manager1@dangol.test", 1, "customers.import")
    assert [r for r in await _rules() if r["v3"] == "deny"] == []


async def test_staff_management_is_not_delegable(api: Api) -> None:
    owner = await api.token("owner1@dangol.test")
    result = await api.data(
        GRANT,
        {"input": {"role": "staff", "action": "staff.read", "storeId": gid("Store", 1)}},
        token=owner,
    )
    assert result["grantPermission"]["code"] == "NOT_DELEGABLE"


async def test_owner_cannot_delegate_beyond_what_the_policy_lets_owners_delegate(api: Api) -> None:
    # given
    owner = await api.token("owner1@dangol.test")
    before = await _rules()
    # when
    settlements = await api.data(
        GRANT,
        {"input": {"role": "staff", "action": "settlements.read", "storeId": gid("Store", 1)}},
        token=owner,
    )
    promote = await api.data(
        GRANT,
        {"input": {"role": "owner", "action": "orders.read", "storeId": gid("Store", 1)}},
        token=owner,
    )
    admin_only = await api.data(
        GRANT,
        {"input": {"role": "staff", "action": "store.create", "storeId": gid("Store", 1)}},
        token=owner,
    )
    everywhere = await api.gql(
        GRANT, {"input": {"role": "staff", "action": "orders.read"}}, token=owner
    )
    other_store = await api.data(
        GRANT,
        {"input": {"role": "staff", "action": "orders.read", "storeId": gid("Store", 2)}},
        token=owner,
    )
    # then
    assert settlements["grantPermission"]["code"] == "NOT_DELEGABLE"
    assert promote["grantPermission"]["code"] == "NOT_DELEGABLE"
    assert admin_only["grantPermission"]["code"] == "NOT_DELEGABLE"
    assert error_code(everywhere) == "FORBIDDEN"
    assert other_store["grantPermission"]["code"] == "NOT_FOUND"
    assert await _rules() == before


async def test_admin_assigns_and_unassigns_roles(api: Api) -> None:
    # given
    admin = await api.token("admin@dangol.test")
    staff2_id = await _account_id("staff2@dangol.test")
    # when staff2 becomes a manager of store 1 too
    result = await api.data(
        ASSIGN,
        {
            "input": {
                "accountId": gid("Account", staff2_id),
                "role": "manager",
                "storeId": gid("Store", 1),
            }
        },
        token=admin,
    )
    # then
    assert result["assignRole"]["__typename"] == "AccessPolicySuccess"
    staff2 = await api.token("staff2@dangol.test")
    me = await api.data("{ me { memberships { roles store { name } } } }", token=staff2)
    assert {"roles": ["manager"], "store": {"name": "카페 단골 성수점"}} in me["me"]["memberships"]
    # and unassigning takes it away again
    await api.data(
        UNASSIGN,
        {
            "input": {
                "accountId": gid("Account", staff2_id),
                "role": "manager",
                "storeId": gid("Store", 1),
            }
        },
        token=admin,
    )
    me = await api.data("{ me { memberships { store { name } } } }", token=staff2)
    assert me["me"]["memberships"] == [{"store": {"name": "성수 베이커리"}}]


async def test_unassigning_the_last_owner_is_refused(api: Api) -> None:
    admin = await api.token("admin@dangol.test")
    owner_id = await _account_id("owner1@dangol.test")
    result = await api.data(
        UNASSIGN,
        {
            "input": {
                "accountId": gid("Account", owner_id),
                "role": "owner",
                "storeId": gid("Store", 1),
            }
        },
        token=admin,
    )
    assert result["unassignRole"]["code"] == "LAST_OWNER"


async def test_bad_policy_input_is_a_typed_error(api: Api) -> None:
    admin = await api.token("admin@dangol.test")
    role = await api.data(
        GRANT, {"input": {"role": "wizard", "action": "orders.read"}}, token=admin
    )
    action = await api.data(
        GRANT, {"input": {"role": "staff", "action": "orders.fly"}}, token=admin
    )
    assign = await api.data(
        ASSIGN,
        {"input": {"accountId": gid("Account", 9999), "role": "staff", "storeId": gid("Store", 1)}},
        token=admin,
    )
    assert (role["grantPermission"]["code"], role["grantPermission"]["field"]) == (
        "INVALID_INPUT",
        "role",
    )
    assert (action["grantPermission"]["code"], action["grantPermission"]["field"]) == (
        "INVALID_INPUT",
        "action",
    )
    assert assign["assignRole"]["code"] == "NOT_FOUND"


async def test_explain_access_names_the_deciding_rule(api: Api) -> None:
    # given
    admin = await api.token("admin@dangol.test")
    staff_id = gid("Account", await _account_id("staff1@dangol.test"))
    # when
    allowed = await api.data(
        EXPLAIN,
        {"account": staff_id, "store": gid("Store", 1), "action": "orders.create"},
        token=admin,
    )
    refused = await api.data(
        EXPLAIN,
        {"account": staff_id, "store": gid("Store", 1), "action": "settlements.read"},
        token=admin,
    )
    other = await api.data(
        EXPLAIN,
        {"account": staff_id, "store": gid("Store", 2), "action": "orders.create"},
        token=admin,
    )
    # then
    assert allowed["explainAccess"] == {
        "allowed": True,
        "rule": ["staff", "*", "orders.create", "allow"],
        "reason": "allowed by p, staff, *, orders.create, allow",
    }
    assert refused["explainAccess"]["allowed"] is False and refused["explainAccess"]["rule"] is None
    assert other["explainAccess"]["allowed"] is False


async def test_access_policy_lists_roles_and_assignments(api: Api) -> None:
    admin = await api.token("admin@dangol.test")
    owner = await api.token("owner1@dangol.test")
    everything = (await api.data(POLICY, {}, token=admin))["accessPolicy"]
    store1 = (await api.data(POLICY, {"store": gid("Store", 1)}, token=owner))["accessPolicy"]
    roles = {r["role"]: r["actions"] for r in everything["roles"]}
    assert "settlements.read" in roles["owner"] and "settlements.read" not in roles["manager"]
    assert "rewards.approve" in roles["staff"] and "points.adjust" not in roles["staff"]
    assert len(everything["assignments"]) == 7
    assert {a["role"] for a in store1["assignments"]} == {"owner", "manager", "staff"}
    assert all(a["storeId"] == gid("Store", 1) for a in store1["assignments"])
    assert error_code(await api.gql(POLICY, {}, token=owner)) == "FORBIDDEN"


async def test_policy_changes_are_audited(api: Api) -> None:
    admin = await api.token("admin@dangol.test")
    await api.data(REVOKE, {"input": {"role": "staff", "action": "orders.cancel"}}, token=admin)
    log = await api.data(
        "{ auditLog(first: 1) { edges { node { action targetId before actorEmail } } } }",
        token=admin,
    )
    entry = log["auditLog"]["edges"][0]["node"]
    assert entry["action"] == "policy.revoke" and entry["targetId"] == "staff"
    assert entry["before"] == {"role": "staff", "action": "orders.cancel", "domain": "*"}
    assert entry["actorEmail"] == "admin@dangol.test"


async def test_the_answer_to_a_change_shows_the_policy_as_changed(api: Api) -> None:
    # given
    admin = await api.token("admin@dangol.test")
    document = """
    mutation ($input: PermissionInput!) {
      revokePermission(input: $input) {
        ... on AccessPolicySuccess { policy { version roles { role actions } } }
      }
    }"""
    before = (await api.data(POLICY, {}, token=admin))["accessPolicy"]
    # when
    result = await api.data(
        document, {"input": {"role": "manager", "action": "staff.read"}}, token=admin
    )
    # then
    policy = result["revokePermission"]["policy"]
    manager = next(r["actions"] for r in policy["roles"] if r["role"] == "manager")
    assert "staff.read" not in manager
    assert policy["version"] == before["version"] + 1


PRODUCTS = "query ($id: ID!) { store(id: $id) { products(first: 1) { edges { node { id } } } } }"


async def test_a_store_deny_never_locks_out_the_platform_admin(api: Api) -> None:
    # given the admin also holds the staff role in store 1
    admin = await api.token("admin@dangol.test")
    admin_id = await _account_id("admin@dangol.test")
    assigned = await api.data(
        ASSIGN,
        {
            "input": {
                "accountId": gid("Account", admin_id),
                "role": "staff",
                "storeId": gid("Store", 1),
            }
        },
        token=admin,
    )
    assert assigned["assignRole"]["__typename"] == "AccessPolicySuccess"
    owner = await api.token("owner1@dangol.test")
    staff = await api.token("staff1@dangol.test")
    # when the owner denies that role an action in the store
    revoked = await api.data(
        REVOKE,
        {"input": {"role": "staff", "action": "products.read", "storeId": gid("Store", 1)}},
        token=owner,
    )
    assert revoked["revokePermission"]["__typename"] == "AccessPolicySuccess"
    # then the store's staff lose it, the admin does not
    assert error_code(await api.gql(PRODUCTS, {"id": gid("Store", 1)}, token=staff)) == "FORBIDDEN"
    as_admin = await api.gql(PRODUCTS, {"id": gid("Store", 1)}, token=admin)
    assert as_admin.get("errors") is None, as_admin
    assert await _explain(api, "admin@dangol.test", 1, "products.read")
    # and the admin restores the store's policy
    restored = await api.data(
        GRANT,
        {"input": {"role": "staff", "action": "products.read", "storeId": gid("Store", 1)}},
        token=admin,
    )
    assert restored["grantPermission"]["__typename"] == "AccessPolicySuccess"
    assert (await api.gql(PRODUCTS, {"id": gid("Store", 1)}, token=staff)).get("errors") is None


async def test_a_store_cannot_restrict_the_admin_role(api: Api) -> None:
    owner = await api.token("owner1@dangol.test")
    admin = await api.token("admin@dangol.test")
    for token in (owner, admin):
        before = await _rules()
        result = await api.data(
            REVOKE,
            {"input": {"role": "admin", "action": "products.read", "storeId": gid("Store", 1)}},
            token=token,
        )
        assert result["revokePermission"]["__typename"] in {"NotDelegable", "InvalidInput"}
        assert await _rules() == before
