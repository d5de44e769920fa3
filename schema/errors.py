"""Typed errors: members of the mutations' result unions, one per rule of the business."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry

from core import errors as domain
from models.notifications import NotificationKind
from models.orders import OrderStatus
from models.rewards import RedemptionStatus


@strawberry.interface(name="UserError")
class UserError:
    code: str
    message: str
    field: str | None = None


@strawberry.type
class NotFound(UserError):
    pass


@strawberry.type
class InvalidInput(UserError):
    pass


@strawberry.type
class InvalidCredentials(UserError):
    pass


@strawberry.type
class InvalidRefreshToken(UserError):
    pass


@strawberry.type
class AlreadyExists(UserError):
    membership_id: strawberry.ID | None = None


@strawberry.type
class LastOwner(UserError):
    pass


@strawberry.type
class NotDelegable(UserError):
    pass


@strawberry.type
class MandatoryNotification(UserError):
    kind: NotificationKind | None = None


@strawberry.type
class IdempotencyKeyReused(UserError):
    pass


OrderStatusType = strawberry.enum(OrderStatus, name="OrderStatus")


@strawberry.type
class IllegalOrderTransition(UserError):
    from_: OrderStatusType | None = strawberry.field(name="from", default=None)  # type: ignore[valid-type]
    to: OrderStatusType | None = None  # type: ignore[valid-type]


@strawberry.type
class ProductArchived(UserError):
    product_id: strawberry.ID | None = None


@strawberry.type
class RefundExceedsRemaining(UserError):
    remaining: int | None = None


@strawberry.type
class DuplicateCustomer(UserError):
    existing_customer_id: strawberry.ID | None = None


@strawberry.type
class CsvMalformed(UserError):
    line: int | None = None


@strawberry.type
class CsvColumnsInvalid(UserError):
    unknown_columns: list[str] = strawberry.field(default_factory=list)
    missing_columns: list[str] = strawberry.field(default_factory=list)


@strawberry.type
class CsvTooLarge(UserError):
    max_rows: int | None = None
    max_bytes: int | None = None


@strawberry.type
class TierLadderInvalid(UserError):
    conflicting_tier_id: strawberry.ID | None = None


@strawberry.type
class CouponExpired(UserError):
    expired_at: datetime | None = None


@strawberry.type
class CouponAlreadyUsed(UserError):
    pass


@strawberry.type
class CouponNotOwned(UserError):
    pass


@strawberry.type
class CouponNotApplicable(UserError):
    pass


@strawberry.type
class MinimumSpendNotMet(UserError):
    minimum_spend: int | None = None


RedemptionStatusType = strawberry.enum(RedemptionStatus, name="RedemptionStatus")


@strawberry.type
class InsufficientPoints(UserError):
    available: int | None = None


@strawberry.type
class InsufficientStamps(UserError):
    available: int | None = None


@strawberry.type
class RewardInactive(UserError):
    pass


@strawberry.type
class RedemptionNotPending(UserError):
    status: RedemptionStatusType | None = None  # type: ignore[valid-type]


@strawberry.type
class RedemptionNotApproved(UserError):
    status: RedemptionStatusType | None = None  # type: ignore[valid-type]


@strawberry.type
class RedemptionAlreadyApplied(UserError):
    order_id: strawberry.ID | None = None


@strawberry.type
class RedemptionOfAnotherCustomer(UserError):
    pass


ERROR_TYPES: dict[type[domain.UserError], type[UserError]] = {
    domain.InsufficientPoints: InsufficientPoints,
    domain.InsufficientStamps: InsufficientStamps,
    domain.RewardInactive: RewardInactive,
    domain.RedemptionNotPending: RedemptionNotPending,
    domain.RedemptionNotApproved: RedemptionNotApproved,
    domain.RedemptionAlreadyApplied: RedemptionAlreadyApplied,
    domain.RedemptionOfAnotherCustomer: RedemptionOfAnotherCustomer,
    domain.NotFound: NotFound,
    domain.InvalidInput: InvalidInput,
    domain.InvalidCredentials: InvalidCredentials,
    domain.InvalidRefreshToken: InvalidRefreshToken,
    domain.AlreadyExists: AlreadyExists,
    domain.LastOwner: LastOwner,
    domain.NotDelegable: NotDelegable,
    domain.MandatoryNotification: MandatoryNotification,
    domain.IdempotencyKeyReused: IdempotencyKeyReused,
    domain.DuplicateCustomer: DuplicateCustomer,
    domain.CsvMalformed: CsvMalformed,
    domain.CsvColumnsInvalid: CsvColumnsInvalid,
    domain.CsvTooLarge: CsvTooLarge,
    domain.IllegalOrderTransition: IllegalOrderTransition,
    domain.ProductArchived: ProductArchived,
    domain.RefundExceedsRemaining: RefundExceedsRemaining,
    domain.TierLadderInvalid: TierLadderInvalid,
    domain.CouponExpired: CouponExpired,
    domain.CouponAlreadyUsed: CouponAlreadyUsed,
    domain.CouponNotOwned: CouponNotOwned,
    domain.CouponNotApplicable: CouponNotApplicable,
    domain.MinimumSpendNotMet: MinimumSpendNotMet,
}


def to_graphql(error: domain.UserError) -> UserError:
    error_type = ERROR_TYPES[type(error)]
    extra: dict[str, Any] = {
        name: value
        for name, value in error.extra.items()
        if name in error_type.__annotations__
        or name in getattr(error_type, "__dataclass_fields__", {})
    }
    return error_type(code=error.code, message=error.message, field=error.field, **extra)


def not_found(what: str = "object") -> NotFound:
    return NotFound(code=domain.NotFound.code, message=f"No such {what}.", field=None)
