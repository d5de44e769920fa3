from __future__ import annotations

from datetime import date

from models.audit import AuditEntry
from models.customers import Customer, CustomerTag
from tests.client import Api, gid
from tests.customers.helpers import STORE2, owner, register


async def test_owner_registers_a_customer_and_sees_it_whole(api: Api) -> None:
    # given
    token = await owner(api)
    # when
    result = await register(api, token, tags=["단골", "vegan"], gender="FEMALE", birthYear=1990)
    # then
    assert result["__typename"] == "CustomerSuccess"
    customer = result["customer"]
    assert customer["name"] == "김민수"
    assert customer["phone"] == "010-1234-5678"
    assert customer["piiMasked"] is False
    assert customer["tags"] == ["단골", "vegan"]
    # computed from the birth year when asked (36 in 2026)
    assert customer["ageBand"] == {3: "THIRTIES", 4: "FORTIES"}[(date.today().year - 1990) // 10]
    row = await Customer.get()
    assert row.store_id == 1 and row.key_version == 1
    assert sorted(await CustomerTag.filter(customer_id=row.id).values_list("tag", flat=True)) == [
        "vegan",
        "단골",
    ]
    assert await AuditEntry.filter(action="customers.create", target_id=str(row.id)).exists()


async def test_every_usual_writing_of_a_phone_is_the_same_customer(api: Api) -> None:
    # given
    token = await owner(api)
    first = await register(api, token, phone="010-1234-5678")
    # when
    again = [
        await register(api, token, phone=p)
        for p in ("01012345678", "+82 10 1234 5678", "+821012345678")
    ]
    # then
    for result in again:
        assert result["__typename"] == "DuplicateCustomer"
        assert result["existingCustomerId"] == first["customer"]["id"]
        assert result["field"] == "phone"
    assert await Customer.all().count() == 1


async def test_the_same_phone_may_be_a_customer_of_another_store(api: Api) -> None:
    # given
    await register(api, await owner(api, 1))
    # when
    result = await register(api, await owner(api, 2), store=STORE2)
    # then
    assert result["__typename"] == "CustomerSuccess"
    assert await Customer.all().count() == 2


async def test_malformed_phone_is_a_typed_error_and_changes_nothing(api: Api) -> None:
    # given
    token = await owner(api)
    # when
    results = [await register(api, token, phone=p) for p in ("12", "not a phone", "010-12")]
    # then
    assert {r["__typename"] for r in results} == {"InvalidInput"}
    assert {r["field"] for r in results} == {"phone"}
    assert await Customer.all().count() == 0


async def test_bad_name_birth_year_and_tag_are_typed_errors(api: Api) -> None:
    token = await owner(api)
    assert (await register(api, token, name="  "))["field"] == "name"
    assert (await register(api, token, birthYear=1800))["field"] == "birthYear"
    assert (await register(api, token, tags=["<script>"]))["field"] == "tags"
    assert await Customer.all().count() == 0


async def test_staff_registers_but_sees_the_new_customer_masked(api: Api) -> None:
    # given
    token = await api.token("staff1@dangol.test")
    # when
    result = await register(api, token, name="김민수", phone="010-1234-5678")
    # then
    assert result["customer"]["name"] == "김*수"
    assert result["customer"]["phone"] == "010-****-5678"
    assert result["customer"]["piiMasked"] is True


async def test_registering_in_another_store_is_absent(api: Api) -> None:
    # given
    token = await owner(api, 1)
    # when
    result = await register(api, token, store=STORE2)
    # then
    assert result["__typename"] == "NotFound"
    assert await Customer.all().count() == 0


async def test_customer_node_of_another_store_is_null(api: Api) -> None:
    # given
    created = await register(api, await owner(api, 1))
    # when
    data = await api.data(
        "query($id: ID!) { node(id: $id) { id ... on Customer { name } } }",
        {"id": created["customer"]["id"]},
        token=await owner(api, 2),
    )
    # then
    assert data["node"] is None
    assert gid("Customer", 1) == created["customer"]["id"]


async def test_concurrent_registrations_of_one_phone_make_one_customer(api: Api) -> None:
    # given
    import asyncio

    token = await owner(api)
    # when
    results = await asyncio.gather(*(register(api, token, phone="010-4444-5555") for _ in range(4)))
    # then
    assert (
        sorted(r["__typename"] for r in results) == ["CustomerSuccess"] + ["DuplicateCustomer"] * 3
    )
    assert await Customer.all().count() == 1
