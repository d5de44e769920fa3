"""Subscriptions over a real socket, with a graphql-transport-ws client: who may listen, to what."""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

import jwt
import pytest

from core.context import Context
from core.database import write_transaction
from core.security import AccessTokens
from core.settings import Settings
from models.accounts import Account
from models.notifications import NotificationKind
from models.stores import Membership
from policies.enforcement import Principal
from resolvers.alerts import raise_alert
from tests.client import Api, gid, new_key
from tests.conftest import with_settings
from tests.live.helpers import (
    LIVE_KPIS,
    ORDER_EVENTS,
    STOCK_ALERTS,
    new_order,
    store,
    until_subscribed,
)
from tests.orders.factories import advance
from tests.wsclient import Refused, graphql_socket, ws_url

REVOKE = """
mutation ($input: PermissionInput!) { revokePermission(input: $input) { __typename } }
"""
DEACTIVATE = """
mutation ($input: DeactivateStaffInput!) { deactivateStaff(input: $input) { __typename } }
"""


def _code(message: dict[str, Any]) -> str:
    errors = message["payload"] if message["type"] == "error" else message["payload"]["errors"]
    return str(errors[0]["extensions"]["code"])


async def test_a_connection_without_a_valid_token_is_refused(live_url: str) -> None:
    for token in (None, "not-a-token"):
        with pytest.raises(Refused) as refused:
            async with graphql_socket(ws_url(live_url), token):
                pass
        assert refused.value.code == 4403


async def test_ping_is_answered_with_pong(api: Api, live_url: str) -> None:
    owner = await api.token("owner1@dangol.test")
    async with graphql_socket(ws_url(live_url), owner) as socket:
        await socket.ping()
        assert await socket.receive() == {"type": "pong"}


async def test_queries_and_mutations_are_sent_over_http_not_the_socket(
    api: Api, live_url: str
) -> None:
    owner = await api.token("owner1@dangol.test")
    async with graphql_socket(ws_url(live_url), owner) as socket:
        operation = await socket.subscribe("{ me { account { email } } }")
        message = await socket.receive()
    assert message["type"] == "error" and message["id"] == operation
    assert _code(message) == "BAD_USER_INPUT"


async def test_order_events_follow_an_order_through_its_life(
    api: Api, app: Any, live_url: str
) -> None:
    # given the counter listens to store 1
    staff = await api.token("staff1@dangol.test")
    owner = await api.token("owner1@dangol.test")
    async with graphql_socket(ws_url(live_url), staff) as socket:
        await socket.subscribe(ORDER_EVENTS, store(1))
        await until_subscribed(app, 1)
        # when an order is created, confirmed and cancelled
        order_id = await new_order(api, owner, quantity=2)
        await advance(api, owner, order_id, "CONFIRMED")
        await api.data(
            "mutation($input: CancelOrderInput!) { cancelOrder(input: $input) { __typename } }",
            {"input": {"orderId": order_id, "idempotencyKey": new_key()}},
            token=owner,
        )
        events = [(await socket.receive())["payload"]["data"]["orderEvents"] for _ in range(3)]
    # then three events in order, each naming the order
    assert [(e["type"], e["status"], e["previousStatus"]) for e in events] == [
        ("CREATED", "RECEIVED", None),
        ("STATUS_CHANGED", "CONFIRMED", "RECEIVED"),
        ("CANCELLED", "CANCELLED", "CONFIRMED"),
    ]
    assert {e["order"]["id"] for e in events} == {order_id}
    assert events[0]["order"]["lines"] == [{"productName": "아메리카노", "quantity": 2}]
    assert len({e["eventId"] for e in events}) == 3


async def test_other_stores_events_never_reach_a_subscriber(
    api: Api, app: Any, live_url: str
) -> None:
    # given owner 1 listens to store 1, and asks for store 2 as well
    owner1 = await api.token("owner1@dangol.test")
    owner2 = await api.token("owner2@dangol.test")
    async with graphql_socket(ws_url(live_url), owner1) as socket:
        mine = await socket.subscribe(ORDER_EVENTS, store(1))
        theirs = await socket.subscribe(ORDER_EVENTS, store(2))
        absent = await socket.receive()
        complete = await socket.receive()
        await until_subscribed(app, 1)
        # when store 2 has an order, then store 1
        await new_order(api, owner2, store_id=2)
        own_order = await new_order(api, owner1)
        message = await socket.receive()
    # then store 2 is absent to owner 1 (null, then the end), and only store 1's order came
    assert absent == {"id": theirs, "type": "next", "payload": {"data": {"orderEvents": None}}}
    assert complete == {"id": theirs, "type": "complete"}
    assert message["id"] == mine
    assert message["payload"]["data"]["orderEvents"]["order"]["id"] == own_order


async def test_a_revoked_permission_stops_the_events_on_the_next_one(
    api: Api, app: Any, live_url: str
) -> None:
    # given staff 1 listens, and receives an order
    staff = await api.token("staff1@dangol.test")
    owner = await api.token("owner1@dangol.test")
    admin = await api.token("admin@dangol.test")
    async with graphql_socket(ws_url(live_url), staff) as socket:
        operation = await socket.subscribe(ORDER_EVENTS, store(1))
        await until_subscribed(app, 1)
        await new_order(api, owner)
        first = await socket.receive()
        # when the admin revokes subscriptions.orders from staff, and another order comes
        revoked = await api.data(
            REVOKE, {"input": {"role": "staff", "action": "subscriptions.orders"}}, token=admin
        )
        await new_order(api, owner)
        refused = await socket.receive()
        ended = await socket.receive()
    # then the second event is a FORBIDDEN error instead, and the subscription ends
    assert first["payload"]["data"]["orderEvents"]["type"] == "CREATED"
    assert revoked["revokePermission"]["__typename"] != "NotFound"
    assert refused["type"] == "next" and refused["payload"]["data"] == {"orderEvents": None}
    assert _code(refused) == "FORBIDDEN"
    assert ended == {"id": operation, "type": "complete"}


async def test_a_deactivated_account_stops_the_events_on_the_next_one(
    api: Api, app: Any, live_url: str
) -> None:
    # given staff 1 listens
    staff = await api.token("staff1@dangol.test")
    owner = await api.token("owner1@dangol.test")
    async with graphql_socket(ws_url(live_url), staff) as socket:
        await socket.subscribe(ORDER_EVENTS, store(1))
        await until_subscribed(app, 1)
        # when the owner deactivates staff 1 and an order comes
        membership = await Membership.get(account__email="staff1@dangol.test")
        done = await api.data(
            DEACTIVATE,
            {"input": {"staffMemberId": gid("StaffMember", membership.id)}},
            token=owner,
        )
        await new_order(api, owner)
        refused = await socket.receive()
    # then no event: the session has ended
    assert done["deactivateStaff"]["__typename"] == "StaffMemberSuccess"
    assert _code(refused) == "UNAUTHENTICATED"
    assert refused["payload"]["data"] == {"orderEvents": None}


async def test_an_expired_token_stops_the_events_on_the_next_one(
    api: Api, app: Any, live_url: str, settings: Settings
) -> None:
    # given the manager connects with a token of the same session that expires in 4 seconds
    owner = await api.token("owner1@dangol.test")
    token = await api.token("manager1@dangol.test")
    claims = jwt.decode(token, options={"verify_signature": False})
    short = AccessTokens(with_settings(settings, access_token_seconds=4)).issue(
        int(claims["sub"]), uuid.UUID(claims["sid"])
    )
    async with graphql_socket(ws_url(live_url), short) as socket:
        await socket.subscribe(ORDER_EVENTS, store(1))
        await until_subscribed(app, 1)
        await new_order(api, owner)
        first = await socket.receive()
        # when the token expires and another order comes
        await _after_expiry(short)
        await new_order(api, owner)
        refused = await socket.receive()
    # then
    assert first["payload"]["data"]["orderEvents"]["type"] == "CREATED"
    assert _code(refused) == "UNAUTHENTICATED"


async def _after_expiry(token: str) -> None:
    expires = jwt.decode(token, options={"verify_signature": False})["exp"]
    await asyncio.sleep(max(expires - time.time(), 0) + 1.1)


async def test_a_partner_key_listens_to_its_own_store(api: Api, app: Any, live_url: str) -> None:
    # given a partner key of store 1 allowed to listen to orders
    owner = await api.token("owner1@dangol.test")
    created = await api.data(
        """mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) {
          ... on CreateApiKeySuccess { secret } } }""",
        {
            "input": {
                "storeId": gid("Store", 1),
                "name": "POS",
                "actions": ["store.read", "subscriptions.orders"],
            }
        },
        token=owner,
    )
    key = created["createApiKey"]["secret"]
    async with graphql_socket(ws_url(live_url), key) as socket:
        await socket.subscribe(ORDER_EVENTS, store(1))
        other = await socket.subscribe(ORDER_EVENTS, store(2))
        absent = await socket.receive()
        ended = await socket.receive()
        await until_subscribed(app, 1)
        order_id = await new_order(api, owner)
        message = await socket.receive()
    # then its own store's orders reach it; store 2 is absent to it
    assert absent["id"] == other and absent["payload"]["data"] == {"orderEvents": None}
    assert ended == {"id": other, "type": "complete"}
    assert message["payload"]["data"]["orderEvents"]["order"]["id"] == order_id


async def test_a_stock_warning_alert_reaches_stock_subscribers(
    api: Api, app: Any, live_url: str
) -> None:
    # given the manager listens to store 1's stock alerts
    manager = await api.token("manager1@dangol.test")
    admin_id = (await Account.get(email="admin@dangol.test")).id
    ctx = Context.for_principal(app.state.services, Principal(account_id=admin_id))
    async with graphql_socket(ws_url(live_url), manager) as socket:
        await socket.subscribe(STOCK_ALERTS, store(1))
        await until_subscribed(app, 1)
        # when the inventory raises a stock warning (and another one rolls back)
        try:
            async with write_transaction():
                await raise_alert(
                    ctx,
                    store_id=1,
                    kind=NotificationKind.STOCK_WARNING,
                    payload={"stock_item_id": 99, "message": "두유 재고 부족"},
                )
                raise RuntimeError("rolled back")
        except RuntimeError:
            pass
        async with write_transaction():
            await raise_alert(
                ctx,
                store_id=1,
                kind=NotificationKind.STOCK_WARNING,
                payload={"stock_item_id": 7, "message": "우유 30% 이하", "remaining_percent": 25},
            )
        message = await socket.receive()
    # then only the committed one arrives
    alert = message["payload"]["data"]["stockAlerts"]
    assert alert["stockItemId"] == gid("StockItem", 7)
    assert alert["message"] == "우유 30% 이하"
    assert alert["detail"] == {
        "stockItemId": gid("StockItem", 7),
        "message": "우유 30% 이하",
        "remainingPercent": 25,
    }


async def test_staff_may_not_listen_to_kpis(api: Api, live_url: str) -> None:
    staff = await api.token("staff1@dangol.test")
    async with graphql_socket(ws_url(live_url), staff) as socket:
        operation = await socket.subscribe(LIVE_KPIS, store(1))
        message = await socket.receive()
    assert message["type"] == "error" and message["id"] == operation
    assert _code(message) == "FORBIDDEN"
    assert "locations" in message["payload"][0] and "stack" not in str(message)


async def test_a_subscription_over_http_is_refused(api: Api) -> None:
    owner = await api.token("owner1@dangol.test")
    response = await api.post(ORDER_EVENTS, store(1), token=owner)
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


async def test_losing_ones_role_in_the_store_ends_the_subscription_as_absent(
    api: Api, app: Any, live_url: str
) -> None:
    # given the manager listens
    manager = await api.token("manager1@dangol.test")
    owner = await api.token("owner1@dangol.test")
    admin = await api.token("admin@dangol.test")
    manager_id = (await Account.get(email="manager1@dangol.test")).id
    async with graphql_socket(ws_url(live_url), manager) as socket:
        operation = await socket.subscribe(ORDER_EVENTS, store(1))
        await until_subscribed(app, 1)
        # when the admin takes the manager's role in store 1 away, and an order comes
        removed = await api.data(
            """mutation($input: RoleAssignmentInput!) { unassignRole(input: $input) {
              __typename } }""",
            {
                "input": {
                    "accountId": gid("Account", manager_id),
                    "role": "manager",
                    "storeId": gid("Store", 1),
                }
            },
            token=admin,
        )
        await new_order(api, owner)
        absent = await socket.receive()
        ended = await socket.receive()
    # then the store is no longer there for them: null, and the end
    assert removed["unassignRole"]["__typename"] != "NotFound", removed
    assert absent == {"id": operation, "type": "next", "payload": {"data": {"orderEvents": None}}}
    assert ended == {"id": operation, "type": "complete"}
