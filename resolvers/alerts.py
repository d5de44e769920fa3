"""Alerts to a store's people, as each account chose (A7): one way for every kind of alert.

Mandatory kinds (new orders, stock warnings) reach every recipient; the others
reach those who have not switched them off. Call ``raise_alert`` inside the
transaction of the event, so a rolled-back event alerts nobody.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from core.context import Context
from models.customers import StoreAlert
from models.notifications import MANDATORY_KINDS, NotificationKind, NotificationPreference
from models.webhooks import EventType
from policies.catalogue import MANAGER, OWNER, account_subject
from resolvers import events

ACCOUNT_PREFIX = account_subject(0).removesuffix("0")


async def recipients(
    ctx: Context, *, store_id: int, kind: NotificationKind, roles: Iterable[str] = (OWNER, MANAGER)
) -> list[int]:
    """The accounts holding one of ``roles`` in the store who receive ``kind``."""
    policy = await ctx.current_policy()
    holders = sorted(
        {
            int(subject.removeprefix(ACCOUNT_PREFIX))
            for role in roles
            for subject in policy.subjects_with_role(role, store_id)
            if subject.startswith(ACCOUNT_PREFIX)
        }
    )
    if kind in MANDATORY_KINDS or not holders:
        return holders
    switched_off: list[Any] = await NotificationPreference.filter(
        account_id__in=holders, kind=kind, enabled=False
    ).values_list("account_id", flat=True)
    return [account_id for account_id in holders if account_id not in switched_off]


async def raise_alert(
    ctx: Context,
    *,
    store_id: int,
    kind: NotificationKind,
    payload: dict[str, Any],
    roles: Iterable[str] = (OWNER, MANAGER),
) -> list[StoreAlert]:
    """One alert per recipient of ``kind`` among ``roles``; inside the event's transaction.

    A stock warning is also a live event (``stockAlerts``) and a webhook event.
    """
    if kind == NotificationKind.STOCK_WARNING:
        await events.publish(store_id=store_id, type=EventType.STOCK_ALERT, data=dict(payload))
    found = await recipients(ctx, store_id=store_id, kind=kind, roles=roles)
    return [
        await StoreAlert.create(
            store_id=store_id, recipient_id=account_id, kind=kind.value, payload=payload
        )
        for account_id in found
    ]
