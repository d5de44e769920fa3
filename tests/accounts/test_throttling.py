from __future__ import annotations

from tortoise import connections

from tests.client import Api, error_code

LOGIN_FIELDS = """
  __typename
  ... on SessionTokens { accessToken }
  ... on UserError { code }
"""


def _aliased_logins(count: int, email: str, password: str) -> str:
    fields = "\n".join(
        f'a{n}: login(input: {{email: "{email}", password: "{password}"}}) {{ {LOGIN_FIELDS} }}'
        for n in range(count)
    )
    return f"mutation {{ {fields} }}"


async def test_failed_logins_are_slowed_per_account(api: Api) -> None:
    # given five failures
    for _ in range(5):
        assert (await api.login("owner1@dangol.test", "wrong-password"))[
            "code"
        ] == "INVALID_CREDENTIALS"
    # when even the right password comes next
    body = await api.gql(
        "mutation($i: LoginInput!) { login(input: $i) { __typename } }",
        {"i": {"email": "owner1@dangol.test", "password": "dangol-demo"}},
    )
    # then it is refused until the window passes, with a hint when to retry
    assert error_code(body) == "RATE_LIMITED"
    assert body["errors"][0]["extensions"]["retryAfter"] > 0
    # and other accounts are not affected
    assert (await api.login("owner2@dangol.test"))["__typename"] == "SessionTokens"


async def test_aliased_logins_in_one_request_are_counted_one_by_one(api: Api) -> None:
    # when ten guesses arrive as aliases of one request
    body = await api.gql(_aliased_logins(10, "manager1@dangol.test", "guess-password"))
    # then the first five are answered, the rest are rate limited
    answered = [body["data"][f"a{n}"] for n in range(10)]
    assert [a["code"] for a in answered[:5] if a] == ["INVALID_CREDENTIALS"] * 5
    limited = [e for e in body["errors"] if e["extensions"]["code"] == "RATE_LIMITED"]
    assert len(limited) == 5


async def test_failed_logins_are_slowed_per_client_address(api: Api, settings) -> None:
    # given many failures from one address against many unknown accounts
    limit = settings.login_failures_per_address
    for n in range(limit):
        await api.login(f"nobody{n}@dangol.test", "wrong-password")
    # when
    body = await api.gql(
        "mutation($i: LoginInput!) { login(input: $i) { __typename } }",
        {"i": {"email": "staff1@dangol.test", "password": "dangol-demo"}},
    )
    # then
    assert error_code(body) == "RATE_LIMITED"


async def test_a_successful_login_clears_the_account_counter(api: Api) -> None:
    for _ in range(4):
        await api.login("staff1@dangol.test", "wrong-password")
    assert (await api.login("staff1@dangol.test"))["__typename"] == "SessionTokens"
    for _ in range(4):
        await api.login("staff1@dangol.test", "wrong-password")
    assert (await api.login("staff1@dangol.test"))["__typename"] == "SessionTokens"
    rows = await connections.get("default").execute_query_dict(
        "SELECT bucket, count FROM rate_counter WHERE bucket LIKE 'login:account:%'"
    )
    assert rows == []
