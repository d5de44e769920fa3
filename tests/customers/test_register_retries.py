"""registerCustomer under an idempotency key: a retry, even racing, registers and awards once."""

from __future__ import annotations

import asyncio

from models.audit import AuditEntry
from models.customers import Customer
from models.points import PointEntry, PointSource
from tests.client import Api, gid
from tests.customers.helpers import register
from tests.points.helpers import UPDATE_PROGRAM


async def test_a_retried_sign_up_registers_once_and_awards_the_points_once(api: Api) -> None:
    # given a programme giving 500 points for signing up and 300 for a referral
    owner = await api.token("owner1@dangol.test")
    await api.data(
        UPDATE_PROGRAM,
        {"input": {"storeId": gid("Store", 1), "signupPoints": 500, "referralPoints": 300}},
        token=owner,
    )
    staff = await api.token("staff1@dangol.test")
    referrer = (await register(api, staff, phone="010-3000-0001"))["customer"]["id"]
    before = await Customer.filter(store_id=1).count()
    # when the same sign-up is sent three times at once, then once more
    same = {"name": "박단골", "phone": "010-3000-0002", "referredByCustomerId": referrer}
    racing = await asyncio.gather(
        *[register(api, staff, idempotencyKey="signup-1", **same) for _ in range(3)]
    )
    later = await register(api, staff, idempotencyKey="signup-1", **same)
    # then one customer, one sign-up award and one referral award; every answer is that customer
    assert {answer["__typename"] for answer in [*racing, later]} == {"CustomerSuccess"}, racing
    ids = {answer["customer"]["id"] for answer in [*racing, later]}
    assert len(ids) == 1
    assert await Customer.filter(store_id=1).count() == before + 1
    awards = await PointEntry.filter(source__in=[PointSource.SIGNUP, PointSource.REFERRAL])
    assert sorted((entry.source, entry.amount) for entry in awards) == [
        (PointSource.REFERRAL, 300),
        (PointSource.SIGNUP, 500),
        (PointSource.SIGNUP, 500),
    ]
    assert await AuditEntry.filter(action="customers.create").count() == 2


async def test_a_sign_up_key_reused_for_another_customer_is_a_typed_error(api: Api) -> None:
    # given a registration under a key
    staff = await api.token("staff1@dangol.test")
    await register(api, staff, phone="010-3000-0003", idempotencyKey="signup-2")
    before = await Customer.filter(store_id=1).count()
    # when the key comes back with another phone number
    reused = await register(api, staff, phone="010-3000-0004", idempotencyKey="signup-2")
    # then
    assert reused["__typename"] == "IdempotencyKeyReused"
    assert reused["field"] == "idempotencyKey"
    assert await Customer.filter(store_id=1).count() == before
