from __future__ import annotations

import strawberry
from strawberry.types import Info

from core import errors
from resolvers import notifications
from schema.enums import NotificationKind
from schema.errors import result
from schema.operations import SIGNED_IN, mutation


@strawberry.type
class NotificationSetting:
    kind: NotificationKind
    enabled: bool
    mandatory: bool = strawberry.field(
        description="Stock warnings, new-order alerts and lookup-miss alerts stay on."
    )

    @classmethod
    def from_domain(cls, setting: notifications.NotificationSetting) -> "NotificationSetting":
        return cls(kind=setting.kind, enabled=setting.enabled, mandatory=setting.mandatory)


@strawberry.input
class NotificationSettingInput:
    kind: NotificationKind
    enabled: bool


@strawberry.input
class UpdateNotificationSettingsInput:
    settings: list[NotificationSettingInput]


@strawberry.type
class UpdateNotificationSettingsSuccess:
    settings: list[NotificationSetting]


UpdateNotificationSettingsResult = result(
    "UpdateNotificationSettingsResult",
    UpdateNotificationSettingsSuccess,
    errors.MandatoryNotification,
    errors.InvalidInput,
)


@strawberry.type
class Mutation:
    @mutation(SIGNED_IN, result=UpdateNotificationSettingsResult)
    async def update_notification_settings(
        self, info: Info, input: UpdateNotificationSettingsInput
    ) -> UpdateNotificationSettingsSuccess:
        settings = await notifications.update(
            info.context, changes=[(item.kind, item.enabled) for item in input.settings]
        )
        return UpdateNotificationSettingsSuccess(
            settings=[NotificationSetting.from_domain(setting) for setting in settings]
        )
