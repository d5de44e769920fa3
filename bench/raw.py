"""The same work as the API, in raw SQL through the same driver (aiosqlite or asyncpg directly).

Every write step is its own transaction, as each API mutation is. PostgreSQL: one
asyncpg connection per worker. SQLite: like the server (Tortoise's SQLite client),
one aiosqlite connection shared by the workers, a transaction at a time under an
asyncio lock, ``BEGIN IMMEDIATE`` as in app/database.py.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import aiosqlite
import asyncpg

from bench.dataset import STORE_ID

FLOW = ("CONFIRMED", "PREPARING", "READY", "COMPLETED")
PREVIOUS = {
    "CONFIRMED": "RECEIVED",
    "PREPARING": "CONFIRMED",
    "READY": "PREPARING",
    "COMPLETED": "READY",
}


class RawDb:
    def __init__(self, database_url: str, connections: list[Any]) -> None:
        self.sqlite = database_url.startswith("sqlite://")
        self.connections = connections
        self.lock = asyncio.Lock()

    @classmethod
    async def open(cls, database_url: str, workers: int) -> "RawDb":
        if database_url.startswith("sqlite://"):
            conn = await aiosqlite.connect(
                database_url.removeprefix("sqlite://"), isolation_level=None
            )
            await conn.execute("PRAGMA busy_timeout = 15000")
            await conn.execute("PRAGMA synchronous = NORMAL")
            return cls(database_url, [conn] * workers)
        return cls(database_url, [await asyncpg.connect(database_url) for _ in range(workers)])

    async def close(self) -> None:
        for conn in set(self.connections):
            await conn.close()

    def sql(self, text: str) -> str:
        return re.sub(r"\$\d+", "?", text) if self.sqlite else text

    def at(self, value: datetime) -> Any:
        return value.isoformat(" ") if self.sqlite else value

    async def fetch(self, w: int, text: str, *args: Any) -> list[tuple[Any, ...]]:
        conn = self.connections[w]
        if self.sqlite:
            async with conn.execute(self.sql(text), args) as cursor:
                return list(await cursor.fetchall())
        return [tuple(r) for r in await conn.fetch(text, *args)]

    async def execute(self, w: int, text: str, *args: Any) -> int:
        conn = self.connections[w]
        if self.sqlite:
            cursor = await conn.execute(self.sql(text), args)
            return int(cursor.rowcount)
        status = await conn.execute(text, *args)
        return int(status.rsplit(" ", 1)[-1]) if status[-1].isdigit() else 0

    async def many(self, w: int, text: str, rows: list[tuple[Any, ...]]) -> None:
        if self.sqlite:
            await self.connections[w].executemany(self.sql(text), rows)
        else:
            await self.connections[w].executemany(text, rows)

    @asynccontextmanager
    async def transaction(self, w: int) -> AsyncIterator[None]:
        conn = self.connections[w]
        if not self.sqlite:
            async with conn.transaction():
                yield
            return
        async with self.lock:
            await conn.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                await conn.execute("ROLLBACK")
                raise
            await conn.execute("COMMIT")


async def lookup(db: RawDb, w: int, phone_index: str) -> int:
    rows = await db.fetch(
        w, "SELECT id FROM customer WHERE store_id = $1 AND phone_index = $2", STORE_ID, phone_index
    )
    return int(rows[0][0])


PAGE_COLUMNS = (
    "id, name_encrypted, phone_encrypted, key_version, visit_count, total_paid, "
    "first_visit_at, last_visit_at"
)


async def dormant_page(
    db: RawDb, w: int, before: datetime, cursor: tuple[int, int] | None, size: int = 20
) -> list[tuple[Any, ...]]:
    """The keyset page of DORMANT customers by visits, newest id first among equals."""
    base = f"SELECT {PAGE_COLUMNS} FROM customer WHERE store_id = $1 AND last_visit_at < $2"
    order = " ORDER BY visit_count DESC, id DESC LIMIT "
    if cursor is None:
        return await db.fetch(w, base + order + "$3", STORE_ID, db.at(before), size + 1)
    return await db.fetch(
        w,
        base + " AND (visit_count, id) < ($3, $4)" + order + "$5",
        STORE_ID,
        db.at(before),
        cursor[0],
        cursor[1],
        size + 1,
    )


async def visits_page(
    db: RawDb, w: int, cursor: tuple[int, int] | None, size: int = 50
) -> list[tuple[Any, ...]]:
    """The keyset page of every customer by visits, newest id first among equals."""
    base = f"SELECT {PAGE_COLUMNS} FROM customer WHERE store_id = $1"
    order = " ORDER BY visit_count DESC, id DESC LIMIT "
    if cursor is None:
        return await db.fetch(w, base + order + "$2", STORE_ID, size + 1)
    return await db.fetch(
        w,
        base + " AND (visit_count, id) < ($2, $3)" + order + "$4",
        STORE_ID,
        cursor[0],
        cursor[1],
        size + 1,
    )


async def create_order(
    db: RawDb, w: int, customer_id: int, lines: list[tuple[int, str, int, int]]
) -> tuple[int, int]:
    """(order id, total) of a new RECEIVED order; ``lines`` are (product id, name,
    price, quantity)."""
    now = datetime.now(UTC)
    total = sum(price * q for _pid, _name, price, q in lines)
    async with db.transaction(w):
        await db.fetch(
            w,
            "SELECT id, name, price, is_archived FROM product WHERE store_id = $1 AND id = $2",
            STORE_ID,
            lines[0][0],
        )
        rows = await db.fetch(
            w,
            'INSERT INTO "order" (store_id, customer_id, channel, status, subtotal, '
            "discount_total, total, refunded_amount, is_first_visit, created_at, updated_at) "
            "VALUES ($1, $2, 'IN_STORE', 'RECEIVED', $3, 0, $4, 0, $5, $6, $7) RETURNING id",
            STORE_ID,
            customer_id,
            total,
            total,
            False,
            db.at(now),
            db.at(now),
        )
        order_id = int(rows[0][0])
        await db.many(
            w,
            "INSERT INTO order_line "
            "(order_id, product_id, product_name, unit_price, quantity, line_total) "
            "VALUES ($1, $2, $3, $4, $5, $6)",
            [(order_id, pid, name, price, q, price * q) for pid, name, price, q in lines],
        )
    return order_id, total


async def advance(
    db: RawDb, w: int, order_id: int, to: str, customer_id: int, total: int, loyalty: bool
) -> None:
    now = datetime.now(UTC)
    async with db.transaction(w):
        if to != "COMPLETED":
            moved = await db.execute(
                w,
                'UPDATE "order" SET status = $1, updated_at = $2 WHERE id = $3 AND status = $4',
                to,
                db.at(now),
                order_id,
                PREVIOUS[to],
            )
        else:
            moved = await db.execute(
                w,
                'UPDATE "order" SET status = $1, updated_at = $2, completed_at = $3 '
                "WHERE id = $4 AND status = $5",
                to,
                db.at(now),
                db.at(now),
                order_id,
                PREVIOUS[to],
            )
        if not moved:
            raise RuntimeError(f"order {order_id} did not move to {to}")
        if to != "COMPLETED":
            return
        first = await db.execute(
            w,
            "UPDATE customer SET first_visit_at = $1 WHERE id = $2 AND first_visit_at IS NULL",
            db.at(now),
            customer_id,
        )
        await db.execute(
            w,
            "UPDATE customer SET visit_count = visit_count + 1, total_paid = total_paid + $1, "
            "last_visit_at = $2 WHERE id = $3",
            total,
            db.at(now),
            customer_id,
        )
        if first:
            await db.execute(
                w, 'UPDATE "order" SET is_first_visit = $1 WHERE id = $2', True, order_id
            )
        if loyalty:
            await _loyalty(db, w, order_id, customer_id, total, now)


async def _loyalty(
    db: RawDb, w: int, order_id: int, customer_id: int, total: int, now: datetime
) -> None:
    """Earn 1% in points, one stamp, and re-read the tier ladder against the customer's counters."""
    points = total // 100
    [(balance,)] = await db.fetch(
        w,
        "INSERT INTO point_balance (store_id, customer_id, balance, updated_at) "
        "VALUES ($1, $2, $3, $4) ON CONFLICT (customer_id) DO UPDATE "
        "SET balance = point_balance.balance + excluded.balance, "
        "updated_at = excluded.updated_at RETURNING balance",
        STORE_ID,
        customer_id,
        points,
        db.at(now),
    )
    await db.execute(
        w,
        "INSERT INTO point_entry (store_id, customer_id, kind, source, amount, balance_after, "
        "remaining, order_id, created_at) "
        "VALUES ($1, $2, 'EARN', 'PURCHASE', $3, $4, $5, $6, $7)",
        STORE_ID,
        customer_id,
        points,
        balance,
        points,
        order_id,
        db.at(now),
    )
    [(stamps,)] = await db.fetch(
        w,
        "INSERT INTO stamp_balance (store_id, customer_id, stamps, updated_at) "
        "VALUES ($1, $2, 1, $3) "
        "ON CONFLICT (customer_id) DO UPDATE SET stamps = stamp_balance.stamps + 1, "
        "updated_at = excluded.updated_at RETURNING stamps",
        STORE_ID,
        customer_id,
        db.at(now),
    )
    await db.execute(
        w,
        "INSERT INTO stamp_entry "
        "(store_id, customer_id, amount, balance_after, reason, order_id, created_at) "
        "VALUES ($1, $2, 1, $3, 'ORDER', $4, $5)",
        STORE_ID,
        customer_id,
        stamps,
        order_id,
        db.at(now),
    )
    [(visits, paid)] = await db.fetch(
        w, "SELECT visit_count, total_paid FROM customer WHERE id = $1", customer_id
    )
    await db.fetch(
        w,
        "SELECT id FROM tier WHERE store_id = $1 AND is_deleted = $2 "
        "AND min_visits <= $3 AND min_amount <= $4 ORDER BY rank DESC LIMIT 1",
        STORE_ID,
        False,
        visits,
        paid,
    )
    await db.fetch(w, "SELECT tier_id FROM customer_tier WHERE customer_id = $1", customer_id)


async def order_life(
    db: RawDb, w: int, customer_id: int, lines: list[tuple[int, str, int, int]], *, loyalty: bool
) -> None:
    order_id, total = await create_order(db, w, customer_id, lines)
    for to in FLOW:
        await advance(db, w, order_id, to, customer_id, total, loyalty)
