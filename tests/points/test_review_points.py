from __future__ import annotations

import asyncio

from models.points import PointEntry, PointSource
from tests.client import Api, gid, new_key
from tests.customers import factories
from tests.points.helpers import UPDATE_PROGRAM
from tests.points.invariants import check_ledger

SUBMIT = """
mutation($input: SubmitFeedbackInput!) { submitFeedback(input: $input) { __typename } }
"""


def _review(customer_id: int, comment: str = "라떼가 맛있어요") -> dict:
    return {
        "input": {
            "storeId": gid("Store", 1),
            "rating": 5,
            "channel": "APP",
            "category": "TASTE",
            "comment": comment,
            "customerId": gid("Customer", customer_id),
            "idempotencyKey": new_key("review"),
        }
    }


async def test_a_review_earns_the_programmes_points_once_a_day(api: Api) -> None:
    # given a programme that gives 200 points for a review
    owner = await api.token("owner1@dangol.test")
    await api.data(
        UPDATE_PROGRAM, {"input": {"storeId": gid("Store", 1), "reviewPoints": 200}}, token=owner
    )
    customer = await factories.customer(1)
    staff = await api.token("staff1@dangol.test")
    # when the customer leaves three reviews, two of them at the same moment, and a bare rating
    await api.data(SUBMIT, _review(customer.id), token=staff)
    await asyncio.gather(
        *[api.data(SUBMIT, _review(customer.id, "또 왔어요"), token=staff) for _ in range(2)]
    )
    await api.data(SUBMIT, _review(customer.id, ""), token=staff)
    # then the day's first review earned the points, and only it
    awards = await PointEntry.filter(
        customer_id=customer.id, source=PointSource.REVIEW
    ).values_list("amount", flat=True)
    assert awards == [200]
    await check_ledger(1)


async def test_without_review_points_a_review_earns_nothing(api: Api) -> None:
    customer = await factories.customer(1)
    staff = await api.token("staff1@dangol.test")
    await api.data(SUBMIT, _review(customer.id), token=staff)
    assert not await PointEntry.filter(customer_id=customer.id).exists()
