"""What the benchmarked requests send, counted: the order passed through its completion instead
of read again by every step, and a customers page whose statements do not grow with its size."""

from __future__ import annotations

from typing import Any

import pytest

from models.customers import Customer
from tests.client import Api
from tests.speed import paths


def _full_order_reads(statements: paths.Statements) -> int:
    """Reads of the whole order row (the idempotency digest is read only with all of it)."""
    return sum(
        1
        for query, _ in statements
        if query.lstrip().upper().startswith("SELECT")
        and 'FROM "order"' in query
        and '"request_digest"' in query
    )


def _order_updates(statements: paths.Statements) -> tuple[int, int]:
    """(UPDATEs of the order, those that return the row as they left it)."""
    updates = [query for query, _ in statements if query.lstrip().startswith('UPDATE "order"')]
    return len(updates), sum(1 for query in updates if "RETURNING" in query)


async def test_each_advance_moves_and_reads_the_order_in_one_statement(api: Api) -> None:
    # given
    token = await api.token("owner1@dangol.test")
    phones, products = await paths.counter_store(api, token)
    requests = paths.Requests()
    # when
    await paths.counter(api, token, phones[0], products, requests)
    # then
    reads = {name: _full_order_reads(sent) for name, sent in requests.sent.items()}
    assert reads == {
        "customerByPhone": 0,
        "createOrder": 1,  # the idempotency replay, before the transaction
        "advanceOrder CONFIRMED": 0,
        "advanceOrder PREPARING": 0,
        "advanceOrder READY": 0,
        "advanceOrder COMPLETED": 0,
    }
    advances = {name: sent for name, sent in requests.sent.items() if name.startswith("advance")}
    assert {name: _order_updates(sent) for name, sent in advances.items()} == dict.fromkeys(
        advances, (1, 1)
    )


async def test_a_customers_page_sends_as_many_statements_at_any_size(api: Api) -> None:
    # given
    token = await api.token("owner1@dangol.test")
    await paths.counter_store(api, token, customers=8)
    small, large = paths.Requests(), paths.Requests()
    # when
    await paths.customer_pages(api, token, small, first=1)
    seen = await paths.customer_pages(api, token, large, first=4)
    # then
    assert len(set(seen)) == 8
    assert small.counts() == large.counts()


async def test_a_lookup_by_phone_reads_its_limit_and_its_customer_in_one_statement(
    api: Api,
) -> None:
    # given
    token = await api.token("owner1@dangol.test")
    phones, _ = await paths.counter_store(api, token)
    requests = paths.Requests()
    # when
    found = await requests.record(
        "customerByPhone",
        lambda: api.data(paths.BY_PHONE, {"id": paths.STORE, "p": phones[0]}, token=token),
    )
    # then
    assert found["store"]["customerByPhone"]["id"]
    sent = [query for query, _ in requests.sent["customerByPhone"]]
    customers = [query for query in sent if '"customer"' in query]
    counters = [query for query in sent if '"rate_counter"' in query]
    assert len(customers) == 1 and counters == customers
    # and the caller's credential, which reads the stores' version: the store's row was kept
    assert len(sent) == 2


CONFIG_TABLES = ("point_program", "stamp_card", "tier", "tier_program", "tier_promotion", "store")


def _reads_of(statements: paths.Statements, table: str) -> int:
    return sum(
        1
        for query, _ in statements
        if query.lstrip().upper().startswith("SELECT") and f'FROM "{table}"' in query
    )


async def test_a_completion_reads_the_stores_terms_before_its_write_transaction_once_a_change(
    api: Api,
) -> None:
    # given: the terms were read by the completions that set up the store
    token = await api.token("owner1@dangol.test")
    phones, products = await paths.counter_store(api, token)
    kept, changed = paths.Requests(), paths.Requests()
    # when a customer completes an order, then another after the owner changes a term
    await paths.counter(api, token, phones[0], products, kept)
    await api.data(
        "mutation($input: UpdatePointProgramInput!) { updatePointProgram(input: $input) "
        "{ __typename } }",
        {"input": {"storeId": paths.STORE, "earnRateBp": 200}},
        token=token,
    )
    await paths.counter(api, token, phones[1], products, changed)
    # then: the transaction starts with the status UPDATE; no configuration is read after it,
    # and before it the terms tables only after the change (the store: its terms version)
    for requests, reads in ((kept, 0), (changed, 1)):
        sent = requests.sent["advanceOrder COMPLETED"]
        start = next(n for n, (query, _) in enumerate(sent) if query.startswith('UPDATE "order"'))
        before, within = sent[:start], sent[start:]
        assert {table: _reads_of(within, table) for table in CONFIG_TABLES} == dict.fromkeys(
            CONFIG_TABLES, 0
        )
        assert {table: _reads_of(before, table) for table in CONFIG_TABLES} == {
            **dict.fromkeys(CONFIG_TABLES, reads),
            "store": 1,
        }
        assert _reads_of(within, "customer_tier") == 1  # the earn rate and the re-evaluation


def _point_sums(statements: paths.Statements) -> int:
    return sum(
        1
        for query, _ in statements
        if query.lstrip().startswith("SELECT")
        and 'FROM "point_entry"' in query
        and 'GROUP BY "customer_id"' in query
    )


async def test_a_completion_measures_only_what_the_tier_ladder_asks(api: Api) -> None:
    # given the counter's ladder (a tier for everyone, a tier by visits)
    token = await api.token("owner1@dangol.test")
    phones, products = await paths.counter_store(api, token)
    without, with_points = paths.Requests(), paths.Requests()
    # when a customer completes an order, then again once a tier asks for points
    await paths.counter(api, token, phones[0], products, without)
    created = await api.data(
        "mutation($input: CreateTierInput!) { createTier(input: $input) {"
        " __typename ... on UserError { message } } }",
        {
            "input": {
                "storeId": paths.STORE,
                "name": "Platinum",
                "rank": 3,
                "minVisits": 20,
                "minPoints": 10_000,
            }
        },
        token=token,
    )
    assert created["createTier"]["__typename"] == "TierSuccess", created
    await paths.counter(api, token, phones[0], products, with_points)
    # then the points of the tier window are summed only when a tier needs them
    assert _point_sums(without.sent["advanceOrder COMPLETED"]) == 0
    assert _point_sums(with_points.sent["advanceOrder COMPLETED"]) == 1


async def test_a_customers_page_builds_no_customer_model(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given: a model instance per row (and the parse of each of its datetime columns) cost more
    # than the page's SQL; the page reads plain rows
    token = await api.token("owner1@dangol.test")
    await paths.counter_store(api, token, customers=4)
    built: list[Customer] = []
    build = Customer._init_from_db

    def counted(**row: Any) -> Customer:
        built.append(build(**row))
        return built[-1]

    monkeypatch.setattr(Customer, "_init_from_db", counted)
    # when
    for dormant in (False, True):
        await paths.customer_pages(api, token, paths.Requests(), first=2, dormant=dormant)
    # then
    assert built == []
