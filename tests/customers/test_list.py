from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from tests.client import Api, error_code, gid
from tests.customers import factories
from tests.customers.helpers import CUSTOMERS, STORE1, owner
from tests.statements import recorded

NOW = datetime.now(UTC)
VISITS = [3, 3, 0, 7, 1, 3, 0, 12]  # ties of 3 and of 0, which pages cut through


async def _all_pages(api: Api, token: str, sort: str, first: int, **filter_: object) -> list[str]:
    seen: list[str] = []
    after = None
    while True:
        page = (
            await api.data(
                CUSTOMERS,
                {
                    "id": STORE1,
                    "sort": sort,
                    "first": first,
                    "after": after,
                    "filter": filter_ or None,
                },
                token=token,
            )
        )["store"]["customers"]
        seen += [edge["node"]["id"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            return seen
        after = page["pageInfo"]["endCursor"]


async def _population() -> list[int]:
    from models.points import PointBalance

    ids = []
    for n, visits in enumerate(VISITS):
        last = NOW - timedelta(days=n) if visits else None
        row = await factories.customer(
            1,
            visit_count=visits,
            total_paid=visits * 5000 + n,
            first_visit_at=last,
            last_visit_at=last,
        )
        ids.append(row.id)
        if n % 3:
            await PointBalance.create(
                store_id=1, customer_id=row.id, balance=[0, 500, 500, 90][n % 4]
            )
    await factories.customer(2, visit_count=99)
    return ids


async def test_every_sort_pages_through_every_customer_once_in_order(api: Api) -> None:
    # given
    ids = await _population()
    token = await owner(api)
    # when / then
    for sort in (
        "CREATED_DESC",
        "VISITS_DESC",
        "TOTAL_PAID_DESC",
        "LAST_VISIT_DESC",
        "POINTS_DESC",
    ):
        seen = await _all_pages(api, token, sort, 3)
        assert sorted(seen) == sorted(gid("Customer", pk) for pk in ids), sort
        assert len(seen) == len(set(seen)), sort
    by_visits = sorted(zip(VISITS, ids, strict=True), reverse=True)
    for first in (1, 2, 3):  # the ties of 3 and of 0 cut by pages, differently for each size
        assert await _all_pages(api, token, "VISITS_DESC", first) == [
            gid("Customer", pk) for _, pk in by_visits
        ], first
    last_visit = await _all_pages(api, token, "LAST_VISIT_DESC", 2)
    assert last_visit[:1] == [gid("Customer", ids[0])]
    assert set(last_visit[-2:]) == {gid("Customer", ids[2]), gid("Customer", ids[6])}
    for first in (1, 2, 3):  # the tie of 500 cut by pages, then the customers without points
        assert await _all_pages(api, token, "POINTS_DESC", first) == [
            gid("Customer", ids[n]) for n in (5, 2, 1, 7, 6, 4, 3, 0)
        ], first


async def test_total_count_is_given_when_asked(api: Api) -> None:
    # given
    await _population()
    # when
    data = await api.data(
        "query($id: ID!) { store(id: $id) { customers(first: 1) { totalCount } } }",
        {"id": STORE1},
        token=await owner(api),
    )
    tagged = await api.data(
        'query($id: ID!) { store(id: $id) { customers(first: 1, filter: {tag: "vip", segment: NEW})'
        " { totalCount } } }",
        {"id": STORE1},
        token=await owner(api),
    )
    # then
    assert data["store"]["customers"]["totalCount"] == 8
    assert tagged["store"]["customers"]["totalCount"] == 0


async def test_statements_per_page_do_not_grow_with_the_page(api: Api) -> None:
    # given
    for _ in range(60):
        await factories.customer(
            1, visit_count=1, last_visit_at=NOW, first_visit_at=NOW, tags=("vip",)
        )
    token = await owner(api)
    counts = {}
    # when
    for first in (5, 50):
        await api.data(CUSTOMERS, {"id": STORE1, "first": 1}, token=token)
        with recorded() as statements:
            data = await api.data(
                CUSTOMERS,
                {
                    "id": STORE1,
                    "first": first,
                    "sort": "LAST_VISIT_DESC",
                    "filter": {"tag": "vip", "segment": "NEW"},
                },
                token=token,
            )
        assert len(data["store"]["customers"]["edges"]) == first
        counts[first] = len(statements)
    # then
    assert counts[5] == counts[50]


async def test_filter_by_tag_and_search_by_phone_tail_and_name(api: Api) -> None:
    # given
    tagged = await factories.customer(1, name="최지우", phone="010-2222-4321", tags=("vip",))
    await factories.customer(1, name="박서준", phone="010-3333-8765")
    token = await owner(api)

    async def ids(**filter_: object) -> list[str]:
        data = await api.data(CUSTOMERS, {"id": STORE1, "filter": filter_}, token=token)
        return [e["node"]["id"] for e in data["store"]["customers"]["edges"]]

    # when / then
    expected = [gid("Customer", tagged.id)]
    assert await ids(tag="vip") == expected
    assert await ids(search="4321") == expected
    assert await ids(search="01022224321") == expected
    assert await ids(search="최지우") == expected
    assert await ids(search="최지") == []


async def test_the_tag_and_tier_filters_bind_their_values_instead_of_pasting_them(
    api: Api,
) -> None:
    # given a tag with every character a tag may hold, and a tier
    from models.tiers import CustomerTier, Tier

    tag = "R&D #1/2 a.b+c-d_e"
    gold = await Tier.create(store_id=1, name="골드", rank=2)
    tagged = await factories.customer(1, tags=(tag,))
    await CustomerTier.create(store_id=1, customer_id=tagged.id, tier_id=gold.id, since=NOW)
    await factories.customer(1, tags=("other",))
    token = await owner(api)
    query = (
        "query($id: ID!, $filter: CustomerFilterInput) { store(id: $id) {"
        " customers(filter: $filter) { totalCount edges { node { id } } } } }"
    )
    # when
    with recorded() as statements:
        data = await api.data(
            query,
            {"id": STORE1, "filter": {"tag": tag, "tierId": gid("Tier", gold.id)}},
            token=token,
        )
    # then the right customer is found, and neither value is written into the SQL text
    found = data["store"]["customers"]
    assert [e["node"]["id"] for e in found["edges"]] == [gid("Customer", tagged.id)]
    assert found["totalCount"] == 1
    sent = [sql for sql, _ in statements if "customer_tag" in sql]
    assert len(sent) == 2
    assert not any(tag in sql or f"= {gold.id}" in sql for sql in sent)


async def test_customer_by_phone_finds_any_writing_and_only_in_its_store(api: Api) -> None:
    # given
    row = await factories.customer(1, phone="010-9876-5432")
    query = (
        "query($id: ID!, $p: String!) { store(id: $id) { customerByPhone(phone: $p) "
        "{ id phone } } }"
    )
    token = await owner(api)
    # when
    found = await api.data(query, {"id": STORE1, "p": "+82 10 9876 5432"}, token=token)
    other = await api.data(
        query, {"id": gid("Store", 2), "p": "010-9876-5432"}, token=await owner(api, 2)
    )
    bad = await api.gql(query, {"id": STORE1, "p": "hello"}, token=token)
    # then
    assert found["store"]["customerByPhone"] == {
        "id": gid("Customer", row.id),
        "phone": "010-9876-5432",
    }
    assert other["store"]["customerByPhone"] is None
    assert error_code(bad) == "BAD_USER_INPUT"


async def test_a_foreign_cursor_is_bad_input(api: Api) -> None:
    body = await api.gql(
        CUSTOMERS,
        {"id": STORE1, "sort": "VISITS_DESC", "after": "bm9wZQ=="},
        token=await owner(api),
    )
    assert error_code(body) == "BAD_USER_INPUT"


async def test_filter_by_tier(api: Api) -> None:
    # given
    from models.tiers import CustomerTier, Tier

    gold = await Tier.create(store_id=1, name="골드", rank=2)
    member = await factories.customer(1)
    await factories.customer(1)
    await CustomerTier.create(store_id=1, customer_id=member.id, tier_id=gold.id, since=NOW)
    token = await owner(api)
    # when
    data = await api.data(
        CUSTOMERS, {"id": STORE1, "filter": {"tierId": gid("Tier", gold.id)}}, token=token
    )
    wrong = await api.gql(
        CUSTOMERS, {"id": STORE1, "filter": {"tierId": gid("Store", 1)}}, token=token
    )
    # then
    assert [e["node"]["id"] for e in data["store"]["customers"]["edges"]] == [
        gid("Customer", member.id)
    ]
    assert error_code(wrong) == "BAD_USER_INPUT"
    assert wrong["errors"][0]["extensions"]["field"] == "filter.tierId"


async def test_a_page_with_loyalty_fields_costs_the_same_statements_whatever_its_size(
    api: Api,
) -> None:
    # given customers holding points, and a store with tiers and a stamp card
    for _ in range(30):
        await factories.customer(1, visit_count=1, last_visit_at=NOW, first_visit_at=NOW)
    token = await owner(api)
    await api.data(
        "mutation($i: ConfigureStampCardInput!) { configureStampCard(input: $i) { __typename } }",
        {"i": {"storeId": STORE1, "stampsRequired": 10}},
        token=token,
    )
    await api.data(
        "mutation($i: CreateTierInput!) { createTier(input: $i) { __typename } }",
        {"i": {"storeId": STORE1, "name": "Silver", "rank": 1}},
        token=token,
    )
    page = """query ($id: ID!, $first: Int) { store(id: $id) { customers(first: $first) {
        edges { node { id pointsBalance tier { name } stampCard { stamps required } } } } } }"""
    counts = {}
    # when
    for first in (3, 30):
        await api.data(page, {"id": STORE1, "first": 1}, token=token)
        with recorded() as statements:
            data = await api.data(page, {"id": STORE1, "first": first}, token=token)
        assert len(data["store"]["customers"]["edges"]) == first
        counts[first] = len(statements)
    # then
    assert counts[3] == counts[30]


async def test_the_unfiltered_list_reads_what_the_orm_statement_reads(api: Api) -> None:
    # given: the ties the population holds, and every position a cursor can hold
    from models.customers import Customer
    from resolvers.customers import listing
    from resolvers.customers.listed import GLIMPSE, WHOLE

    await _population()
    for column, reading in itertools.product(("visit_count", "total_paid"), (WHOLE, GLIMPSE)):
        keyset = listing._Keyset.of_customer(column)
        every = await listing._rows_after(Customer.filter(store_id=1), keyset, None, 20, reading)
        for after in [None, *(listing.Position(getattr(r, column), r.id) for r in every)]:
            # when: the statement written once, and the one the ORM builds
            written = await listing._unfiltered(1, column, after, 3, reading)
            built = await listing._rows_after(
                Customer.filter(store_id=1), keyset, after, 3, reading
            )
            # then
            assert written == built, (column, after)
        assert len(every) == len(VISITS)
