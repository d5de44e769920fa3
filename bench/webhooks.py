"""Webhook deliveries (J4): events fanned out and delivered from the outbox, per second.

For each database (one subprocess each: Tortoise keeps one dialect per process): a
throw-away database with the demo accounts, one endpoint of store 1 pointing at a
receiver in another process (``python -m bench.receiver``: checks every signature,
answers 200), and ``DANGOL_BENCH_WEBHOOK_EVENTS`` events (1,000) written as the order
code writes them. Then the ``outbox.deliver`` work with its default policy (batches of
100, 8 deliveries at a time), run back to back as a busy job would, until the receiver has
every event: each event fanned out into its delivery message (one transaction per event),
then a signed POST and its delivery-log line. Printed: deliveries per second of that whole
pipeline, the POSTs' p50/p99 from the delivery log, badly signed requests the receiver saw
(should be 0), and outbox messages still queued at the end (should be 0).

The receiver, the deliverer and the database share this machine's cores.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import httpx

from app.demo import seed_demo
from bench.server import ROOT, _python, free_port
from core.context import Context
from core.database import apply_migrations, close_database, open_database, write_transaction
from core.security import Passwords
from core.senders import build_senders
from core.services import Services
from core.settings import Settings
from models.accounts import Account
from models.outbox import OutboxMessage
from models.webhooks import EventType, WebhookDelivery
from policies.enforcement import Principal
from resolvers import events, webhooks
from resolvers.outbox import DeliveryPolicy, deliver_due
from resolvers.policies import install_default_policy
from schema.webhooks import render_event

EVENTS = int(os.environ.get("DANGOL_BENCH_WEBHOOK_EVENTS", "1000"))
POSTGRES = os.environ.get("DANGOL_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


async def _measure(database_url: str) -> dict[str, float]:
    settings = Settings(
        database_url=database_url,
        jwt_secret=secrets.token_urlsafe(48),
        pii_key=secrets.token_urlsafe(48),
        blind_index_key=secrets.token_urlsafe(48),
        argon2_time_cost=1,
        argon2_memory_kib=64,
        webhook_allow_private_addresses=True,
    )
    await apply_migrations(database_url)
    await open_database(database_url)
    receiver: subprocess.Popen[bytes] | None = None
    try:
        await install_default_policy()
        await seed_demo(Passwords(settings))
        owner = await Account.get(email="owner1@dangol.test")
        ctx = Context.for_principal(Services.create(settings), Principal(account_id=owner.id))
        port = free_port()
        created = await webhooks.create_endpoint(
            ctx,
            store_id=1,
            url=f"http://127.0.0.1:{port}/hook",
            events=[EventType.ORDER_CREATED],
        )
        receiver = subprocess.Popen(
            [_python(), "-m", "bench.receiver", str(port), created.secret or ""],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        async with httpx.AsyncClient() as client:
            for _ in range(100):
                try:
                    await client.get(f"http://127.0.0.1:{port}/count")
                    break
                except httpx.TransportError:
                    await asyncio.sleep(0.1)
            for number in range(EVENTS):
                async with write_transaction():
                    await events.publish(
                        store_id=1,
                        type=EventType.ORDER_CREATED,
                        data={"order_id": number + 1, "status": "RECEIVED", "total": 4500},
                        refs={"order": number + 1},
                    )
            senders = build_senders(settings)
            webhooks.register_senders(senders, settings, render_event)
            policy = DeliveryPolicy()
            started = time.perf_counter()
            received = 0
            while received < EVENTS:
                await deliver_due(senders, policy, datetime.now(UTC))
                answer = (await client.get(f"http://127.0.0.1:{port}/count")).json()
                received = int(answer["received"])
            delivered = time.perf_counter() - started
            left = await OutboxMessage.filter(delivered_at__isnull=True).count()
            bad = int(answer["bad"])
        durations = sorted(
            int(row["duration_ms"]) for row in await WebhookDelivery.all().values("duration_ms")
        )
        return {
            "deliver_s": delivered,
            "left": left,
            "received": received,
            "bad": bad,
            "p50_ms": float(durations[len(durations) // 2]),
            "p99_ms": float(durations[int(len(durations) * 0.99) - 1]),
        }
    finally:
        if receiver is not None:
            receiver.terminate()
            receiver.wait(10)
        await close_database()


def main(backend: str) -> None:
    """In a subprocess of its own: measure one database and print the figures as JSON."""
    if backend == "sqlite":
        workdir = Path(tempfile.mkdtemp(prefix="dangol-bench-webhooks-"))
        try:
            found = asyncio.run(_measure(f"sqlite://{workdir / 'bench.sqlite3'}"))
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
    else:
        name = f"dangol_bench_webhooks_{os.getpid()}"
        asyncio.run(_pg(f'CREATE DATABASE "{name}"'))
        try:
            found = asyncio.run(_measure(f"{POSTGRES.rpartition('/')[0]}/{name}"))
        finally:
            asyncio.run(_pg(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    print(json.dumps(found))


async def _pg(sql: str) -> None:
    connection = await asyncpg.connect(POSTGRES)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


def run() -> None:
    print(f"  {EVENTS} order.created events, one endpoint, a receiver in another process")
    header = (
        f"  {'database':<10} {'events':>7} {'seconds':>8} {'delivered/s':>12} "
        f"{'POST p50 ms':>12} {'POST p99 ms':>12} {'bad sig':>8} {'queued':>7}"
    )
    print(header)
    print("  " + "-" * (len(header) - 2))
    for backend in ("sqlite", "postgres"):
        done = subprocess.run(
            [_python(), "-c", f"from bench.webhooks import main; main({backend!r})"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=1800,
        )
        if done.returncode != 0:
            print(f"  {backend:<10} not measured: {done.stderr.strip().splitlines()[-1:]}")
            continue
        found = json.loads(done.stdout.strip().splitlines()[-1])
        print(
            f"  {backend:<10} {found['received']:>7} {found['deliver_s']:>8.1f} "
            f"{found['received'] / found['deliver_s']:>12,.0f} {found['p50_ms']:>12.1f} "
            f"{found['p99_ms']:>12.1f} {found['bad']:>8} {found['left']:>7}"
        )


if __name__ == "__main__":
    main(sys.argv[1])
