"""A partner key sees an analytics panel only when it holds that panel's action."""

from __future__ import annotations

from tests.client import Api, error_code, gid

STORE = 1
CREATE_KEY = """
mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) {
  __typename ... on CreateApiKeySuccess { secret } ... on UserError { message } } }
"""
TODAY = "query($id: ID!) { store(id: $id) { analytics { today { orders } } } }"
KPIS = """query($id: ID!) { store(id: $id) { analytics {
  kpis(period: {from: "2026-03-01", to: "2026-03-31"}) { visits { value } } } } }"""


async def test_a_partner_key_reads_the_panels_it_holds_and_no_other(api: Api) -> None:
    # given: a key holding analytics.today but not analytics.kpis
    owner = await api.token("owner1@dangol.test")
    created = await api.data(
        CREATE_KEY,
        {
            "input": {
                "storeId": gid("Store", STORE),
                "name": "pos dashboard",
                "actions": ["store.read", "analytics.today"],
            }
        },
        token=owner,
    )
    secret = created["createApiKey"]["secret"]
    # when
    today = await api.gql(TODAY, {"id": gid("Store", STORE)}, token=secret)
    kpis = await api.gql(KPIS, {"id": gid("Store", STORE)}, token=secret)
    # then
    assert "errors" not in today and today["data"]["store"]["analytics"]["today"]["orders"] == 0
    assert error_code(kpis) == "FORBIDDEN"
