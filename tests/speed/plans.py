"""The query plan of recorded statements, and the full scans in it of a table that grows with
the store's history (orders, customers, ledger entries, ...).

SQLite: ``EXPLAIN QUERY PLAN``; a ``SCAN t`` (with or without ``USING INDEX``) reads all of
``t``, a ``SEARCH`` only the rows an index finds. PostgreSQL: ``EXPLAIN`` with ``enable_seqscan``
off, so the planner takes an index whenever one can serve the statement, whatever the table's
size; a ``Seq Scan``, or an index scan with no index condition, reads the whole table.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from tortoise.transactions import in_transaction

from core.database import connection, dialect

# Tables whose size follows the number of stores, staff or catalogue entries, never the orders,
# customers or ledger entries: a scan of one of a store's handful of tiers is fine.
BOUNDED = frozenset(
    {
        "account",
        "store",
        "membership",
        "session",
        "policy_version",
        "casbin_rule",
        "point_program",
        "stamp_card",
        "tier",
        "tier_program",
        "tier_promotion",
        "first_visit_offer",
        "product",
        "product_category",
        "product_stock_use",
        "stock_item",
        "coupon_template",
        "reward",
        "webhook_endpoint",
        "message_automation",
    }
)
_PLANNED = ("SELECT", "UPDATE", "DELETE", "WITH", "INSERT")
_ALIAS = re.compile(r'(?:FROM|JOIN)\s+"(\w+)"\s+(?:AS\s+)?"(\w+)"', re.IGNORECASE)
# A subquery in FROM: SQLite's plan scans its rows (``SCAN name``), already read by its own lines.
_SUBQUERY = re.compile(r'\)\s+AS\s+"(\w+)"', re.IGNORECASE)


def _explained(query: str) -> bool:
    head = query.lstrip().upper()
    if head.startswith("INSERT"):
        return " SELECT " in head  # INSERT ... VALUES reads nothing
    return head.startswith(_PLANNED)


def _first_values(values: Any) -> list[Any]:
    if not values:
        return []
    values = list(values)
    return list(values[0]) if isinstance(values[0], (list, tuple)) else values


async def full_scans(statements: list[tuple[str, Any]]) -> list[str]:
    """One line per statement that reads a whole growing table: the table and the statement."""
    found: list[str] = []
    for query, values in statements:
        if not _explained(query):
            continue
        tables = (
            await _sqlite_scans(query, _first_values(values))
            if dialect() == "sqlite"
            else await _postgres_scans(query, _first_values(values))
        )
        found += [f"{table}: {query}" for table in tables if table not in BOUNDED]
    return found


async def _sqlite_scans(query: str, values: list[Any]) -> list[str]:
    aliases = {alias: table for table, alias in _ALIAS.findall(query)}
    subqueries = set(_SUBQUERY.findall(query))
    _, rows = await connection().execute_query("EXPLAIN QUERY PLAN " + query, values)
    scanned = []
    for row in rows:
        detail = str(row["detail"])
        if detail.startswith("SCAN ") and not detail.startswith("SCAN CONSTANT"):
            name = detail.split()[1]
            if name not in subqueries:
                scanned.append(aliases.get(name, name))
    return scanned


async def _postgres_scans(query: str, values: list[Any]) -> list[str]:
    async with in_transaction("default") as conn:
        await conn.execute_script("SET LOCAL enable_seqscan = off")
        rows = await conn.execute_query_dict("EXPLAIN (FORMAT JSON) " + query, values)
    plan = rows[0]["QUERY PLAN"]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    return [str(node["Relation Name"]) for node in _nodes(plan[0]["Plan"]) if _reads_all(node)]


async def index_conditions(query: str, values: Any) -> list[str]:
    """What bounds each index search of a statement: SQLite's ``SEARCH ... (store_id=? AND
    visit_count<?)``, PostgreSQL's ``Index Cond``."""
    first = _first_values(values)
    if dialect() == "sqlite":
        _, rows = await connection().execute_query("EXPLAIN QUERY PLAN " + query, first)
        return [str(row["detail"]) for row in rows if str(row["detail"]).startswith("SEARCH ")]
    async with in_transaction("default") as conn:
        await conn.execute_script("SET LOCAL enable_seqscan = off")
        rows = await conn.execute_query_dict("EXPLAIN (FORMAT JSON) " + query, first)
    plan = rows[0]["QUERY PLAN"]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    return [str(node["Index Cond"]) for node in _nodes(plan[0]["Plan"]) if "Index Cond" in node]


def _nodes(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield node
    for child in node.get("Plans", []):
        yield from _nodes(child)


def _reads_all(node: dict[str, Any]) -> bool:
    kind = node.get("Node Type")
    if "Relation Name" not in node:
        return False
    if kind == "Seq Scan":
        return True
    return kind in ("Index Scan", "Index Only Scan") and "Index Cond" not in node
