from __future__ import annotations

from tests.client import Api, gid, new_key
from tests.points.helpers import UPDATE_PROGRAM
from tests.points.invariants import check_ledger

REGISTER = """
mutation ($input: RegisterCustomerInput!) {
  registerCustomer(input: $input) {
    __typename
    ... on CustomerSuccess { customer { id pointsBalance pointsHistory { edges { node
      { kind source amount } } } } }
    ... on UserError { code }
  }
}
"""


async def _register(api: Api, token: str, phone: str) -> dict:
    body = await api.data(
        REGISTER,
        {
            "input": {
                "storeId": gid("Store", 1),
                "name": "김단골",
                "phone": phone,
                "idempotencyKey": new_key(),
            }
        },
        token=token,
    )
    return body["registerCustomer"]


async def test_a_new_customer_earns_the_programmes_sign_up_points(api: Api) -> None:
    # given a programme that gives 500 points for signing up
    owner = await api.token("owner1@dangol.test")
    await api.data(
        UPDATE_PROGRAM, {"input": {"storeId": gid("Store", 1), "signupPoints": 500}}, token=owner
    )
    staff = await api.token("staff1@dangol.test")
    # when
    result = await _register(api, staff, "010-2000-0001")
    # then
    customer = result["customer"]
    assert customer["pointsBalance"] == 500
    assert [e["node"] for e in customer["pointsHistory"]["edges"]] == [
        {"kind": "EARN", "source": "SIGNUP", "amount": 500}
    ]
    await check_ledger(1)


async def test_without_sign_up_points_registration_writes_no_ledger_entry(api: Api) -> None:
    staff = await api.token("staff1@dangol.test")
    customer = (await _register(api, staff, "010-2000-0002"))["customer"]
    assert customer["pointsBalance"] == 0 and customer["pointsHistory"]["edges"] == []


async def test_the_referrer_earns_the_programmes_referral_points(api: Api) -> None:
    # given a programme with referral points, and a customer who brings a friend
    owner = await api.token("owner1@dangol.test")
    await api.data(
        UPDATE_PROGRAM, {"input": {"storeId": gid("Store", 1), "referralPoints": 300}}, token=owner
    )
    staff = await api.token("staff1@dangol.test")
    referrer = (await _register(api, staff, "010-2000-0003"))["customer"]["id"]
    # when
    body = await api.data(
        REGISTER,
        {
            "input": {
                "storeId": gid("Store", 1),
                "name": "친구",
                "phone": "010-2000-0004",
                "idempotencyKey": new_key(),
                "referredByCustomerId": referrer,
            }
        },
        token=staff,
    )
    # then
    assert body["registerCustomer"]["__typename"] == "CustomerSuccess"
    balance = await api.data(
        "query ($id: ID!) { node(id: $id) { ... on Customer { pointsBalance } } }",
        {"id": referrer},
        token=owner,
    )
    assert balance["node"]["pointsBalance"] == 300
    await check_ledger(1)


async def test_a_referrer_of_another_store_is_absent_and_nothing_is_registered(api: Api) -> None:
    # given a customer of store 2
    owner2 = await api.token("owner2@dangol.test")
    other = await api.data(
        REGISTER,
        {
            "input": {
                "storeId": gid("Store", 2),
                "name": "타점",
                "phone": "010-2000-0005",
                "idempotencyKey": new_key(),
            }
        },
        token=owner2,
    )
    referrer = other["registerCustomer"]["customer"]["id"]
    staff = await api.token("staff1@dangol.test")
    # when
    body = await api.data(
        REGISTER,
        {
            "input": {
                "storeId": gid("Store", 1),
                "name": "친구",
                "phone": "010-2000-0006",
                "idempotencyKey": new_key(),
                "referredByCustomerId": referrer,
            }
        },
        token=staff,
    )
    # then
    assert body["registerCustomer"] == {"__typename": "NotFound", "code": "NOT_FOUND"}
    found = await api.data(
        'query ($id: ID!) { store(id: $id) { customerByPhone(phone: "010-2000-0006") { id } } }',
        {"id": gid("Store", 1)},
        token=staff,
    )
    assert found["store"]["customerByPhone"] is None
