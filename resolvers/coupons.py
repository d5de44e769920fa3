"""Coupons (E3): templates, issuing (by hand, to a segment, on a tier upgrade, on a first visit),
and their one use at checkout, given back when the order is cancelled or fully refunded."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise.expressions import F, Q
from tortoise.queryset import QuerySet

from core.context import Context
from core.database import write_transaction
from core.errors import (
    CouponAlreadyUsed,
    CouponExpired,
    CouponNotApplicable,
    CouponNotOwned,
    InvalidInput,
    MinimumSpendNotMet,
    NotFound,
)
from models.catalogue import Category, Product
from models.coupons import Coupon, CouponKind, CouponTemplate, CouponTrigger
from models.customers import Customer
from models.orders import OrderLine
from resolvers import audit, idempotency
from resolvers.customers.segments import Segment, filter_segment, store_clock, thresholds_of

MAX_AMOUNT = 10**12
MAX_RECIPIENTS = 10_000
BATCH = 500


@dataclass(frozen=True)
class TemplateFields:
    name: str
    kind: CouponKind
    value: int = 0
    minimum_spend: int = 0
    max_discount: int | None = None
    product_id: int | None = None
    category_id: int | None = None
    valid_days: int = 30
    trigger: CouponTrigger = CouponTrigger.MANUAL


def _check_template(f: TemplateFields) -> None:
    if not 1 <= len(f.name.strip()) <= 100:
        raise InvalidInput("A coupon name is 1 to 100 characters.", field="name")
    if f.kind == CouponKind.PERCENT and not 1 <= f.value <= 100:
        raise InvalidInput("A percent coupon is 1 to 100.", field="value")
    if f.kind == CouponKind.FIXED and not 1 <= f.value <= MAX_AMOUNT:
        raise InvalidInput("A fixed coupon is a positive amount.", field="value")
    if f.kind == CouponKind.FREE_ITEM and (f.value != 0 or f.product_id is None):
        raise InvalidInput(
            "A free-item coupon names its product and has no value.", field="product_id"
        )
    if f.product_id is not None and f.category_id is not None:
        raise InvalidInput(
            "A coupon is scoped to a product or a category, not both.", field="category_id"
        )
    if not 0 <= f.minimum_spend <= MAX_AMOUNT:
        raise InvalidInput("A minimum spend is zero or more.", field="minimum_spend")
    if f.max_discount is not None and not 1 <= f.max_discount <= MAX_AMOUNT:
        raise InvalidInput("A maximum discount is a positive amount.", field="max_discount")
    if not 1 <= f.valid_days <= 3650:
        raise InvalidInput("A coupon is valid for 1 to 3650 days.", field="valid_days")


async def _check_scope(store_id: int, fields: TemplateFields) -> None:
    if fields.product_id is not None and not await Product.exists(
        id=fields.product_id, store_id=store_id
    ):
        raise NotFound("No such product.", field="product_id")
    if fields.category_id is not None and not await Category.exists(
        id=fields.category_id, store_id=store_id
    ):
        raise NotFound("No such category.", field="category_id")


def _plain(fields: TemplateFields) -> dict[str, Any]:
    return {k: getattr(v, "value", v) for k, v in asdict(fields).items()}


async def create_template(ctx: Context, *, store_id: int, fields: TemplateFields) -> CouponTemplate:
    _check_template(fields)
    await _check_scope(store_id, fields)
    async with write_transaction():
        template = await CouponTemplate.create(
            store_id=store_id, **{**asdict(fields), "name": fields.name.strip()}
        )
        await audit.record(
            ctx,
            store_id=store_id,
            action="coupons.templates.create",
            target_type="coupon_template",
            target_id=template.id,
            after=_plain(fields),
        )
    return template


# What an update may change: everything but the kind, which gives the value its meaning.
TEMPLATE_CHANGES = frozenset(
    {
        "name",
        "value",
        "minimum_spend",
        "max_discount",
        "product_id",
        "category_id",
        "valid_days",
        "trigger",
        "is_active",
    }
)


async def update_template(
    ctx: Context, *, template_id: int, changes: dict[str, Any], action: str = "update"
) -> CouponTemplate:
    """Change the fields in ``changes`` (None clears ``max_discount``, ``product_id`` or
    ``category_id``). Coupons already issued keep their expiry and read the new terms at
    checkout; an inactive template issues no more coupons (by hand or automatically)."""
    unknown = set(changes) - TEMPLATE_CHANGES
    if unknown:
        raise InvalidInput(f"{sorted(unknown)[0]} cannot be changed.", field=sorted(unknown)[0])
    async with write_transaction():
        template = await CouponTemplate.get_or_none(id=template_id)
        if template is None:
            raise NotFound("No such coupon template.", field="template_id")
        before = TemplateFields(
            name=template.name,
            kind=template.kind,
            value=template.value,
            minimum_spend=template.minimum_spend,
            max_discount=template.max_discount,
            product_id=template.product_id,
            category_id=template.category_id,
            valid_days=template.valid_days,
            trigger=template.trigger,
        )
        after = replace(before, **{k: v for k, v in changes.items() if k != "is_active"})
        after = replace(after, name=after.name.strip())
        _check_template(after)
        await _check_scope(template.store_id, after)
        is_active = bool(changes.get("is_active", template.is_active))
        await CouponTemplate.filter(id=template_id).update(**asdict(after), is_active=is_active)
        await audit.record(
            ctx,
            store_id=template.store_id,
            action=f"coupons.templates.{action}",
            target_type="coupon_template",
            target_id=template_id,
            before={**_plain(before), "is_active": template.is_active},
            after={**_plain(after), "is_active": is_active},
        )
    return await CouponTemplate.get(id=template_id)


async def deactivate_template(ctx: Context, *, template_id: int) -> CouponTemplate:
    """Stop issuing the template's coupons; those already issued stay usable until they expire."""
    return await update_template(
        ctx, template_id=template_id, changes={"is_active": False}, action="deactivate"
    )


def templates_query(*, store_id: int, include_inactive: bool) -> QuerySet[CouponTemplate]:
    query = CouponTemplate.filter(store_id=store_id)
    return query if include_inactive else query.filter(is_active=True)


async def templates_page(
    *, store_id: int, include_inactive: bool, size: int, before_id: int | None
) -> list[CouponTemplate]:
    """Newest first; one more than ``size``, to tell whether more exist."""
    query = templates_query(store_id=store_id, include_inactive=include_inactive)
    if before_id is not None:
        query = query.filter(id__lt=before_id)
    return await query.order_by("-id").limit(size + 1)


async def _recipients(
    store_id: int, customer_ids: Sequence[int] | None, segment: str | None
) -> list[int]:
    if (customer_ids is None) == (segment is None):
        raise InvalidInput("Issue either to customerIds or to a segment.", field="customer_ids")
    if customer_ids is not None:
        wanted = sorted(set(customer_ids))
        if not 1 <= len(wanted) <= 1000:
            raise InvalidInput("Issue to 1 to 1000 customers at a time.", field="customer_ids")
        known = await Customer.filter(id__in=wanted, store_id=store_id).count()
        if known != len(wanted):
            raise NotFound("No such customer.", field="customer_ids")
        return wanted
    try:
        chosen = Segment(segment)
    except ValueError as exc:
        raise InvalidInput("No such segment.", field="segment") from exc
    thresholds = await thresholds_of(store_id)
    query = filter_segment(
        Customer.filter(store_id=store_id),
        chosen,
        thresholds,
        await store_clock(store_id, thresholds),
    )
    found: list[Any] = (
        await query.order_by("id").limit(MAX_RECIPIENTS + 1).values_list("id", flat=True)
    )
    if len(found) > MAX_RECIPIENTS:
        raise InvalidInput(
            f"A segment issue reaches at most {MAX_RECIPIENTS} customers.", field="segment"
        )
    return [int(pk) for pk in found]


async def _issue(
    template: CouponTemplate, customer_ids: Sequence[int], reason: CouponTrigger, at: datetime
) -> int:
    expires_at = at + timedelta(days=template.valid_days)
    for start in range(0, len(customer_ids), BATCH):
        await Coupon.bulk_create(
            [
                Coupon(
                    store_id=template.store_id,
                    template_id=template.id,
                    customer_id=pk,
                    issued_reason=reason,
                    issued_at=at,
                    expires_at=expires_at,
                )
                for pk in customer_ids[start : start + BATCH]
            ]
        )
    return len(customer_ids)


async def issue_coupons(
    ctx: Context,
    *,
    template_id: int,
    customer_ids: Sequence[int] | None,
    segment: str | None,
    idempotency_key: str,
) -> dict[str, Any]:
    template = await CouponTemplate.get_or_none(id=template_id)
    if template is None:
        raise NotFound("No such coupon template.", field="template_id")
    store_id: int = template.store_id
    if not template.is_active:
        raise InvalidInput("This coupon template is no longer active.", field="template_id")
    idempotency.check_key(idempotency_key)
    recipients = await _recipients(store_id, customer_ids, segment)
    reason = CouponTrigger.MANUAL if segment is None else CouponTrigger.SEGMENT
    request = {
        "template": template_id,
        "customers": sorted(customer_ids) if customer_ids else None,
        "segment": segment,
    }

    async def execute() -> dict[str, Any]:
        issued = await _issue(template, recipients, reason, datetime.now(UTC))
        await audit.record(
            ctx,
            store_id=store_id,
            action="coupons.issue",
            target_type="coupon_template",
            target_id=template_id,
            after={"issued": issued, "segment": segment},
        )
        return {"issued": issued, "template_id": template_id}

    return await idempotency.run_once(
        store_id=store_id,
        operation="issueCoupons",
        key=idempotency_key,
        request=request,
        execute=execute,
    )


async def issue_automatic(
    *, template_id: int, customer_id: int, store_id: int, reason_tier_upgrade: bool, at: datetime
) -> None:
    """Inside the caller's transaction: one coupon of the template, if it is still active."""
    template = await CouponTemplate.get_or_none(id=template_id, store_id=store_id, is_active=True)
    if template is not None:
        reason = CouponTrigger.TIER_UPGRADE if reason_tier_upgrade else CouponTrigger.FIRST_VISIT
        await _issue(template, [customer_id], reason, at)


async def issue_first_visit(*, store_id: int, customer_id: int, at: datetime) -> int:
    templates = await CouponTemplate.filter(
        store_id=store_id, trigger=CouponTrigger.FIRST_VISIT, is_active=True
    ).order_by("id")
    for template in templates:
        await _issue(template, [customer_id], CouponTrigger.FIRST_VISIT, at)
    return len(templates)


def coupons_query(customer_id: int, *, include_used: bool) -> QuerySet[Coupon]:
    """A customer's coupons; only those still usable unless ``include_used``."""
    query = Coupon.filter(customer_id=customer_id)
    if include_used:
        return query
    return query.filter(used_at__isnull=True, expires_at__gt=datetime.now(UTC))


async def coupons_of(
    customer_id: int,
    *,
    include_used: bool = False,
    first: int = 20,
    after: tuple[datetime, int] | None = None,
) -> list[Coupon]:
    """Soonest to expire first; ``after`` is the keyset cursor. One more than asked,
    to tell if more exist."""
    query = coupons_query(customer_id, include_used=include_used).select_related("template")
    if after is not None:
        expires_at, pk = after
        query = query.filter(Q(expires_at__gt=expires_at) | Q(expires_at=expires_at, id__gt=pk))
    return await query.order_by("expires_at", "id").limit(first + 1)


def _eligible(
    template: CouponTemplate,
    lines: Sequence[OrderLine],
    categories: dict[int, int | None],
    running: int,
) -> int:
    product_id = template.product_id
    category_id = template.category_id
    if product_id is None and category_id is None:
        return running
    scoped = sum(
        line.line_total
        for line in lines
        if line.product_id == product_id
        or (category_id is not None and categories.get(line.product_id) == category_id)
    )
    return min(scoped, running)


async def use(
    *,
    coupon_id: int,
    store_id: int,
    customer_id: int | None,
    order_id: int,
    lines: Sequence[OrderLine],
    categories: dict[int, int | None],
    running: int,
    at: datetime,
) -> tuple[int, str]:
    """Validate the coupon against the order so far and use it;
    the amount it takes off and its label."""
    coupon = await Coupon.get_or_none(id=coupon_id, store_id=store_id).select_related("template")
    if coupon is None:
        raise NotFound("No such coupon.", field="coupon_id")
    if customer_id is None or coupon.customer_id != customer_id:
        raise CouponNotOwned("This coupon belongs to another customer.", field="coupon_id")
    if coupon.used_at is not None:
        raise CouponAlreadyUsed("This coupon was already used.", field="coupon_id")
    if coupon.expires_at <= at:
        raise CouponExpired(
            "This coupon has expired.", field="coupon_id", expired_at=coupon.expires_at
        )
    template = coupon.template
    if running < template.minimum_spend:
        raise MinimumSpendNotMet(
            f"This coupon needs a spend of {template.minimum_spend}.",
            field="coupon_id",
            minimum_spend=template.minimum_spend,
        )
    eligible = _eligible(template, lines, categories, running)
    if template.kind == CouponKind.FREE_ITEM:
        prices = [line.unit_price for line in lines if line.product_id == template.product_id]
        amount = min(prices[0], running) if prices else 0
    elif template.kind == CouponKind.PERCENT:
        amount = eligible * template.value // 100
    else:
        amount = min(template.value, eligible)
    if template.max_discount is not None:
        amount = min(amount, template.max_discount)
    if amount <= 0:
        raise CouponNotApplicable(
            "Nothing in this order is covered by the coupon.", field="coupon_id"
        )
    used = await Coupon.filter(id=coupon_id, used_at__isnull=True, expires_at__gt=at).update(
        used_at=at, order_id=order_id
    )
    if not used:
        raise CouponAlreadyUsed("This coupon was already used.", field="coupon_id")
    await Customer.filter(id=customer_id).update(reward_uses=F("reward_uses") + 1)
    return amount, template.name


async def give_back(order_id: int) -> int:
    """A cancelled or fully refunded order's coupon is usable again (until it expires)."""
    customers = await Coupon.filter(order_id=order_id).values_list("customer_id", flat=True)
    returned = await Coupon.filter(order_id=order_id).update(used_at=None, order_id=None)
    for customer_id in customers:
        await Customer.filter(id=customer_id, reward_uses__gt=0).update(
            reward_uses=F("reward_uses") - 1
        )
    return returned
