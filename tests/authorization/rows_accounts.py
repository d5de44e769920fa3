"""Sign-in, sessions and the signed-in account: not store-scoped, so both targets answer alike."""

from __future__ import annotations

from tests.authorization.table import FORBIDDEN, OK, UNAUTHENTICATED, Row, World
from tests.client import DEMO_PASSWORD

LOGIN = """
mutation($input: LoginInput!) { login(input: $input) { __typename } }
"""
REFRESH_SESSION = """
mutation($input: RefreshSessionInput!) { refreshSession(input: $input) { __typename } }
"""
LOGOUT = """
mutation($input: LogoutInput!) { logout(input: $input) { __typename } }
"""
CHANGE_PASSWORD = """
mutation($input: ChangePasswordInput!) { changePassword(input: $input) { __typename } }
"""
UPDATE_NOTIFICATION_SETTINGS = """
mutation($input: UpdateNotificationSettingsInput!) {
  updateNotificationSettings(input: $input) { __typename }
}
"""
ME = "query { me { account { id } isPlatformAdmin } }"


def _login(w: World, target: str) -> dict:
    number = 1 if target == "own" else 2
    return {"input": {"email": f"manager{number}@dangol.test", "password": DEMO_PASSWORD}}


async def _refresh(w: World, target: str) -> dict:
    return {"input": {"refreshToken": await w.fresh_refresh_token(target)}}


ROWS = [
    # Public: the credential is in the input; whoever sends it may use it.
    Row(
        "Mutation.login",
        LOGIN,
        _login,
        #             own        other
        admin=OK,
        owner=OK,
        manager=OK,
        staff=OK,
        partner=OK,
        anonymous=OK,
        other_owner=OK,
    ),
    Row(
        "Mutation.refreshSession",
        REFRESH_SESSION,
        _refresh,
        admin=OK,
        owner=OK,
        manager=OK,
        staff=OK,
        partner=OK,
        anonymous=OK,
        other_owner=OK,
    ),
    Row(
        "Mutation.logout",
        LOGOUT,
        _refresh,
        admin=OK,
        owner=OK,
        manager=OK,
        staff=OK,
        partner=OK,
        anonymous=OK,
        other_owner=OK,
    ),
    # The caller's own account; a partner key is no account.
    Row(
        "Mutation.changePassword",
        CHANGE_PASSWORD,
        lambda w, t: {"input": {"currentPassword": DEMO_PASSWORD, "newPassword": DEMO_PASSWORD}},
        admin=OK,
        owner=OK,
        manager=OK,
        staff=OK,
        partner=FORBIDDEN,
        anonymous=UNAUTHENTICATED,
        other_owner=OK,
        fresh_session=True,
    ),
    Row(
        "Mutation.updateNotificationSettings",
        UPDATE_NOTIFICATION_SETTINGS,
        lambda w, t: {"input": {"settings": [{"kind": "WEEKLY_REPORT", "enabled": t == "own"}]}},
        admin=OK,
        owner=OK,
        manager=OK,
        staff=OK,
        partner=FORBIDDEN,
        anonymous=UNAUTHENTICATED,
        other_owner=OK,
    ),
    Row(
        "Query.me",
        ME,
        lambda w, t: {},
        admin=OK,
        owner=OK,
        manager=OK,
        staff=OK,
        partner=FORBIDDEN,  # a partner key is no account
        anonymous=UNAUTHENTICATED,
        other_owner=OK,
    ),
]
