"""Every alert goes out through the accounts' notification settings: redemption approvals
follow them; new-order alerts cannot be switched off."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from models.accounts import Account
from models.customers import StoreAlert
from models.notifications import NotificationKind, NotificationPreference
from models.outbox import OutboxMessage
from tests.client import Api
from tests.orders import factories as f
from tests.points import helpers
from tests.rewards import helpers as rewards

UPDATE = """
mutation ($settings: [NotificationSettingInput!]!) {
  updateNotificationSettings(input: {settings: $settings}) { __typename }
}
"""


async def _alerted(kind: NotificationKind) -> set[str]:
    emails: list[Any] = await StoreAlert.filter(kind=kind.value).values_list(
        "recipient__email", flat=True
    )
    return set(emails)


async def test_a_redemption_to_approve_alerts_those_who_did_not_switch_it_off(api: Api) -> None:
    # given the manager switched redemption-approval alerts off
    manager = await api.token("manager1@dangol.test")
    switched = await api.data(
        UPDATE, {"settings": [{"kind": "REWARD_APPROVAL", "enabled": False}]}, token=manager
    )
    assert switched["updateNotificationSettings"]["__typename"] == (
        "UpdateNotificationSettingsSuccess"
    )
    customer = await helpers.customer()
    await helpers.give(customer, 100)
    reward = await rewards.reward(cost_points=100, requires_approval=True)
    # when a redemption waits for approval
    result = await rewards.redeem(api, await helpers.staff(api), customer, reward.id)
    # then the owner and the staff are alerted and messaged, the manager neither
    assert result["redemption"]["status"] == "PENDING"
    told = {"owner1@dangol.test", "staff1@dangol.test"}
    assert await _alerted(NotificationKind.REWARD_APPROVAL) == told
    messaged = await OutboxMessage.filter(kind="redemption_approval_needed").values_list(
        "account_id", flat=True
    )
    emails = await Account.filter(id__in=list(messaged)).values_list("email", flat=True)
    assert len(messaged) == 2 and set(emails) == told


async def test_an_online_order_alerts_everyone_even_against_a_stored_opt_out(api: Api) -> None:
    # given a manager whose settings say no to new orders (a row the API would refuse to write)
    manager = await Account.get(email="manager1@dangol.test")
    await NotificationPreference.create(
        account_id=manager.id, kind=NotificationKind.NEW_ORDER, enabled=False
    )
    staff = await helpers.staff(api)
    coffee = await f.product(price=4500)
    pickup_at = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    # when a pickup order arrives, and one is rung up at the counter
    online = await f.create_order(
        api, staff, f.order_input(1, [(coffee.id, 1)], channel="PICKUP", pickupAt=pickup_at)
    )
    counter = await f.create_order(api, staff, f.order_input(1, [(coffee.id, 1)]))
    # then the pickup order alerted the owner, the manager and the staff; the counter order none
    assert online["__typename"] == counter["__typename"] == "OrderSuccess"
    assert await _alerted(NotificationKind.NEW_ORDER) == {
        "owner1@dangol.test",
        "manager1@dangol.test",
        "staff1@dangol.test",
    }
    payloads: list[Any] = await StoreAlert.filter(kind="NEW_ORDER").values_list(
        "payload", flat=True
    )
    assert {payload["order_id"] for payload in payloads} == {f.pk(online["order"]["id"])}
