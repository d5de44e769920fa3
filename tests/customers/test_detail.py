from __future__ import annotations

from datetime import UTC, datetime, timedelta

from models.orders import OrderStatus
from tests.client import Api, gid
from tests.customers import factories
from tests.customers.helpers import owner
from tests.orders import factories as order_factories

DETAIL = """
query($id: ID!) { node(id: $id) { id ... on Customer {
  name phone segments tags gender sourceChannel marketingConsent
  visits { count totalPaid averageSpend firstVisitAt lastVisitAt }
  orders(first: 2) { edges { node { id total } } pageInfo { hasNextPage } }
} } }
"""


async def test_customer_detail_shows_visits_and_their_orders_newest_first(api: Api) -> None:
    # given
    now = datetime.now(UTC)
    customer = await factories.customer(
        1,
        name="김민수",
        visit_count=3,
        total_paid=30000,
        first_visit_at=now - timedelta(days=60),
        last_visit_at=now - timedelta(days=1),
    )
    orders = [
        await order_factories.order(1, customer_id=customer.id, status=OrderStatus.COMPLETED)
        for _ in range(3)
    ]
    await order_factories.order(1)
    # when
    node = (await api.data(DETAIL, {"id": gid("Customer", customer.id)}, token=await owner(api)))[
        "node"
    ]
    # then
    assert node["name"] == "김민수"
    assert node["visits"]["count"] == 3 and node["visits"]["averageSpend"] == 10000
    assert [e["node"]["id"] for e in node["orders"]["edges"]] == [
        gid("Order", o.id) for o in orders[::-1][:2]
    ]
    assert node["orders"]["pageInfo"]["hasNextPage"] is True
    assert "REGULAR" not in node["segments"] and "LOW_FREQUENCY" in node["segments"]
