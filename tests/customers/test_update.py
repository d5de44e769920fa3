from __future__ import annotations

from models.audit import AuditEntry
from models.customers import Customer, CustomerTag
from tests.client import Api, gid
from tests.customers import factories
from tests.customers.helpers import owner

UPDATE = """
mutation($input: UpdateCustomerInput!) { updateCustomer(input: $input) {
  __typename
  ... on CustomerSuccess { customer { name phone marketingConsent tags } }
  ... on DuplicateCustomer { existingCustomerId }
  ... on UserError { code field }
} }
"""
TAG = """
mutation($input: TagCustomersInput!) { tagCustomers(input: $input) {
  __typename
  ... on TagCustomersSuccess { customers { id tags } }
  ... on UserError { code field }
} }
"""


async def test_owner_changes_name_phone_and_consent(api: Api) -> None:
    # given
    row = await factories.customer(1, name="김민수", phone="010-1111-2222")
    # when
    result = (
        await api.data(
            UPDATE,
            {
                "input": {
                    "customerId": gid("Customer", row.id),
                    "name": "김민지",
                    "phone": "01033334444",
                    "marketingConsent": True,
                }
            },
            token=await owner(api),
        )
    )["updateCustomer"]
    # then
    assert result["customer"] == {
        "name": "김민지",
        "phone": "010-3333-4444",
        "marketingConsent": True,
        "tags": [],
    }
    stored = await Customer.get(id=row.id)
    assert stored.phone_index != row.phone_index
    entry = await AuditEntry.get(action="customers.update", target_id=str(row.id))
    assert "김민지" not in str(entry.after) and "3333" not in str(entry.after)


async def test_changing_to_another_customers_phone_is_a_duplicate(api: Api) -> None:
    # given
    first = await factories.customer(1, phone="010-1111-2222")
    second = await factories.customer(1, phone="010-3333-4444")
    # when
    result = (
        await api.data(
            UPDATE,
            {"input": {"customerId": gid("Customer", second.id), "phone": "010-1111-2222"}},
            token=await owner(api),
        )
    )["updateCustomer"]
    # then
    assert result["__typename"] == "DuplicateCustomer"
    assert result["existingCustomerId"] == gid("Customer", first.id)
    assert (await Customer.get(id=second.id)).phone_index == second.phone_index


async def test_updating_another_stores_customer_is_absent_and_changes_nothing(api: Api) -> None:
    # given
    row = await factories.customer(2, name="김민수")
    # when
    result = (
        await api.data(
            UPDATE,
            {"input": {"customerId": gid("Customer", row.id), "name": "해커"}},
            token=await owner(api, 1),
        )
    )["updateCustomer"]
    # then
    assert result["__typename"] == "NotFound"
    assert (await Customer.get(id=row.id)).name_encrypted == row.name_encrypted


async def test_tags_are_added_and_removed_for_many_customers(api: Api) -> None:
    # given
    a = await factories.customer(1, tags=("old", "keep"))
    b = await factories.customer(1)
    # when
    result = (
        await api.data(
            TAG,
            {
                "input": {
                    "customerIds": [gid("Customer", a.id), gid("Customer", b.id)],
                    "add": ["vip", "단골"],
                    "remove": ["old"],
                }
            },
            token=await api.token("staff1@dangol.test"),
        )
    )["tagCustomers"]
    # then
    assert [c["tags"] for c in result["customers"]] == [["keep", "vip", "단골"], ["vip", "단골"]]
    assert await CustomerTag.filter(tag="vip").count() == 2
    assert not await CustomerTag.filter(tag="old").exists()


async def test_tagging_with_one_customer_of_another_store_is_absent_and_tags_nothing(
    api: Api,
) -> None:
    # given
    mine = await factories.customer(1)
    theirs = await factories.customer(2)
    # when
    result = (
        await api.data(
            TAG,
            {
                "input": {
                    "customerIds": [gid("Customer", mine.id), gid("Customer", theirs.id)],
                    "add": ["vip"],
                }
            },
            token=await owner(api),
        )
    )["tagCustomers"]
    # then
    assert result["__typename"] == "NotFound"
    assert not await CustomerTag.filter(tag="vip").exists()
    assert (await Customer.get(id=mine.id)).tags == []


async def test_concurrent_tagging_loses_no_tag(api: Api) -> None:
    # given
    import asyncio

    row = await factories.customer(1)
    token = await owner(api)
    tags = [f"t{n}" for n in range(5)]
    # when
    await asyncio.gather(
        *(
            api.data(
                TAG,
                {"input": {"customerIds": [gid("Customer", row.id)], "add": [tag]}},
                token=token,
            )
            for tag in tags
        )
    )
    # then
    assert sorted((await Customer.get(id=row.id)).tags) == tags
    assert await CustomerTag.filter(customer_id=row.id).count() == 5
