"""Registering, updating and tagging customers; finding one by id or phone."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from tortoise import connections
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError

from core.context import Context
from core.database import dialect, write_transaction
from core.errors import DuplicateCustomer, InvalidInput, NotFound
from models.customers import Customer, CustomerTag
from models.points import PointSource
from models.tiers import TierChangeReason
from resolvers import audit, idempotency, points
from resolvers.customers import lookups
from resolvers.customers.fields import (
    CustomerFields,
    clean,
    clean_birth_year,
    clean_name,
    clean_tags,
)
from resolvers.customers.listed import CustomerRow
from resolvers.pii import NAME, PHONE, PiiKeys, keys_for, normalise_phone
from resolvers.tiers import standing

MAX_TAGGED = 500


async def allocate_ids(conn: BaseDBAsyncClient, count: int) -> list[int]:
    """Ids taken before the insert, so the values can be sealed to their customer."""
    if dialect() == "postgres":
        rows = await conn.execute_query_dict(
            "SELECT nextval(pg_get_serial_sequence('customer', 'id')) AS id "
            "FROM generate_series(1, $1)",
            [count],
        )
        return [int(row["id"]) for row in rows]
    rows = await conn.execute_query_dict(
        "SELECT MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'customer'), 0), "
        "COALESCE((SELECT MAX(id) FROM customer), 0)) AS top"
    )
    top = int(rows[0]["top"])
    return list(range(top + 1, top + 1 + count))


def sealed(
    keys: PiiKeys, *, store_id: int, customer_id: int, name: str, phone: str
) -> dict[str, Any]:
    return {
        "name_encrypted": keys.seal(
            name, store_id=store_id, customer_id=customer_id, field_name=NAME
        ),
        "phone_encrypted": keys.seal(
            phone, store_id=store_id, customer_id=customer_id, field_name=PHONE
        ),
        "name_index": keys.name_index(store_id, name),
        "phone_index": keys.phone_index(store_id, phone),
        "phone_tail_index": keys.phone_tail_index(store_id, phone),
        "key_version": keys.version,
    }


def new_row(keys: PiiKeys, *, store_id: int, customer_id: int, data: CustomerFields) -> Customer:
    """A new customer's row from checked fields, name and phone sealed (not yet saved)."""
    return Customer(
        id=customer_id,
        store_id=store_id,
        birth_year=data.birth_year,
        age_band=data.age_band,
        gender=data.gender,
        marketing_consent=data.marketing_consent,
        source_channel=data.source_channel,
        tags=list(data.tags),
        **sealed(
            keys, store_id=store_id, customer_id=customer_id, name=data.name, phone=data.phone
        ),
    )


def opened(keys: PiiKeys, customer: CustomerRow) -> tuple[str, str]:
    return opened_name(keys, customer), opened_phone(keys, customer)


def opened_name(keys: PiiKeys, customer: CustomerRow) -> str:
    return _opened(keys, customer, NAME, customer.name_encrypted)


def opened_phone(keys: PiiKeys, customer: CustomerRow) -> str:
    return _opened(keys, customer, PHONE, customer.phone_encrypted)


def _opened(keys: PiiKeys, customer: CustomerRow, field_name: str, sealed_text: str) -> str:
    return keys.open(
        sealed_text,
        field_name=field_name,
        version=customer.key_version,
        store_id=customer.store_id,
        customer_id=customer.id,
    )


def audit_view(fields: CustomerFields | dict[str, Any]) -> dict[str, Any]:
    """What the audit log keeps of a customer: never the name or the phone."""
    values = asdict(fields) if isinstance(fields, CustomerFields) else dict(fields)
    values.pop("name", None)
    values.pop("phone", None)
    return {
        k: (v.value if hasattr(v, "value") else list(v) if isinstance(v, tuple) else v)
        for k, v in values.items()
    }


async def _duplicate(store_id: int, phone_index: str, *, except_id: int | None = None) -> None:
    query = Customer.filter(store_id=store_id, phone_index=phone_index)
    if except_id is not None:
        query = query.exclude(id=except_id)
    found: list[Any] = await query.values_list("id", flat=True)
    if found:
        raise DuplicateCustomer(
            "A customer with that phone number exists already.",
            field="phone",
            existing_customer_id=int(found[0]),
        )


async def set_tags(
    customer_ids: Iterable[int], store_id: int, tags_by_customer: dict[int, tuple[str, ...]]
) -> None:
    ids = list(customer_ids)
    await CustomerTag.filter(customer_id__in=ids).delete()
    await CustomerTag.bulk_create(
        [
            CustomerTag(store_id=store_id, customer_id=cid, tag=tag)
            for cid in ids
            for tag in tags_by_customer.get(cid, ())
        ],
        batch_size=1000,
    )


async def register(
    ctx: Context,
    *,
    store_id: int,
    fields: CustomerFields,
    referred_by: int | None = None,
    idempotency_key: str | None = None,
) -> Customer:
    """A new customer, with the sign-up and referral points; under an idempotency key a retry
    answers the first registration and awards nothing twice."""
    if idempotency_key is not None:
        idempotency.check_key(idempotency_key)
    data = clean(fields)
    keys = keys_for(ctx.settings)

    async def execute() -> idempotency.Result:
        return {"customer_id": await _register(ctx, store_id, data, keys, referred_by)}

    # The request as the digest sees it: the name and phone only through their keyed indexes.
    request = {
        **audit_view(data),
        "name": keys.name_index(store_id, data.name),
        "phone": keys.phone_index(store_id, data.phone),
        "referred_by": referred_by,
    }
    try:
        result = await idempotency.run(
            store_id=store_id,
            operation="customers.create",
            key=idempotency_key,
            request=request,
            execute=execute,
        )
    except IntegrityError:
        await _duplicate(store_id, keys.phone_index(store_id, data.phone))
        raise
    return await Customer.get(id=int(result["customer_id"]))


async def _register(
    ctx: Context, store_id: int, data: CustomerFields, keys: PiiKeys, referred_by: int | None
) -> int:
    if referred_by is not None and not await Customer.exists(id=referred_by, store_id=store_id):
        raise NotFound("No such customer.", field="referred_by_customer_id")
    await _duplicate(store_id, keys.phone_index(store_id, data.phone))
    [customer_id] = await allocate_ids(connections.get("default"), 1)
    customer = new_row(keys, store_id=store_id, customer_id=customer_id, data=data)
    await customer.save(force_create=True)
    await set_tags([customer.id], store_id, {customer.id: data.tags})
    awards = [(customer.id, PointSource.SIGNUP)]
    if referred_by is not None:
        awards.append((referred_by, PointSource.REFERRAL))
    for earner, source in awards:
        if await points.award(
            ctx,
            customer_id=earner,
            source=source,
            reference_type="customer",
            reference_id=customer.id,
        ):
            await standing.reevaluate(
                store_id=store_id,
                customer_id=earner,
                at=datetime.now(UTC),
                reason=TierChangeReason.UPGRADE_ON_POINTS,
            )
    await audit.record(
        ctx,
        store_id=store_id,
        action="customers.create",
        target_type="customer",
        target_id=customer.id,
        after=audit_view(data),
    )
    return customer_id


async def update(ctx: Context, *, customer_id: int, changes: dict[str, Any]) -> Customer:
    keys = keys_for(ctx.settings)
    for name, value in changes.items():
        if value is None and name in (
            "name",
            "phone",
            "gender",
            "marketing_consent",
            "source_channel",
            "tags",
        ):
            raise InvalidInput(f"{name.replace('_', ' ')} cannot be null.", field=name)
    if "name" in changes:
        changes["name"] = clean_name(changes["name"])
    if "phone" in changes:
        changes["phone"] = normalise_phone(changes["phone"])
    if "birth_year" in changes:
        changes["birth_year"] = clean_birth_year(changes["birth_year"])
    if "tags" in changes:
        changes["tags"] = list(clean_tags(changes["tags"]))
    try:
        await _update(ctx, customer_id, changes)
    except IntegrityError:
        if "phone" in changes:
            store_id: int = (await customer_of_any(customer_id)).store_id
            index = keys.phone_index(store_id, changes["phone"])
            await _duplicate(store_id, index, except_id=customer_id)
        raise
    return await Customer.get(id=customer_id)


async def customer_of_any(customer_id: int) -> Customer:
    customer = await Customer.get_or_none(id=customer_id)
    if customer is None:
        raise NotFound("No such customer.", field="customer_id")
    return customer


async def _update(ctx: Context, customer_id: int, changes: dict[str, Any]) -> None:
    keys = keys_for(ctx.settings)
    async with write_transaction():
        customer = await Customer.filter(id=customer_id).select_for_update().first()
        if customer is None:
            raise NotFound("No such customer.", field="customer_id")
        store_id: int = customer.store_id
        before = {k: getattr(customer, k) for k in changes if k not in ("name", "phone")}
        plain = {k: v for k, v in changes.items() if k not in ("name", "phone")}
        if "name" in changes or "phone" in changes:
            name, phone = opened(keys, customer)
            name, phone = changes.get("name", name), changes.get("phone", phone)
            if "phone" in changes:
                await _duplicate(store_id, keys.phone_index(store_id, phone), except_id=customer.id)
            plain.update(
                sealed(keys, store_id=store_id, customer_id=customer.id, name=name, phone=phone)
            )
        if plain:
            await Customer.filter(id=customer.id).update(**plain)
        if "tags" in changes:
            await set_tags([customer.id], store_id, {customer.id: tuple(changes["tags"])})
        await audit.record(
            ctx,
            store_id=store_id,
            action="customers.update",
            target_type="customer",
            target_id=customer.id,
            before=audit_view(before),
            after=audit_view(
                {
                    **changes,
                    **({"pii_changed": True} if "name" in changes or "phone" in changes else {}),
                }
            ),
        )


async def tag(
    ctx: Context, *, store_id: int, customer_ids: list[int], add: list[str], remove: list[str]
) -> list[Customer]:
    if not customer_ids or len(customer_ids) > MAX_TAGGED:
        raise InvalidInput(f"Tag 1 to {MAX_TAGGED} customers at a time.", field="customer_ids")
    adding, removing = clean_tags(add), set(clean_tags(remove))
    if not adding and not removing:
        raise InvalidInput("Name tags to add or to remove.", field="add")
    async with write_transaction():
        customers = (
            await Customer.filter(id__in=customer_ids, store_id=store_id)
            .order_by("id")
            .select_for_update()
        )
        if len(customers) != len(set(customer_ids)):
            raise NotFound("No such customer.", field="customer_ids")
        new_tags: dict[int, tuple[str, ...]] = {}
        for customer in customers:
            kept = [t for t in customer.tags if t not in removing]
            new_tags[customer.id] = clean_tags(kept + [t for t in adding if t not in kept])
            if list(new_tags[customer.id]) != list(customer.tags):
                await Customer.filter(id=customer.id).update(tags=list(new_tags[customer.id]))
            customer.tags = list(new_tags[customer.id])
        await set_tags(new_tags, store_id, new_tags)
        await audit.record(
            ctx,
            store_id=store_id,
            action="customers.tag",
            target_type="customer",
            target_id=",".join(str(c) for c in sorted(new_tags))[:64],
            after={
                "customers": sorted(new_tags),
                "added": list(adding),
                "removed": sorted(removing),
            },
        )
    return customers


async def by_phone(ctx: Context, *, store_id: int, phone: str) -> Customer | None:
    """Limited per caller (``lookups``): a miss counts, a customer found does not."""
    index = keys_for(ctx.settings).phone_index(store_id, normalise_phone(phone))
    return await lookups.limited_row(
        ctx, store_id=store_id, model=Customer, where={"store_id": store_id, "phone_index": index}
    )
