from __future__ import annotations

from models.orders import OrderChannel, OrderStatus
from tests.client import Api, gid
from tests.orders import factories as f
from tests.statements import recorded

ORDERS = """
query($id: ID!, $first: Int, $after: String, $filter: OrderFilter) {
  store(id: $id) {
    orders(first: $first, after: $after, filter: $filter) {
      edges { node { id status channel total customerId createdBy { email }
                     lines { productName quantity product { name } } } }
      pageInfo { hasNextPage endCursor }
    }
  }
}
"""
NODE = "query($id: ID!) { node(id: $id) { id ... on Order { status total } } }"


async def _page(api: Api, token: str, **variables: object) -> dict:
    return (await api.data(ORDERS, {"id": gid("Store", 1), **variables}, token=token))["store"][
        "orders"
    ]


async def test_orders_come_newest_first_page_by_page(api: Api) -> None:
    # given
    made = [await f.order() for _ in range(5)]
    token = await api.token("staff1@dangol.test")
    # when
    first = await _page(api, token, first=2)
    second = await _page(api, token, first=2, after=first["pageInfo"]["endCursor"])
    third = await _page(api, token, first=2, after=second["pageInfo"]["endCursor"])
    # then
    ids = [e["node"]["id"] for page in (first, second, third) for e in page["edges"]]
    assert ids == [gid("Order", o.id) for o in reversed(made)]
    assert (first["pageInfo"]["hasNextPage"], third["pageInfo"]["hasNextPage"]) == (True, False)


async def test_orders_filter_by_status_channel_and_customer(api: Api) -> None:
    # given
    customer = await f.customer()
    ready = await f.order(status=OrderStatus.READY)
    theirs = await f.order(customer_id=customer)
    await f.order(f.STORE_2, customer_id=await f.customer(f.STORE_2))
    token = await api.token("owner1@dangol.test")
    # when
    by_status = await _page(api, token, filter={"status": "READY"})
    by_channel = await _page(api, token, filter={"channel": "DELIVERY"})
    by_customer = await _page(api, token, filter={"customerId": gid("Customer", customer)})
    # then
    assert [e["node"]["id"] for e in by_status["edges"]] == [gid("Order", ready.id)]
    assert by_channel["edges"] == []
    assert [e["node"]["customerId"] for e in by_customer["edges"]] == [gid("Customer", customer)]
    assert [e["node"]["id"] for e in by_customer["edges"]] == [gid("Order", theirs.id)]
    assert OrderChannel.IN_STORE.value == by_status["edges"][0]["node"]["channel"]


async def test_a_page_costs_the_same_statements_whatever_its_size(api: Api) -> None:
    # given
    for _ in range(12):
        await f.order()
    token = await api.token("owner1@dangol.test")
    await _page(api, token, first=1)
    # when
    with recorded() as small:
        await _page(api, token, first=2)
    with recorded() as large:
        page = await _page(api, token, first=12)
    # then
    assert len(page["edges"]) == 12
    assert small
    assert len(large) == len(small), (small, large)


async def test_an_order_is_a_node_of_its_store_only(api: Api) -> None:
    # given
    mine = await f.order()
    theirs = await f.order(f.STORE_2)
    token = await api.token("owner1@dangol.test")
    # when
    found = (await api.data(NODE, {"id": gid("Order", mine.id)}, token=token))["node"]
    hidden = (await api.data(NODE, {"id": gid("Order", theirs.id)}, token=token))["node"]
    # then
    assert found == {"id": gid("Order", mine.id), "status": "RECEIVED", "total": 9000}
    assert hidden is None
