from __future__ import annotations

from tests.client import Api, error_code

ME = "{ me { account { email } isPlatformAdmin memberships { roles store { name } } } }"


async def test_owner_signs_in_and_sees_their_store(api: Api) -> None:
    # given
    token = await api.token("owner1@dangol.test")
    # when
    me = (await api.data(ME, token=token))["me"]
    # then
    assert me["account"]["email"] == "owner1@dangol.test"
    assert me["isPlatformAdmin"] is False
    assert me["memberships"] == [{"roles": ["owner"], "store": {"name": "카페 단골 성수점"}}]


async def test_wrong_email_and_wrong_password_get_the_same_answer(api: Api) -> None:
    wrong_password = await api.login("owner1@dangol.test", "not-the-password")
    wrong_email = await api.login("nobody@dangol.test", "not-the-password")
    assert wrong_password == wrong_email
    assert wrong_password["code"] == "INVALID_CREDENTIALS"


async def test_me_without_a_token_is_unauthenticated(api: Api) -> None:
    body = await api.gql(ME)
    assert error_code(body) == "UNAUTHENTICATED"
