"""Documents and small helpers shared by the points and rewards tests."""

from __future__ import annotations

import itertools
from typing import Any

from core.context import Context
from models.points import PointBalance, PointEntry, PointKind, PointSource
from policies.enforcement import Principal
from resolvers.points import ledger
from tests.client import Api, gid
from tests.orders import factories

_keys = itertools.count(1)

ENTRY = (
    "id kind source amount balanceAfter remaining expiresAt referenceType referenceId reason "
    "customerId orderId"
)
ADJUST = f"""
mutation($input: AdjustPointsInput!) {{
  adjustPoints(input: $input) {{
    __typename
    ... on AdjustPointsSuccess {{ balance entry {{ {ENTRY} }} }}
    ... on InsufficientPoints {{ available }}
    ... on UserError {{ code message field }}
  }}
}}
"""
TRANSFER = f"""
mutation($input: TransferPointsInput!) {{
  transferPoints(input: $input) {{
    __typename
    ... on TransferPointsSuccess {{ sent {{ {ENTRY} }} received {{ {ENTRY} }} }}
    ... on InsufficientPoints {{ available }}
    ... on UserError {{ code message field }}
  }}
}}
"""
UPDATE_PROGRAM = """
mutation($input: UpdatePointProgramInput!) {
  updatePointProgram(input: $input) {
    __typename
    ... on UpdatePointProgramSuccess { program { earnRateBp rounding minimumOrder signupPoints
      reviewPoints referralPoints expiryMonths expiryNoticeDays } }
    ... on UserError { code message field }
  }
}
"""
DASHBOARD = """
query($id: ID!, $p: PointsPeriodInput!, $top: Int) {
  store(id: $id) {
    pointsDashboard(period: $p, top: $top) {
      issued used expired reversed outstanding
      earningsBySource { source points }
      topEarners { customerId points }
    }
  }
}
"""

HISTORY = f"""
query($id: ID!, $first: Int, $after: String) {{
  node(id: $id) {{
    ... on Customer {{
      pointsBalance
      pointsHistory(first: $first, after: $after) {{
        edges {{ cursor node {{ {ENTRY} }} }}
        pageInfo {{ hasNextPage endCursor }}
      }}
    }}
  }}
}}
"""


def key(prefix: str = "k") -> str:
    return f"{prefix}-{next(_keys)}"


async def owner(api: Api, number: int = 1) -> str:
    return await api.token(f"owner{number}@dangol.test")


async def staff(api: Api, number: int = 1) -> str:
    return await api.token(f"staff{number}@dangol.test")


async def customer(store_id: int = 1) -> int:
    return await factories.customer(store_id)


async def give(customer_id: int, points: int, store_id: int = 1, **lot: Any) -> PointEntry:
    """Credit a lot straight through the ledger (as an earn would), outside the API."""
    from core.database import write_transaction

    async with write_transaction():
        return await ledger.credit(
            store_id, customer_id, points, kind=PointKind.EARN, source=PointSource.EVENT, **lot
        )


async def balance(customer_id: int) -> int:
    found: list[Any] = await PointBalance.filter(customer_id=customer_id).values_list(
        "balance", flat=True
    )
    return int(found[0]) if found else 0


async def adjust(
    api: Api, token: str, customer_id: int, points: int, **extra: Any
) -> dict[str, Any]:
    variables = {
        "input": {
            "customerId": gid("Customer", customer_id),
            "points": points,
            "reason": extra.pop("reason", "goodwill"),
            "idempotencyKey": extra.pop("idempotencyKey", key("adjust")),
            **extra,
        }
    }
    return (await api.data(ADJUST, variables, token=token))["adjustPoints"]


async def transfer(
    api: Api, token: str, source: int, target: int, points: int, idempotency_key: str | None = None
) -> dict[str, Any]:
    variables = {
        "input": {
            "fromCustomerId": gid("Customer", source),
            "toCustomerId": gid("Customer", target),
            "points": points,
            "idempotencyKey": idempotency_key or key("transfer"),
        }
    }
    return (await api.data(TRANSFER, variables, token=token))["transferPoints"]


async def owed(customer_id: int) -> int:
    found: list[Any] = await PointBalance.filter(customer_id=customer_id).values_list(
        "owed", flat=True
    )
    return int(found[0]) if found else 0


def system_context(app: Any, account_id: int | None = None) -> Context:
    services = app.state.services
    return Context.for_principal(services, Principal(account_id=account_id, api_key_id=None))
