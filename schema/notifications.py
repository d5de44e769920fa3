from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from models.notifications import NotificationKind
from resolvers import notifications
from schema import errors
from schema.operations import SIGNED_IN, mutation

NotificationKindType = strawberry.enum(NotificationKind, name="NotificationKind")


@strawberry.type
class NotificationSetting:
    kind: NotificationKindType  # type: ignore[valid-type]
    enabled: bool
    mandatory: bool = strawberry.field(description="Stock warnings and new-order alerts stay on.")

    @classmethod
    def from_domain(cls, setting: notifications.NotificationSetting) -> "NotificationSetting":
        return cls(kind=setting.kind, enabled=setting.enabled, mandatory=setting.mandatory)


@strawberry.input
class NotificationSettingInput:
    kind: NotificationKindType  # type: ignore[valid-type]
    enabled: bool


@strawberry.input
class UpdateNotificationSettingsInput:
    settings: list[NotificationSettingInput]


@strawberry.type
class UpdateNotificationSettingsSuccess:
    settings: list[NotificationSetting]


UpdateNotificationSettingsResult = Annotated[
    UpdateNotificationSettingsSuccess | errors.MandatoryNotification | errors.InvalidInput,
    strawberry.union("UpdateNotificationSettingsResult"),
]


@strawberry.type
class Mutation:
    @mutation(SIGNED_IN)
    async def update_notification_settings(
        self, info: Info, input: UpdateNotificationSettingsInput
    ) -> UpdateNotificationSettingsResult:
        settings = await notifications.update(
            info.context, changes=[(item.kind, item.enabled) for item in input.settings]
        )
        return UpdateNotificationSettingsSuccess(
            settings=[NotificationSetting.from_domain(setting) for setting in settings]
        )
