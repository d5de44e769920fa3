"""The command line: ``python -m app <command>`` (or ``dangol <command>`` once installed).

Each command imports what it needs when it runs: importing every command's modules up
front (the GraphQL schema, the domain, Tortoise, aerich, uvicorn) took ``--help`` and
every command from about 0.2 s to 2-5 s of start-up on this machine.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import logging
import os
import signal
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

from core.settings import ROOT, Settings, SettingsError, load_settings


async def _with_database(settings: Settings, work: Callable[[], Awaitable[None]]) -> None:
    from core.database import close_database, open_database

    await open_database(settings.database_url)
    try:
        await work()
    finally:
        await close_database()


async def prepare(settings: Settings, *, seed: bool) -> None:
    """Migrate, install the default policy, and load demo data on a first start."""
    from app.demo import demo_sign_ins, seed_demo, seed_demo_history
    from core.database import apply_migrations, refresh_statistics
    from core.security import Passwords
    from resolvers.policies import install_default_policy

    applied = await apply_migrations(settings.database_url)
    for name in applied:
        print(f"applied migration {name}")

    async def install() -> None:
        if applied and await refresh_statistics():
            print("refreshed the planner's statistics")  # a new index has none yet
        if await install_default_policy():
            print("installed the default access policy")
        if seed and await seed_demo(Passwords(settings)):
            print("loaded the demo data")
            orders = await seed_demo_history(settings)
            print(f"generated a demo history of {orders} orders")
        if seed:
            print("\nDemo sign-ins (password: dangol-demo, demo data only):")
            for email, who in demo_sign_ins():
                print(f"  {email:<24} {who}")

    await _with_database(settings, install)


def cmd_migrate(settings: Settings, args: argparse.Namespace) -> None:
    asyncio.run(prepare(settings, seed=False))


def cmd_seed_demo(settings: Settings, args: argparse.Namespace) -> None:
    asyncio.run(prepare(settings, seed=True))


def cmd_serve(settings: Settings, args: argparse.Namespace) -> None:
    from app.listeners import serve

    asyncio.run(prepare(settings, seed=settings.seed_demo))
    port = args.port or settings.port
    print(
        f"\nGraphQL at http://{args.host}:{port}/graphql"
        + ("" if settings.production else " (GraphiQL)")
    )
    serve(
        "app.main:app",
        factory=True,
        host=args.host,
        port=port,
        workers=args.workers,
        log_level=args.log_level,
        # The app reads X-Forwarded-For itself, only from DANGOL_TRUSTED_PROXIES (app/http.py);
        # uvicorn's own reading would trust any local process by default.
        proxy_headers=False,
    )


def cmd_worker(settings: Settings, args: argparse.Namespace) -> None:
    from app.jobs import Scheduler, default_jobs

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")

    async def work() -> None:
        scheduler = Scheduler(default_jobs(settings))
        stopped = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stopped.set)
        scheduler.start()
        print(f"worker {scheduler.holder} running jobs: {', '.join(scheduler.jobs)}", flush=True)
        await stopped.wait()
        await scheduler.stop()
        print("worker stopped", flush=True)

    asyncio.run(_with_database(settings, work))


def cmd_create_admin(settings: Settings, args: argparse.Namespace) -> None:
    from core.database import write_transaction
    from core.errors import InvalidInput
    from core.security import Passwords
    from models.accounts import Account
    from policies.catalogue import ADMIN
    from resolvers.accounts import normalise_email, validate_password
    from resolvers.roles import add_role, bump_version

    password = os.environ.get("DANGOL_ADMIN_PASSWORD") or getpass.getpass("Password: ")
    try:
        validate_password(password)
    except InvalidInput as exc:
        raise SystemExit(exc.message) from exc

    async def create() -> None:
        email = normalise_email(args.email)
        if await Account.exists(email=email):
            raise SystemExit(f"An account with {email} exists already.")
        async with write_transaction():
            account = await Account.create(
                email=email, name=args.name, password_hash=Passwords(settings).hash(password)
            )
            await add_role(account.id, ADMIN, None)
            await bump_version()
        print(f"created admin {email}")

    asyncio.run(prepare(settings, seed=False))
    asyncio.run(_with_database(settings, create))


def cmd_rotate_keys(settings: Settings, args: argparse.Namespace) -> None:
    from resolvers.customers.rotation import rotate

    async def run() -> None:
        changed = await rotate(settings, batch=args.batch, reindex=args.reindex)
        print(f"re-sealed {changed} customers under PII key version {settings.pii_key_version}")

    asyncio.run(_with_database(settings, run))


def cmd_generate(settings: Settings, args: argparse.Namespace) -> None:
    from app.generator import Spec, generate

    spec = Spec(
        store_id=args.store_id, customers=args.customers, orders=args.orders, seed=args.seed
    )

    async def work() -> None:
        from models.stores import Store

        if not await Store.exists(id=spec.store_id):
            raise SystemExit(f"No store {spec.store_id}.")
        report = await generate(settings, spec)
        kinds = ", ".join(f"{kind} {count}" for kind, count in report.kinds.items())
        print(
            f"generated {report.customers} customers, {report.orders} orders, "
            f"{report.lines} order lines in store {spec.store_id} in {report.seconds:.1f} s "
            f"({kinds})"
        )

    asyncio.run(prepare(settings, seed=False))
    asyncio.run(_with_database(settings, work))


def cmd_export_schema(settings: Settings, args: argparse.Namespace) -> None:
    from schema.graph import build_schema

    target = Path(args.output)
    target.write_text(build_schema().as_str() + "\n")
    print(f"wrote {target}")


def default_workers() -> int:
    """One server process per core. Every process shares the policy version, the job leases and
    the rate limit counters through the database, so any number of them act as one server."""
    return os.cpu_count() or 1


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="dangol", description="Dangol loyalty backend")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="migrate, then serve the API")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=None, help="default: $PORT or 8000")
    serve.add_argument(
        "--workers",
        type=int,
        default=default_workers(),
        help="server processes (default: the number of cores)",
    )
    serve.add_argument(
        "--log-level",
        choices=["critical", "error", "warning", "info", "debug"],
        default="info",
        help="uvicorn's log level; below info it logs no request (default: info)",
    )
    serve.set_defaults(run=cmd_serve)

    commands.add_parser(
        "worker", help="run the scheduled jobs until SIGINT or SIGTERM"
    ).set_defaults(run=cmd_worker)
    commands.add_parser("migrate", help="apply migrations and the default policy").set_defaults(
        run=cmd_migrate
    )
    commands.add_parser("seed-demo", help="load the demo data into an empty database").set_defaults(
        run=cmd_seed_demo
    )

    admin = commands.add_parser("create-admin", help="create a platform admin")
    admin.add_argument("--email", required=True)
    admin.add_argument("--name", default="Administrator")
    admin.set_defaults(run=cmd_create_admin)

    rotate = commands.add_parser(
        "rotate-keys",
        help=(
            "re-seal customers' PII under DANGOL_PII_KEY_VERSION "
            "(older keys in DANGOL_PII_PREVIOUS_KEYS)"
        ),
    )
    rotate.add_argument("--batch", type=int, default=1000)
    rotate.add_argument(
        "--reindex",
        action="store_true",
        help="also every row's blind indexes (after changing DANGOL_BLIND_INDEX_KEY)",
    )
    rotate.set_defaults(run=cmd_rotate_keys)

    generate = commands.add_parser(
        "generate", help="generate a store's customers and orders (benchmarks, demos)"
    )
    generate.add_argument("--store-id", type=int, required=True)
    generate.add_argument("--customers", type=int, default=1_000)
    generate.add_argument("--orders", type=int, default=10_000)
    generate.add_argument("--seed", type=int, default=2026)
    generate.set_defaults(run=cmd_generate)

    export = commands.add_parser("export-schema", help="write the GraphQL SDL")
    export.add_argument("--output", default=str(ROOT / "schema.graphql"))
    export.set_defaults(run=cmd_export_schema)
    return parser


def main(argv: list[str] | None = None) -> None:
    args = parser().parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"dangol: {exc}", file=sys.stderr)
        raise SystemExit(2) from exc
    args.run(settings, args)
