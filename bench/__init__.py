"""Benchmarks: ``python -m bench`` runs them all, ``python -m bench NAME`` runs one.

Benchmarks print figures; they never assert and are not tests.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

# name -> (module, one-line description); modules are imported only when run.
BENCHMARKS: dict[str, tuple[str, str]] = {
    "foundation": (
        "bench.foundation",
        "GraphQL `me` vs /healthz on a real uvicorn process; Casbin check cold vs cached",
    ),
    "customers_import": (
        "bench.customers_import",
        "100,000-row CSV import in one call; customer list pages per sort and filter",
    ),
    "customers": (
        "bench.customers",
        "issue 3 at 100k customers / 1M orders: by phone, DORMANT pages 1 and 500, order life; "
        "API vs raw SQL",
    ),
    "counter": (
        "bench.counter",
        "issue 4 counter hot path (phone, order, completion with loyalty) and pointsDashboard; "
        "API vs raw SQL",
    ),
    "statements": (
        "bench.statements",
        "issue 9: SQL statements per request of the counter, customers pages and pointsDashboard",
    ),
    "settlements": (
        "bench.settlements",
        "issue 10: month close for 1,000 stores; expectedSettlement on the 1M-order store",
    ),
    "messages": (
        "bench.messages",
        "issue 11: a campaign to 100,000 customers, time to queue and delivery rate (fake gateway)",
    ),
    "analytics": (
        "bench.analytics",
        "issue 12 analytics fields at 100k customers / 1M orders in an area of 1,000 stores: "
        "p50/p99 beside raw SQL",
    ),
    "live": (
        "bench.live",
        "issue 13 subscription fan-out: 200 WebSocket subscribers, latency p50/p99 per database",
    ),
    "webhooks": (
        "bench.webhooks",
        "issue 13 webhook deliveries from the outbox to a local receiver: deliveries per second",
    ),
}


def load(name: str) -> Callable[[], None]:
    module_name, _ = BENCHMARKS[name]
    run: Callable[[], None] = importlib.import_module(module_name).run
    return run
