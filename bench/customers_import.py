"""Customers: a 100,000-row CSV import in one call, then list pages over those customers.

Runs the resolvers directly against a throw-away SQLite database (the HTTP body
limit, DANGOL_MAX_BODY_BYTES, is 1 MiB by default: a 100k-row CSV of ~4.8 MB needs
it raised). Prints figures; asserts nothing.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

ROWS = 100_000
COLUMNS = 100_000


IMPORT = """mutation ($input: ImportCustomersInput!) { importCustomers(input: $input) {
  __typename
  ... on ImportCustomersReport { imported rejected }
  ... on UserError { code message } } }"""
LOGIN = """mutation { login(input: {email: "owner1@dangol.test", password: "dangol-demo"}) {
  ... on SessionTokens { accessToken } } }"""


@asynccontextmanager
async def longest_stall() -> AsyncIterator[list[float]]:
    """The longest time the event loop went without running a 10 ms ticker (in seconds)."""
    found = [0.0]

    async def tick() -> None:
        while True:
            before = time.perf_counter()
            await asyncio.sleep(0.01)
            found[0] = max(found[0], time.perf_counter() - before - 0.01)

    ticker = asyncio.ensure_future(tick())
    try:
        yield found
    finally:
        ticker.cancel()


def csv_text(rows: int, first_block: int = 2000) -> str:
    lines = ["name,phone,birth_year,gender,marketing_consent,source_channel,tags"]
    for n in range(rows):
        phone = f"010-{first_block + n // 10000:04d}-{n % 10000:04d}"
        lines.append(f"고객{n},{phone},{1960 + n % 40},,yes,,단골;vip")
    return "\n".join(lines) + "\n"


async def _run(directory: Path) -> None:
    from app.demo import seed_demo
    from core.context import Context
    from core.database import apply_migrations, close_database, open_database
    from core.errors import UserError
    from core.security import Passwords
    from core.services import Services
    from core.settings import Settings
    from models.accounts import Account
    from policies.enforcement import Principal
    from resolvers.customers.csv_import import import_csv
    from resolvers.customers.listing import CustomerFilter, CustomerSort, page
    from resolvers.customers.segments import Segment
    from resolvers.policies import install_default_policy

    url = f"sqlite://{directory / 'bench.sqlite3'}"
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
    try:
        await install_default_policy()
        await seed_demo(Passwords(settings))
        owner = await Account.get(email="owner1@dangol.test")
        ctx = Context.for_principal(Services.create(settings), Principal(account_id=owner.id))
        text = csv_text(ROWS)
        print(f"  CSV: {ROWS:,} rows, {len(text.encode()) / 1e6:.1f} MB")
        started = time.perf_counter()
        async with longest_stall() as stall:
            report = await import_csv(
                ctx, store_id=1, text=text, skip_invalid_rows=False, customer_ref=str
            )
        elapsed = time.perf_counter() - started
        print(
            f"  import: {report.imported:,} imported in {elapsed:.1f} s "
            f"({report.imported / elapsed:,.0f} rows/s); the event loop stalled "
            f"{stall[0] * 1000:,.0f} ms at most"
        )
        wide = ",".join(f"column{n}" for n in range(COLUMNS)) + "\n"
        started = time.perf_counter()
        try:
            await import_csv(ctx, store_id=1, text=wide, skip_invalid_rows=False, customer_ref=str)
        except UserError as error:
            print(
                f"  a header of {COLUMNS:,} columns ({len(wide) / 1e3:,.0f} KB) answered "
                f"{error.code} in {time.perf_counter() - started:.2f} s"
            )
        filters = {
            "no filter": CustomerFilter(),
            "tag vip": CustomerFilter(tag="vip"),
            "segment NEW": CustomerFilter(segment=Segment.NEW),
        }
        for sort in CustomerSort:
            for label, where in filters.items():
                started = time.perf_counter()
                for _ in range(20):
                    await page(ctx, store_id=1, where=where, sort=sort, size=50, after=None)
                ms = (time.perf_counter() - started) / 20 * 1000
                print(f"  page of 50, {sort.value:<16} {label:<12} {ms:6.1f} ms")
    finally:
        await close_database()


def _import_over_http() -> None:
    """The same import as a client sends it: one importCustomers request to a real server."""
    import httpx

    from bench.server import running_server

    text = csv_text(ROWS, first_block=8000)
    with running_server() as server, httpx.Client(timeout=600.0) as client:
        token = client.post(server.url("/graphql"), json={"query": LOGIN}).json()
        headers = {"Authorization": f"Bearer {token['data']['login']['accessToken']}"}
        variables = {"input": {"storeId": "U3RvcmU6MQ==", "csv": text, "skipInvalidRows": False}}
        started = time.perf_counter()
        response = client.post(
            server.url("/graphql"), json={"query": IMPORT, "variables": variables}, headers=headers
        )
        elapsed = time.perf_counter() - started
    body = response.json()
    result = (body.get("data") or {}).get("importCustomers") or body
    print(
        f"  import over HTTP: one importCustomers request of {len(text.encode()) / 1e6:.1f} MB "
        f"answered {response.status_code} in {elapsed:.1f} s: {result}"
    )


def run() -> None:
    with tempfile.TemporaryDirectory() as directory:
        asyncio.run(_run(Path(directory)))
    _import_over_http()
