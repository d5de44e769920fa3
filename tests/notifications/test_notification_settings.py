from __future__ import annotations

from tortoise import connections

from tests.client import Api

UPDATE = """
mutation ($settings: [NotificationSettingInput!]!) {
  updateNotificationSettings(input: {settings: $settings}) {
    __typename
    ... on UpdateNotificationSettingsSuccess { settings { kind enabled mandatory } }
    ... on MandatoryNotification { code kind message }
    ... on UserError { code }
  }
}
"""
SETTINGS = "{ me { notificationSettings { kind enabled mandatory } } }"


async def test_an_account_switches_off_an_optional_alert(api: Api) -> None:
    token = await api.token("manager1@dangol.test")
    result = await api.data(
        UPDATE, {"settings": [{"kind": "WEEKLY_REPORT", "enabled": False}]}, token=token
    )
    settings = {s["kind"]: s for s in result["updateNotificationSettings"]["settings"]}
    assert settings["WEEKLY_REPORT"] == {
        "kind": "WEEKLY_REPORT",
        "enabled": False,
        "mandatory": False,
    }
    again = {
        s["kind"]: s["enabled"]
        for s in (await api.data(SETTINGS, token=token))["me"]["notificationSettings"]
    }
    assert again["WEEKLY_REPORT"] is False and again["NEGATIVE_FEEDBACK"] is True
    other = await api.token("manager2@dangol.test")
    theirs = {
        s["kind"]: s["enabled"]
        for s in (await api.data(SETTINGS, token=other))["me"]["notificationSettings"]
    }
    assert theirs["WEEKLY_REPORT"] is True


async def test_stock_warnings_and_new_order_alerts_cannot_be_switched_off(api: Api) -> None:
    token = await api.token("staff1@dangol.test")
    for kind in ("STOCK_WARNING", "NEW_ORDER"):
        result = await api.data(
            UPDATE,
            {
                "settings": [
                    {"kind": "WEEKLY_REPORT", "enabled": False},
                    {"kind": kind, "enabled": False},
                ]
            },
            token=token,
        )
        refused = result["updateNotificationSettings"]
        assert (refused["__typename"], refused["code"], refused["kind"]) == (
            "MandatoryNotification",
            "MANDATORY_NOTIFICATION",
            kind,
        )
    rows = await connections.get("default").execute_query_dict(
        "SELECT count(*) AS n FROM notification_preference"
    )
    assert rows[0]["n"] == 0
    settings = {
        s["kind"]: s for s in (await api.data(SETTINGS, token=token))["me"]["notificationSettings"]
    }
    assert settings["NEW_ORDER"] == {"kind": "NEW_ORDER", "enabled": True, "mandatory": True}


async def test_a_kind_named_twice_is_a_typed_error(api: Api) -> None:
    token = await api.token("staff1@dangol.test")
    result = await api.data(
        UPDATE,
        {
            "settings": [
                {"kind": "WEEKLY_REPORT", "enabled": False},
                {"kind": "WEEKLY_REPORT", "enabled": True},
            ]
        },
        token=token,
    )
    assert result["updateNotificationSettings"]["code"] == "INVALID_INPUT"
