from __future__ import annotations

import asyncio
import sys
from datetime import UTC, datetime, timedelta

from core.settings import Settings
from models.outbox import OutboxMessage
from models.points import PointEntry, PointKind, PointProgram
from resolvers.points import expire_points, warn_expiring
from tests.client import Api
from tests.points import helpers
from tests.points.invariants import check_ledger

NOW = datetime.now(UTC)


async def test_expired_lots_expire_oldest_first_and_only_what_remains(api: Api) -> None:
    # given
    customer = await helpers.customer()
    old = await helpers.give(customer, 100, expires_at=NOW - timedelta(days=2))
    also_old = await helpers.give(customer, 50, expires_at=NOW - timedelta(days=1))
    fresh = await helpers.give(customer, 70, expires_at=NOW + timedelta(days=30))
    forever = await helpers.give(customer, 5)
    friend = await helpers.customer()
    await helpers.transfer(api, await helpers.owner(api), customer, friend, 120)
    # when
    expired = await expire_points(NOW)
    # then
    assert expired == 150, "the 120 transferred kept the expiry of the lots they came from"
    assert await helpers.balance(friend) == 0
    remaining = {
        e.id: e.remaining
        for e in await PointEntry.filter(id__in=[old.id, also_old.id, fresh.id, forever.id])
    }
    assert remaining == {old.id: 0, also_old.id: 0, fresh.id: 70, forever.id: 5}
    entry = await PointEntry.get(customer_id=customer, kind=PointKind.EXPIRE)
    assert entry.amount == -30 and entry.balance_after == 75
    assert await helpers.balance(customer) == 75
    await check_ledger()


async def test_a_lot_transferred_keeps_its_expiry_and_expires_with_the_receiver(
    api: Api,
) -> None:
    # given
    sender, receiver = await helpers.customer(), await helpers.customer()
    await helpers.give(sender, 100, expires_at=NOW + timedelta(days=1))
    await helpers.transfer(api, await helpers.owner(api), sender, receiver, 40)
    # when
    expired = await expire_points(NOW + timedelta(days=2))
    # then
    assert expired == 100
    assert await helpers.balance(sender) == 0 and await helpers.balance(receiver) == 0
    await check_ledger()


async def test_expiring_twice_or_concurrently_expires_nothing_twice(app: object) -> None:
    # given
    customers = [await helpers.customer() for _ in range(5)]
    for customer in customers:
        await helpers.give(customer, 10, expires_at=NOW - timedelta(hours=1))
        await helpers.give(customer, 10, expires_at=NOW - timedelta(minutes=1))
    # when
    runs = await asyncio.gather(expire_points(NOW), expire_points(NOW))
    again = await expire_points(NOW)
    # then
    assert sum(runs) == 100 and again == 0
    assert await PointEntry.filter(kind=PointKind.EXPIRE).count() == 5
    await check_ledger()


async def test_warnings_go_out_once_per_lot_within_the_notice_period(app: object) -> None:
    # given
    await PointProgram.create(store_id=1, expiry_months=12, expiry_notice_days=7)
    customer = await helpers.customer()
    soon = await helpers.give(customer, 40, expires_at=NOW + timedelta(days=3))
    await helpers.give(customer, 50, expires_at=NOW + timedelta(days=20))
    await helpers.give(customer, 60, expires_at=NOW - timedelta(days=1))
    # when
    runs = await asyncio.gather(warn_expiring(NOW), warn_expiring(NOW))
    again = await warn_expiring(NOW)
    # then
    assert sorted(runs) == [0, 1] and again == 0
    message = await OutboxMessage.get(kind="points_expiring")
    assert message.customer_id == customer and message.payload["entry_id"] == soon.id
    assert message.payload["points"] == 40


SECOND_PROCESS = """
import asyncio, sys
from datetime import datetime
from core.database import close_database, open_database
from resolvers.points import expire_points

async def main():
    await open_database(sys.argv[1])
    try:
        print("ready", flush=True)
        sys.stdin.readline()
        print(await expire_points(datetime.fromisoformat(sys.argv[2])))
    finally:
        await close_database()

asyncio.run(main())
"""


async def test_two_processes_expiring_at_once_expire_once(app: object, settings: Settings) -> None:
    # given
    customers = [await helpers.customer() for _ in range(20)]
    for customer in customers:
        await helpers.give(customer, 10, expires_at=NOW - timedelta(hours=1))
        await helpers.give(customer, 5, expires_at=NOW - timedelta(minutes=1))
    url = settings.database_url
    # when
    other = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        SECOND_PROCESS,
        url,
        NOW.isoformat(),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    assert other.stdin is not None and other.stdout is not None
    assert await other.stdout.readline() == b"ready\n"
    other.stdin.write(b"go\n")
    await other.stdin.drain()
    mine = await expire_points(NOW)
    theirs = int((await other.stdout.readline()).decode())
    await other.wait()
    # then
    assert other.returncode == 0
    assert mine + theirs == 300
    assert await PointEntry.filter(kind=PointKind.EXPIRE).count() == 20
    await check_ledger()
