"""The foundation benchmark.

1. HTTP: requests/s and p50/p99 latency of the GraphQL ``me`` query (valid access
   token) beside the plain Starlette ``GET /healthz`` route of the same real
   uvicorn process, and the ratio of the two: three rounds of healthz then me, and the
   median of their ratios.
2. Policy: µs per ``casbin.Enforcer.enforce`` with the full default policy (cold:
   the matcher runs over every p rule) and per ``PolicyEngine.enforce`` (warm:
   the per-process decision cache the server uses).
"""

from __future__ import annotations

import asyncio
import os
import random
import statistics
import time
from typing import Any

import httpx

from bench.load import LoadResult, run_load
from bench.server import running_server

# --- HTTP part -------------------------------------------------------------
REQUESTS = 2_000
WARMUP = 200
CONCURRENCY = 8
PHASE_MAX_SECONDS = 45.0
# healthz then me, this many times on the same server: one pair's ratio swung from 0.67 to 0.83
# between two runs here (healthz alone by 15%), so the figure is the median of the rounds
ROUNDS = 3
ME_QUERY = "{ me { account { email } memberships { roles store { name } } } }"
LOGIN_MUTATION = """
mutation Login($email: String!, $password: String!) {
  login(input: {email: $email, password: $password}) {
    __typename
    ... on SessionTokens { accessToken }
  }
}
"""
DEMO_EMAIL = "owner1@dangol.test"
DEMO_PASSWORD = "dangol-demo"

# --- Policy part -----------------------------------------------------------
STORES = 300
STAFF_PER_STORE = 2  # a manager and a staff member besides the owner
SAMPLE_CHECKS = 400  # distinct (subject, domain, action) triples
COLD_CHECKS = 4_000
WARM_CHECKS = 400_000


def run() -> None:
    http_rounds = asyncio.run(_http())
    workers = os.cpu_count() or 1
    many = asyncio.run(_http(workers)) if workers > 1 else None
    policy_rows = _policy()
    _print_http(http_rounds)
    if many is not None:
        print()
        _print_http(many, workers=workers)
    print()
    _print_policy(policy_rows)


# --- HTTP ------------------------------------------------------------------


async def _login(base_url: str) -> str:
    async with httpx.AsyncClient(timeout=30.0) as client:
        response = await client.post(
            base_url + "/graphql",
            json={
                "query": LOGIN_MUTATION,
                "variables": {"email": DEMO_EMAIL, "password": DEMO_PASSWORD},
            },
        )
        response.raise_for_status()
        result = response.json()["data"]["login"]
        if result["__typename"] != "SessionTokens":
            raise RuntimeError(f"login as {DEMO_EMAIL} failed: {result}")
        token = result["accessToken"]
        # One checked request, so the benchmark cannot silently measure an error answer.
        check = await client.post(
            base_url + "/graphql",
            json={"query": ME_QUERY},
            headers={"Authorization": f"Bearer {token}"},
        )
        body = check.json()
        if check.status_code != 200 or body.get("errors") or not body["data"]["me"]:
            raise RuntimeError(
                f"`me` with the access token did not answer: {check.status_code} {body}"
            )
        return str(token)


async def _http(workers: int = 1) -> list[tuple[LoadResult, LoadResult]]:
    """``ROUNDS`` pairs of (healthz, me), one after the other on the same server."""
    rounds: list[tuple[LoadResult, LoadResult]] = []
    with running_server(workers=workers) as server:
        token = await _login(server.base_url)
        common: dict[str, Any] = dict(
            requests=REQUESTS, concurrency=CONCURRENCY, warmup=WARMUP, max_seconds=PHASE_MAX_SECONDS
        )
        for _ in range(ROUNDS):
            healthz = await run_load("GET /healthz", "GET", server.url("/healthz"), **common)
            me = await run_load(
                "POST /graphql me",
                "POST",
                server.url("/graphql"),
                json={"query": ME_QUERY},
                headers={"Authorization": f"Bearer {token}"},
                graphql=True,
                **common,
            )
            rounds.append((healthz, me))
    return rounds


def _print_http(rounds: list[tuple[LoadResult, LoadResult]], workers: int = 1) -> None:
    cores = os.cpu_count() or 0
    processes = "1 uvicorn process" if workers == 1 else f"{workers} uvicorn workers"
    print(
        f"HTTP: {processes} (SQLite, demo data), {CONCURRENCY} keep-alive connections "
        f"(httpx.AsyncClient), {REQUESTS} requests each after {WARMUP} warm-up, "
        f"{len(rounds)} rounds of healthz then me"
    )
    print(
        f"      note: this machine has {cores} cores; the load generator shares them with the "
        "server, so absolute rates understate the server; the ratio is the figure to compare."
    )
    header = (
        f"  {'endpoint':<18} {'requests':>8} {'fail':>5} {'time s':>7} {'req/s':>8} "
        f"{'p50 ms':>7} {'p99 ms':>7}"
    )
    print(header)
    print("  " + "-" * (len(header) - 2))
    ratios: list[float] = []
    for healthz, me in rounds:
        for row in (healthz, me):
            flag = "  (stopped at time bound)" if row.stopped_early else ""
            print(
                f"  {row.label:<18} {row.requests:>8} {row.failures:>5} {row.seconds:>7.2f} "
                f"{row.rps:>8.0f} {row.percentile_ms(50):>7.2f} "
                f"{row.percentile_ms(99):>7.2f}{flag}"
            )
        ratios.append(me.rps / healthz.rps if healthz.rps else float("nan"))
    ratio = statistics.median(ratios)
    times = f"  (healthz is {1 / ratio:.1f}x the me rate)" if ratio > 0 else ""
    each = ", ".join(f"{value:.3f}" for value in ratios)
    print(f"  ratio me/healthz req/s: {ratio:.3f}, the median of the rounds' {each}{times}")


# --- Policy ----------------------------------------------------------------


def _policy() -> dict[str, float]:
    import casbin

    from policies.catalogue import (
        ADMIN,
        MANAGER,
        MODEL_PATH,
        OWNER,
        STAFF,
        account_subject,
        actions,
        default_rules,
        store_domain,
    )
    from policies.enforcement import PolicyEngine

    enforcer = casbin.Enforcer(str(MODEL_PATH))
    p_rules = [rule[1:] for rule in default_rules() if rule[0] == "p"]
    g_rules = [rule[1:] for rule in default_rules() if rule[0] == "g"]
    account = 1
    g_rules.append([account_subject(account), ADMIN, "*"])
    for store in range(1, STORES + 1):
        for role in (OWNER, *[MANAGER, STAFF][:STAFF_PER_STORE]):
            account += 1
            g_rules.append([account_subject(account), role, store_domain(store)])
    enforcer.add_policies(p_rules)
    enforcer.add_grouping_policies(g_rules)
    n_p = len(enforcer.get_policy())
    n_g = len(enforcer.get_grouping_policy())

    # A fixed mix: account subjects across roles and stores (own store and others),
    # every action of the product, so both grants and denials are measured.
    rng = random.Random(20261125)
    all_actions = sorted(actions())
    subjects = [account_subject(n) for n in range(1, account + 1)]
    samples = [
        (rng.choice(subjects), store_domain(rng.randint(1, STORES)), rng.choice(all_actions))
        for _ in range(SAMPLE_CHECKS)
    ]
    # Half the checks in the subject's own store, where a role applies.
    for i in range(0, SAMPLE_CHECKS, 2):
        sub_id = rng.randint(2, account)
        samples[i] = (
            account_subject(sub_id),
            store_domain((sub_id - 2) // 3 + 1),
            rng.choice(all_actions),
        )

    for sample in samples:  # warm the interpreter paths once
        enforcer.enforce(*sample)
    allowed = sum(bool(enforcer.enforce(*s)) for s in samples)

    started = time.perf_counter()
    for i in range(COLD_CHECKS):
        enforcer.enforce(*samples[i % SAMPLE_CHECKS])
    cold_us = (time.perf_counter() - started) / COLD_CHECKS * 1e6

    # PolicyEngine as the server builds it, with its enforcer swapped for the
    # in-memory one above (same model, same rules, no database): the least
    # intrusive way to measure the real PolicyEngine.enforce path.
    engine = PolicyEngine()
    engine.enforcer = enforcer
    for sample in samples:  # fill the decision cache: the steady state of a server
        engine.enforce(*sample)
    started = time.perf_counter()
    for i in range(WARM_CHECKS):
        engine.enforce(*samples[i % SAMPLE_CHECKS])
    warm_us = (time.perf_counter() - started) / WARM_CHECKS * 1e6

    return {
        "p": n_p,
        "g": n_g,
        "samples": SAMPLE_CHECKS,
        "allowed": allowed,
        "cold_us": cold_us,
        "warm_us": warm_us,
    }


def _print_policy(row: dict[str, float]) -> None:
    print(
        f"Policy: policies/model.conf + default_policy.csv, {row['p']:.0f} p rules, "
        f"{row['g']:.0f} g rules (1 admin; {STORES} stores x owner, manager, staff)"
    )
    print(
        f"        {row['samples']:.0f} distinct (subject, store, action) checks, "
        f"{row['allowed']:.0f} allowed; single thread, in process"
    )
    header = f"  {'check':<44} {'calls':>8} {'µs/check':>9}"
    print(header)
    print("  " + "-" * (len(header) - 2))
    print(
        f"  {'casbin.Enforcer.enforce (cold, no cache)':<44} "
        f"{COLD_CHECKS:>8} {row['cold_us']:>9.2f}"
    )
    print(
        f"  {'PolicyEngine.enforce (warm, decision cache)':<44} "
        f"{WARM_CHECKS:>8} {row['warm_us']:>9.3f}"
    )
    print(f"  ratio cold/warm: {row['cold_us'] / row['warm_us']:.0f}x")
