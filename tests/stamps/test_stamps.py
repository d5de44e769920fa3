from __future__ import annotations

from models.outbox import OutboxMessage
from models.rewards import StampBalance, StampCard, StampEntry, StampRule
from tests.authorization.table import changes, snapshot
from tests.checkout import loyalty as lo
from tests.client import Api, gid, new_key
from tests.orders import factories as f

CONFIGURE = """
mutation($input: ConfigureStampCardInput!) {
  configureStampCard(input: $input) {
    __typename ... on StampCardSuccess { card { stampsRequired rule amountPerStamp } }
      ... on UserError { code field }
  }
}
"""


async def test_an_owner_configures_the_card(api: Api) -> None:
    # given
    token = await api.token("owner1@dangol.test")
    variables = {
        "input": {
            "storeId": gid("Store", 1),
            "stampsRequired": 10,
            "rule": "PER_AMOUNT",
            "amountPerStamp": 5000,
        }
    }
    # when
    result = (await api.data(CONFIGURE, variables, token=token))["configureStampCard"]
    # then
    assert result["card"] == {"stampsRequired": 10, "rule": "PER_AMOUNT", "amountPerStamp": 5000}


async def test_bad_cards_are_typed_errors_and_a_manager_is_forbidden(api: Api) -> None:
    # given
    owner = await api.token("owner1@dangol.test")
    manager = await api.token("manager1@dangol.test")
    before = await snapshot()
    # when
    no_amount = await api.data(
        CONFIGURE,
        {"input": {"storeId": gid("Store", 1), "stampsRequired": 10, "rule": "PER_AMOUNT"}},
        token=owner,
    )
    zero = await api.data(
        CONFIGURE, {"input": {"storeId": gid("Store", 1), "stampsRequired": 0}}, token=owner
    )
    denied = await api.gql(
        CONFIGURE, {"input": {"storeId": gid("Store", 1), "stampsRequired": 5}}, token=manager
    )
    # then
    assert no_amount["configureStampCard"]["field"] == "amountPerStamp"
    assert zero["configureStampCard"]["__typename"] == "InvalidInput"
    assert denied["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert changes(before, await snapshot()) == []


async def test_completion_stamps_by_the_rule_and_a_new_customer_hears_of_the_card(api: Api) -> None:
    # given
    await StampCard.create(
        store_id=1, stamps_required=10, rule=StampRule.PER_AMOUNT, amount_per_stamp=5000
    )
    customer = await f.customer()
    token = await api.token("staff1@dangol.test")
    # when
    await lo.completed_order(api, token, customer, price=12000)
    await lo.completed_order(api, token, customer, price=5000)
    # then
    assert (await StampBalance.get(customer_id=customer)).stamps == 3
    entries = (
        await StampEntry.filter(customer_id=customer)
        .order_by("id")
        .values_list("amount", "balance_after")
    )
    assert entries == [(2, 2), (1, 3)]
    assert await OutboxMessage.filter(customer_id=customer, kind="stamp_card.welcome").count() == 1


async def test_per_item_stamps_count_the_qualifying_units_and_a_full_refund_takes_them_back(
    api: Api,
) -> None:
    # given
    latte = await f.product(name="라떼", price=5000)
    cookie = await f.product(name="쿠키", price=2000)
    await StampCard.create(store_id=1, stamps_required=10, rule=StampRule.PER_ITEM, product=latte)
    customer = await f.customer()
    token = await api.token("owner1@dangol.test")
    made = await lo.checkout(api, token, [(latte.id, 3), (cookie.id, 2)], customer_id=customer)
    await f.complete(api, token, made["order"]["id"])
    stamped = (await StampBalance.get(customer_id=customer)).stamps
    refund = "mutation($input: RefundOrderInput!) { refundOrder(input: $input) { __typename } }"
    # when
    await api.data(
        refund,
        {"input": {"orderId": made["order"]["id"], "idempotencyKey": new_key()}},
        token=token,
    )
    # then
    assert stamped == 3
    assert (await StampBalance.get(customer_id=customer)).stamps == 0
    assert await StampEntry.filter(customer_id=customer).order_by("id").values_list(
        "amount", flat=True
    ) == [3, -3]


async def test_a_customer_shows_stamps_tier_history_and_coupons(api: Api) -> None:
    # given
    await StampCard.create(store_id=1, stamps_required=2, rule=StampRule.PER_VISIT)
    gold = await lo.tier(rank=1, name="Gold", min_amount=1000)
    customer = await f.customer()
    coupon = await lo.coupon(customer)
    token = await api.token("staff1@dangol.test")
    for _ in range(2):
        await lo.completed_order(api, token, customer, price=5000)
    query = """query($id: ID!) { node(id: $id) { ... on Customer {
      stampCard { stamps required rewardsAvailable } tier { name }
      tierHistory { edges { node { reason toTierId } } }
      coupons { edges { node { id } } } } } }"""
    # when
    found = (await api.data(query, {"id": gid("Customer", customer)}, token=token))["node"]
    # then
    assert found["stampCard"] == {"stamps": 2, "required": 2, "rewardsAvailable": 1}
    assert found["tier"] == {"name": "Gold"}
    assert [e["node"] for e in found["tierHistory"]["edges"]] == [
        {"reason": "UPGRADE_ON_ORDER", "toTierId": gid("Tier", gold.id)}
    ]
    assert [e["node"] for e in found["coupons"]["edges"]] == [{"id": gid("Coupon", coupon.id)}]


async def test_a_customers_coupons_page_with_keyset_cursors(api: Api) -> None:
    # given five coupons expiring on different days, two on the same day
    customer = await f.customer()
    made = [await lo.coupon(customer, days=days) for days in (30, 10, 20, 10, 40)]
    token = await api.token("staff1@dangol.test")
    query = """query($id: ID!, $after: String) { node(id: $id) { ... on Customer {
      coupons(first: 2, after: $after) {
        edges { node { id } } pageInfo { hasNextPage endCursor } } } } }"""
    # when
    seen, after = [], None
    while True:
        page = (
            await api.data(query, {"id": gid("Customer", customer), "after": after}, token=token)
        )["node"]["coupons"]
        seen += [e["node"]["id"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    # then soonest to expire first, ties by id, each once
    by_expiry = sorted(made, key=lambda c: (c.expires_at, c.id))
    assert seen == [gid("Coupon", c.id) for c in by_expiry]


async def test_a_customers_stamp_history_pages_newest_first(api: Api) -> None:
    # given three completed visits on a per-visit card
    await StampCard.create(store_id=1, stamps_required=10, rule=StampRule.PER_VISIT)
    customer = await f.customer()
    token = await api.token("staff1@dangol.test")
    orders = [(await lo.completed_order(api, token, customer, price=5000))["id"] for _ in range(3)]
    query = """query($id: ID!, $after: String) { node(id: $id) { ... on Customer {
      stampHistory(first: 2, after: $after) { totalCount
        edges { node { amount balanceAfter reason orderId } } pageInfo { endCursor } } } } }"""
    # when
    first = (await api.data(query, {"id": gid("Customer", customer)}, token=token))["node"]
    after = first["stampHistory"]["pageInfo"]["endCursor"]
    second = (
        await api.data(query, {"id": gid("Customer", customer), "after": after}, token=token)
    )["node"]
    # then
    seen = [e["node"] for e in first["stampHistory"]["edges"] + second["stampHistory"]["edges"]]
    assert [(e["balanceAfter"], e["orderId"]) for e in seen] == [
        (3, orders[2]),
        (2, orders[1]),
        (1, orders[0]),
    ]
    assert {e["amount"] for e in seen} == {1}
    assert first["stampHistory"]["totalCount"] == 3
