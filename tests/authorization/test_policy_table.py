"""The access policy itself, as a table: who × action × store, asked of ``PolicyEngine``.

Stores 1 and 12 both exist so that a domain matched by prefix ("store:1" in
"store:12") would show up as a wrong answer.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.database import write_transaction
from models.accounts import Account
from models.stores import Membership, Store, StoreCategory
from policies.catalogue import actions, role_actions
from policies.enforcement import PolicyEngine, Principal
from resolvers.roles import add_role, bump_version
from tests.client import Api, gid

ALLOW, DENY = True, False
PLATFORM = None
PARTNER_KEY_ACTIONS = frozenset({"orders.read", "customers.create", "points.adjust"})


@dataclass
class PolicyWorld:
    principals: dict[str, Principal]
    stores: dict[int, int]  # demo number -> id; 1, 2 and 12


async def build_world() -> PolicyWorld:
    """The demo data plus stores up to id 12, store 12 with an owner and a staff member."""
    while (last := await Store.all().order_by("-id").first()) is None or last.id < 12:
        await Store.create(name="Filler", category=StoreCategory.CAFE, commercial_area="성수동")
    store12 = await Store.get(id=12)
    async with write_transaction():
        for role in ("owner", "staff"):
            account = await Account.create(
                email=f"{role}12@dangol.test", name=f"{role} 12", password_hash="!"
            )
            await Membership.create(store=store12, account=account)
            await add_role(account.id, role, store12.id)
        await bump_version()
    principals = {}
    for email in ("admin", "owner1", "manager1", "staff1", "owner2", "owner12", "staff12"):
        account = await Account.get(email=f"{email}@dangol.test")
        principals[email] = Principal(account_id=account.id)
    stores = {
        number: (await Membership.get(account__email=f"owner{number}@dangol.test")).store_id
        for number in (1, 2, 12)
    }
    assert stores[12] == 12 and stores[1] == 1
    for number in (1, 12):
        principals[f"partner{number}"] = Principal(
            api_key_id=1000 + number,
            api_key_store_id=stores[number],
            api_key_actions=PARTNER_KEY_ACTIONS,
        )
    return PolicyWorld(principals, stores)


async def engine() -> PolicyEngine:
    policy = PolicyEngine()
    await policy.sync()
    return policy


def mismatches(policy: PolicyEngine, world: PolicyWorld, table: list[tuple]) -> list[str]:
    found = []
    for who, action, store, expected in table:
        store_id = None if store is PLATFORM else world.stores[store]
        allowed = policy.allows(world.principals[who], action, store_id)
        if allowed != expected:
            where = "platform" if store is PLATFORM else f"store {store}"
            found.append(f"{who} {action} in {where}: expected {expected}, got {allowed}")
    return found


# who, action, store (demo number or PLATFORM), allowed
ROLE_TABLE: list[tuple[str, str, int | None, bool]] = [
    # admin: every action, every store, and platform-wide
    ("admin", "settlements.resolve", 1, ALLOW),
    ("admin", "settlements.resolve", 12, ALLOW),
    ("admin", "store.create", PLATFORM, ALLOW),
    ("admin", "audit.read_all", PLATFORM, ALLOW),
    ("admin", "points.adjust", 12, ALLOW),
    ("admin", "policy.assign_role", 2, ALLOW),
    # owner: settlements, policy, point adjustments, staff management; own store only
    ("owner1", "settlements.read", 1, ALLOW),
    ("owner1", "settlements.dispute", 1, ALLOW),
    ("owner1", "policy.grant", 1, ALLOW),
    ("owner1", "points.adjust", 1, ALLOW),
    ("owner1", "staff.invite", 1, ALLOW),
    ("owner1", "staff.deactivate", 1, ALLOW),
    ("owner1", "customers.reveal_pii", 1, ALLOW),
    ("owner1", "settlements.resolve", 1, DENY),
    ("owner1", "policy.assign_role", 1, DENY),
    ("owner1", "store.create", PLATFORM, DENY),
    ("owner1", "store.read", PLATFORM, DENY),
    ("owner1", "audit.read_all", 1, DENY),
    ("owner1", "store.read", 12, DENY),
    ("owner1", "settlements.read", 12, DENY),
    ("owner1", "staff.invite", 12, DENY),
    ("owner1", "store.read", 2, DENY),
    ("owner12", "store.read", 12, ALLOW),
    ("owner12", "settlements.read", 12, ALLOW),
    ("owner12", "store.read", 1, DENY),
    ("owner12", "staff.invite", 1, DENY),
    ("owner2", "store.update", 2, ALLOW),
    ("owner2", "store.update", 1, DENY),
    # manager: sees all the store's data, schedules staff, no settlements
    ("manager1", "customers.read", 1, ALLOW),
    ("manager1", "orders.refund", 1, ALLOW),
    ("manager1", "analytics.kpis", 1, ALLOW),
    ("manager1", "staff.read", 1, ALLOW),
    ("manager1", "tasks.manage", 1, ALLOW),
    ("manager1", "settlements.read", 1, DENY),
    ("manager1", "settlements.download", 1, DENY),
    ("manager1", "settlements.dispute", 1, DENY),
    ("manager1", "points.adjust", 1, DENY),
    ("manager1", "staff.invite", 1, DENY),
    ("manager1", "staff.change_role", 1, DENY),
    ("manager1", "policy.grant", 1, DENY),
    ("manager1", "customers.read", 12, DENY),
    # staff: orders and reward approvals
    ("staff1", "orders.create", 1, ALLOW),
    ("staff1", "orders.advance", 1, ALLOW),
    ("staff1", "orders.cancel", 1, ALLOW),
    ("staff1", "rewards.approve", 1, ALLOW),
    ("staff1", "customers.read", 1, ALLOW),
    ("staff1", "tasks.complete", 1, ALLOW),
    ("staff1", "customers.reveal_pii", 1, DENY),
    ("staff1", "orders.refund", 1, DENY),
    ("staff1", "settlements.read", 1, DENY),
    ("staff1", "points.adjust", 1, DENY),
    ("staff1", "staff.read", 1, DENY),
    ("staff1", "policy.read", 1, DENY),
    ("staff1", "orders.advance", 12, DENY),
    ("staff12", "orders.advance", 12, ALLOW),
    ("staff12", "orders.advance", 1, DENY),
    # partner keys: their key's actions, within the partner role, in the key's store only
    ("partner1", "orders.read", 1, ALLOW),
    ("partner1", "customers.create", 1, ALLOW),
    ("partner1", "customers.read", 1, DENY),  # the partner role has it, the key does not
    ("partner1", "points.adjust", 1, DENY),  # the key lists it, the partner role has it not
    ("partner1", "orders.read", 12, DENY),
    ("partner1", "orders.read", 2, DENY),
    ("partner1", "orders.read", PLATFORM, DENY),
    ("partner12", "orders.read", 12, ALLOW),
    ("partner12", "orders.read", 1, DENY),
]


async def test_roles_actions_and_stores_answer_as_the_table_says(app: object) -> None:
    world = await build_world()
    policy = await engine()
    failures = mismatches(policy, world, ROLE_TABLE)
    assert not failures, "\n".join(failures)


async def test_each_role_holds_its_actions_in_its_store_and_nothing_elsewhere(app: object) -> None:
    world = await build_world()
    policy = await engine()
    table: list[tuple[str, str, int | None, bool]] = []
    for action in sorted(actions()):
        for who, role, home, away in (
            ("owner1", "owner", 1, 12),
            ("owner12", "owner", 12, 1),
            ("manager1", "manager", 1, 12),
            ("staff1", "staff", 1, 12),
            ("staff12", "staff", 12, 1),
        ):
            table.append((who, action, home, action in role_actions(role)))
            table.append((who, action, away, DENY))
            table.append((who, action, 2, DENY))
            table.append((who, action, PLATFORM, DENY))
        for store in (1, 2, 12, PLATFORM):
            table.append(("admin", action, store, ALLOW))
    failures = mismatches(policy, world, table)
    assert not failures, "\n".join(failures)
    # the product's rules, whatever the policy file says
    assert not {a for a in role_actions("manager") if a.startswith("settlements.")}
    staff_actions = role_actions("staff")
    assert {"orders.advance", "rewards.approve"} <= staff_actions
    assert not {
        a
        for a in staff_actions
        if a.startswith(("settlements.", "policy.", "staff.")) or a == "points.adjust"
    }


REVOKE = """
mutation($input: PermissionInput!) {
  revokePermission(input: $input) { __typename ... on UserError { message } }
}
"""


async def test_a_store_level_deny_overrides_the_global_grant_only_in_that_store(api: Api) -> None:
    world = await build_world()
    before = [
        ("staff1", "customers.read", 1, ALLOW),
        ("staff12", "customers.read", 12, ALLOW),
        ("staff12", "orders.read", 12, ALLOW),
        ("staff1", "orders.read", 1, ALLOW),
        ("partner1", "orders.read", 1, ALLOW),
        ("partner12", "orders.read", 12, ALLOW),
    ]
    assert not mismatches(await engine(), world, before)

    owner1 = await api.token("owner1@dangol.test")
    admin = await api.token("admin@dangol.test")
    for token, role, action, store in (
        (owner1, "staff", "customers.read", 1),  # an owner customises their store
        (admin, "staff", "orders.read", 12),  # an admin customises store 12
        (owner1, "partner", "orders.read", 1),
    ):
        variables = {"input": {"role": role, "action": action, "storeId": gid("Store", store)}}
        result = (await api.data(REVOKE, variables, token=token))["revokePermission"]
        assert result["__typename"] == "AccessPolicySuccess", result

    policy = await engine()
    after = [
        ("staff1", "customers.read", 1, DENY),
        ("staff12", "customers.read", 12, ALLOW),  # "store:1" is not a prefix of "store:12"
        ("staff12", "orders.read", 12, DENY),
        ("staff1", "orders.read", 1, ALLOW),
        ("owner1", "customers.read", 1, ALLOW),  # only the staff role lost it
        ("owner12", "orders.read", 12, ALLOW),
        ("admin", "customers.read", 1, ALLOW),
        ("partner1", "orders.read", 1, DENY),
        ("partner12", "orders.read", 12, ALLOW),
        ("staff1", "customers.read", 2, DENY),  # still not staff1's store
    ]
    failures = mismatches(policy, world, after)
    assert not failures, "\n".join(failures)
    decision = policy.explain(
        f"account:{world.principals['staff1'].account_id}", 1, "customers.read"
    )
    assert (decision.allowed, decision.rule) == (
        False,
        ("staff", "store:1", "customers.read", "deny"),
    )
