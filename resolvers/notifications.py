"""Each account's choice of alerts; stock warnings and new-order alerts stay on."""

from __future__ import annotations

from dataclasses import dataclass

from core.context import Context
from core.database import write_transaction
from core.errors import InvalidInput, MandatoryNotification
from models.notifications import MANDATORY_KINDS, NotificationKind, NotificationPreference


@dataclass(frozen=True)
class NotificationSetting:
    kind: NotificationKind
    enabled: bool
    mandatory: bool


async def settings_of(account_id: int) -> list[NotificationSetting]:
    chosen = dict(
        await NotificationPreference.filter(account_id=account_id).values_list("kind", "enabled")
    )
    return [
        NotificationSetting(
            kind=kind,
            enabled=kind in MANDATORY_KINDS or chosen.get(kind, True),
            mandatory=kind in MANDATORY_KINDS,
        )
        for kind in NotificationKind
    ]


async def update(
    ctx: Context, *, changes: list[tuple[NotificationKind, bool]]
) -> list[NotificationSetting]:
    account_id = (await ctx.principal()).account_id
    assert account_id is not None, "SIGNED_IN operations are for accounts"
    kinds = [kind for kind, _ in changes]
    if len(set(kinds)) != len(kinds):
        raise InvalidInput("Each kind may appear once.", field="settings")
    for kind, enabled in changes:
        if kind in MANDATORY_KINDS and not enabled:
            raise MandatoryNotification(
                f"{kind.value} alerts cannot be switched off.", field="settings", kind=kind
            )
    async with write_transaction():
        for kind, enabled in changes:
            await NotificationPreference.update_or_create(
                account_id=account_id, kind=kind, defaults={"enabled": enabled}
            )
    return await settings_of(account_id)
