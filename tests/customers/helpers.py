from __future__ import annotations

from typing import Any

from tests.client import Api, gid, new_key

STORE1 = gid("Store", 1)
STORE2 = gid("Store", 2)

REGISTER = """
mutation Register($input: RegisterCustomerInput!) {
  registerCustomer(input: $input) {
    __typename
    ... on CustomerSuccess { customer
      { id name phone piiMasked tags gender sourceChannel birthYear ageBand } }
    ... on DuplicateCustomer { code field existingCustomerId }
    ... on UserError { code message field }
  }
}
"""

CUSTOMERS = """
query Customers(
  $id: ID!, $filter: CustomerFilterInput, $sort: CustomerSort, $first: Int, $after: String
) {
  store(id: $id) {
    customers(filter: $filter, sort: $sort, first: $first, after: $after) {
      edges { cursor node { id name phone tags segments visits { count totalPaid lastVisitAt } } }
      pageInfo { hasNextPage endCursor }
    }
  }
}
"""


async def register(
    api: Api,
    token: str,
    *,
    name: str = "김민수",
    phone: str = "010-1234-5678",
    store: str = STORE1,
    **extra: Any,
) -> dict[str, Any]:
    data = await api.data(
        REGISTER,
        {
            "input": {
                "storeId": store,
                "name": name,
                "phone": phone,
                "idempotencyKey": extra.pop("idempotencyKey", new_key("register")),
                **extra,
            }
        },
        token=token,
    )
    return data["registerCustomer"]


async def owner(api: Api, number: int = 1) -> str:
    return await api.token(f"owner{number}@dangol.test")
