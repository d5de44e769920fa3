"""Messages: a campaign to 100,000 customers, its time to queue and its delivery rate.

On a throw-away database per backend (SQLite; PostgreSQL at DANGOL_BENCH_POSTGRES_URL,
each in its own process: one Tortoise dialect per process), 100,000 customers who accept
marketing messages are generated, then a campaign to all of them is
  1. created for a minute ahead (audience query, quota reservation, 100,000 deliveries),
  2. dispatched by the job at its time (consent re-check, 100,000 outbox messages),
and DANGOL_BENCH_MESSAGES of its messages (2,000 by default) are delivered by the outbox
through the real HTTP provider adapter to a fake gateway in another process (each message
rendered for its recipient: PII opened, balances read). The plan's quota (300 a month)
is lifted for the run. Prints figures; asserts nothing.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

CUSTOMERS = int(os.environ.get("DANGOL_BENCH_MESSAGE_CUSTOMERS", "100000"))
DELIVER = int(os.environ.get("DANGOL_BENCH_MESSAGES", "2000"))
POSTGRES = os.environ.get("DANGOL_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _measure(url: str) -> None:
    from app.demo import seed_demo
    from app.generator import Spec, generate
    from core.context import Context
    from core.database import apply_migrations, close_database, open_database
    from core.messaging import HttpMessageProvider, OutgoingMessage
    from core.security import Passwords
    from core.senders import Senders
    from core.services import Services
    from core.settings import Settings
    from models.accounts import Account
    from models.customers import Customer
    from models.messages import MessageChannel, MessageTemplate
    from models.stores import Plan, Store
    from policies.enforcement import Principal
    from resolvers.messages import campaigns, quota
    from resolvers.messages.audiences import Audience
    from resolvers.messages.delivery import register_channels
    from resolvers.outbox import DeliveryPolicy, deliver_due
    from resolvers.policies import install_default_policy

    settings = Settings(
        env="bench",
        database_url=url,
        jwt_secret="j" * 40,
        pii_key="p" * 40,
        blind_index_key="b" * 40,
        argon2_time_cost=1,
        argon2_memory_kib=64,
    )
    await apply_migrations(url)
    await open_database(url)
    port = _free_port()
    gateway = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "bench.fake_gateway:app",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        cwd=ROOT,
    )
    try:
        await install_default_policy()
        await seed_demo(Passwords(settings))
        started = time.perf_counter()
        await generate(settings, Spec(store_id=1, customers=CUSTOMERS, orders=2 * CUSTOMERS))
        await Customer.filter(store_id=1).update(marketing_consent=True)
        print(
            f"    {CUSTOMERS:,} consenting customers (and their orders) generated in "
            f"{time.perf_counter() - started:.1f} s"
        )
        await Store.filter(id=1).update(plan=Plan.PREMIUM)
        quota.MONTHLY_LIMIT[Plan.PREMIUM] = 10 * CUSTOMERS
        admin = await Account.get(email="admin@dangol.test")
        services = Services.create(settings)
        ctx = Context.for_principal(services, Principal(account_id=admin.id))
        template = await MessageTemplate.create(
            store_id=1, name="bench", body="#{name}님, #{storeName} 포인트 #{points}", variables=[]
        )
        now = datetime.now(UTC)
        send_at = now + timedelta(minutes=1)
        request = campaigns.CampaignRequest(
            store_id=1,
            template_id=template.id,
            audience=Audience(),
            channel=MessageChannel.ALIMTALK,
            idempotency_key="bench",
            send_at=send_at,
        )
        started = time.perf_counter()
        campaign = await campaigns.create_campaign(ctx, request, now=now)
        created = time.perf_counter() - started
        started = time.perf_counter()
        queued = await campaigns.dispatch_due(ctx, send_at)
        dispatched = time.perf_counter() - started
        total = created + dispatched
        print(
            f"    campaign to {campaign.recipient_count:,}: created in {created:.1f} s, "
            f"dispatched to the outbox in {dispatched:.1f} s; time to queue {total:.1f} s "
            f"({queued / total:,.0f} messages/s)"
        )
        provider = HttpMessageProvider(f"http://127.0.0.1:{port}", "bench-key", timeout_seconds=5)
        for _ in range(100):
            try:
                await provider.reports(["warm-up"])
                break
            except Exception:
                await asyncio.sleep(0.1)
        started = time.perf_counter()
        await asyncio.gather(
            *(
                provider.send(OutgoingMessage("SMS", "+821012345678", "x", f"baseline-{n}"))
                for n in range(200)
            )
        )
        baseline = 200 / (time.perf_counter() - started)
        senders = Senders()
        register_channels(senders, provider, settings)
        policy = DeliveryPolicy(batch_size=500, concurrency=16, max_batches_per_run=1)
        delivered = 0
        started = time.perf_counter()
        while delivered < DELIVER:
            done = await deliver_due(senders, policy, send_at + timedelta(seconds=1))
            if not done:
                break
            delivered += done
        seconds = time.perf_counter() - started
        print(
            f"    delivered {delivered:,} through the HTTP adapter to the fake gateway in "
            f"{seconds:.1f} s: {delivered / seconds:,.0f} messages/s "
            f"(all {CUSTOMERS:,}: about {CUSTOMERS / (delivered / seconds) / 60:.0f} min)"
        )
        print(
            f"    the gateway alone (200 bare requests, same client): {baseline:,.0f} requests/s; "
            f"delivery runs at {delivered / seconds / baseline:.0%} of it"
        )
        await provider.close()
    finally:
        gateway.terminate()
        gateway.wait(timeout=10)
        await close_database()


async def _pg(sql: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(POSTGRES)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


def backend(name: str) -> None:
    if name == "sqlite":
        with tempfile.TemporaryDirectory() as directory:
            asyncio.run(_measure(f"sqlite://{Path(directory) / 'bench.sqlite3'}"))
        return
    database = f"dangol_bench_messages_{os.getpid()}"
    asyncio.run(_pg(f'CREATE DATABASE "{database}"'))
    try:
        base = POSTGRES.rpartition("/")[0]
        asyncio.run(_measure(f"{base}/{database}"))
    finally:
        asyncio.run(_pg(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))


def run() -> None:
    for name in ("sqlite", "postgres"):
        load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
        print(f"  {name} (load average before: {load} on {os.cpu_count()} cores):", flush=True)
        completed = subprocess.run([sys.executable, "-m", "bench.messages", name], cwd=ROOT)
        if completed.returncode:
            print(f"    ({name} run failed with exit code {completed.returncode})")


if __name__ == "__main__":
    backend(sys.argv[1])
