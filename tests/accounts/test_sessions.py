from __future__ import annotations

import asyncio

from tests.client import Api, error_code

REFRESH = """
mutation ($token: String!) {
  refreshSession(input: {refreshToken: $token}) {
    __typename
    ... on SessionTokens { accessToken refreshToken }
    ... on UserError { code message }
  }
}
"""
LOGOUT = """
mutation ($token: String!) {
  logout(input: {refreshToken: $token}) { __typename ... on UserError { code } }
}
"""
ME = "{ me { account { email } } }"


async def test_refresh_rotates_the_refresh_token(api: Api) -> None:
    # given
    session = await api.login("staff1@dangol.test")
    # when
    refreshed = (await api.data(REFRESH, {"token": session["refreshToken"]}))["refreshSession"]
    # then
    assert refreshed["__typename"] == "SessionTokens"
    assert refreshed["refreshToken"] != session["refreshToken"]
    me = await api.data(ME, token=refreshed["accessToken"])
    assert me["me"]["account"]["email"] == "staff1@dangol.test"


async def test_a_rotated_refresh_token_used_again_ends_the_whole_family(api: Api) -> None:
    # given
    session = await api.login("staff1@dangol.test")
    refreshed = (await api.data(REFRESH, {"token": session["refreshToken"]}))["refreshSession"]
    # when the old token comes back
    replay = (await api.data(REFRESH, {"token": session["refreshToken"]}))["refreshSession"]
    # then it is refused, and so is everything issued from that sign-in
    assert replay["code"] == "INVALID_REFRESH_TOKEN"
    newest = (await api.data(REFRESH, {"token": refreshed["refreshToken"]}))["refreshSession"]
    assert newest["code"] == "INVALID_REFRESH_TOKEN"
    assert error_code(await api.gql(ME, token=refreshed["accessToken"])) == "UNAUTHENTICATED"


async def test_racing_refreshes_of_one_token_succeed_at_most_once(api: Api) -> None:
    # given
    session = await api.login("manager1@dangol.test")
    # when
    answers = await asyncio.gather(
        *[api.data(REFRESH, {"token": session["refreshToken"]}) for _ in range(10)]
    )
    # then
    kinds = [answer["refreshSession"]["__typename"] for answer in answers]
    assert kinds.count("SessionTokens") <= 1
    assert kinds.count("InvalidRefreshToken") >= 9


async def test_logout_ends_the_session_and_its_access_tokens(api: Api) -> None:
    # given
    session = await api.login("owner1@dangol.test")
    # when
    result = (await api.data(LOGOUT, {"token": session["refreshToken"]}))["logout"]
    # then
    assert result["__typename"] == "LogoutSuccess"
    assert error_code(await api.gql(ME, token=session["accessToken"])) == "UNAUTHENTICATED"
    again = (await api.data(REFRESH, {"token": session["refreshToken"]}))["refreshSession"]
    assert again["code"] == "INVALID_REFRESH_TOKEN"


async def test_an_unknown_refresh_token_is_refused(api: Api) -> None:
    result = (await api.data(REFRESH, {"token": "not-a-token"}))["refreshSession"]
    assert result["code"] == "INVALID_REFRESH_TOKEN"


async def test_change_password_needs_the_current_one_and_ends_other_sessions(api: Api) -> None:
    # given
    session = await api.login("staff2@dangol.test")
    change = """
    mutation ($current: String!, $new: String!) {
      changePassword(input: {currentPassword: $current, newPassword: $new}) {
        __typename ... on UserError { code field }
      }
    }"""
    # when
    wrong = await api.data(
        change,
        {"current": "wrong-password", "new": "a-new-long-password"},
        token=session["accessToken"],
    )
    short = await api.data(
        change, {"current": "dangol-demo", "new": "short"}, token=session["accessToken"]
    )
    done = await api.data(
        change,
        {"current": "dangol-demo", "new": "a-new-long-password"},
        token=session["accessToken"],
    )
    # then
    assert wrong["changePassword"] == {
        "__typename": "InvalidCredentials",
        "code": "INVALID_CREDENTIALS",
        "field": "currentPassword",
    }
    assert short["changePassword"]["code"] == "INVALID_INPUT"
    assert done["changePassword"]["__typename"] == "ChangePasswordSuccess"
    assert error_code(await api.gql(ME, token=session["accessToken"])) == "UNAUTHENTICATED"
    assert (await api.login("staff2@dangol.test"))["code"] == "INVALID_CREDENTIALS"
    assert (await api.login("staff2@dangol.test", "a-new-long-password"))[
        "__typename"
    ] == "SessionTokens"
