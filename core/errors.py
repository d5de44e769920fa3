"""Errors that the domain raises, each declared once.

A ``UserError`` is a rule of the business; the schema derives a typed member
of the mutations' result unions from each class (its ``code`` and the fields
annotated on it). A ``RequestError`` concerns the request as a whole and
becomes a top-level GraphQL error with ``extensions.code``.

Field names are snake_case (``field="lines.0.product_id"``) and ids are plain
ids; an id of another object is annotated ``Annotated[int | None, NodeRef("Type")]``
so that the schema can present it as that object's global id.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, ClassVar, get_type_hints

from models.notifications import NotificationKind
from models.orders import OrderStatus
from models.rewards import RedemptionStatus


@dataclass(frozen=True)
class NodeRef:
    """Marks an ``int`` field of an error as the id of an object of ``type_name``."""

    type_name: str


class UserError(Exception):
    code: ClassVar[str] = "INVALID"

    def __init__(self, message: str, *, field: str | None = None, **extra: Any) -> None:
        super().__init__(message)
        unknown = set(extra) - set(self.extra_fields())
        if unknown:
            raise TypeError(f"{type(self).__name__} declares no field {', '.join(sorted(unknown))}")
        self.message = message
        self.field = field
        self.extra = extra

    @classmethod
    def extra_fields(cls) -> dict[str, Any]:
        """The typed fields this error carries besides code, message and field."""
        found = _extra_fields.get(cls)
        if found is None:
            hints = get_type_hints(cls, include_extras=True)
            found = {name: hint for name, hint in hints.items() if name != "code"}
            _extra_fields[cls] = found
        return found


# Read once per class. (A dict, not functools.cache: mypy does not see classes as hashable.)
_extra_fields: dict[type[UserError], dict[str, Any]] = {}


class NotFound(UserError):
    code = "NOT_FOUND"


class InvalidInput(UserError):
    code = "INVALID_INPUT"


class InvalidCredentials(UserError):
    code = "INVALID_CREDENTIALS"


class InvalidRefreshToken(UserError):
    code = "INVALID_REFRESH_TOKEN"


class AlreadyExists(UserError):
    code = "ALREADY_EXISTS"
    membership_id: Annotated[int | None, NodeRef("StaffMember")]


class LastOwner(UserError):
    code = "LAST_OWNER"


class NotDelegable(UserError):
    code = "NOT_DELEGABLE"


class MandatoryNotification(UserError):
    code = "MANDATORY_NOTIFICATION"
    kind: NotificationKind | None


class IdempotencyKeyReused(UserError):
    code = "IDEMPOTENCY_KEY_REUSED"


class IllegalOrderTransition(UserError):
    code = "ILLEGAL_ORDER_TRANSITION"
    from_: OrderStatus | None
    to: OrderStatus | None


class OrderNotCompleted(UserError):
    """Only a completed order, not refunded, can be given a customer after payment."""

    code = "ORDER_NOT_COMPLETED"
    status: OrderStatus | None


class OrderHasCustomer(UserError):
    code = "ORDER_HAS_CUSTOMER"
    customer_id: Annotated[int | None, NodeRef("Customer")]


class AttachWindowClosed(UserError):
    """The time to give a completed order its customer has passed."""

    code = "ATTACH_WINDOW_CLOSED"
    closed_at: datetime | None


class ProductArchived(UserError):
    code = "PRODUCT_ARCHIVED"
    product_id: Annotated[int | None, NodeRef("Product")]


class RefundExceedsRemaining(UserError):
    code = "REFUND_EXCEEDS_REMAINING"
    remaining: int | None


class RequestError(Exception):
    """A top-level error; its extensions are named in snake_case (``retry_after``,
    ``field="filter.tier_id"``) and the schema shows them in camelCase."""

    code: ClassVar[str] = "BAD_REQUEST"

    def __init__(self, message: str, **extensions: Any) -> None:
        super().__init__(message)
        self.message = message
        self.extensions = extensions


class Unauthenticated(RequestError):
    code = "UNAUTHENTICATED"


class Forbidden(RequestError):
    code = "FORBIDDEN"


class RateLimited(RequestError):
    code = "RATE_LIMITED"


class BadUserInput(RequestError):
    code = "BAD_USER_INPUT"


class PlanUpgradeRequired(RequestError):
    code = "PLAN_UPGRADE_REQUIRED"


class DuplicateCustomer(UserError):
    code = "DUPLICATE_CUSTOMER"
    existing_customer_id: Annotated[int | None, NodeRef("Customer")]


class CsvMalformed(UserError):
    code = "CSV_MALFORMED"
    line: int | None


class CsvColumnsInvalid(UserError):
    code = "CSV_COLUMNS_INVALID"
    unknown_columns: list[str]
    missing_columns: list[str]


class CsvTooLarge(UserError):
    code = "CSV_TOO_LARGE"
    max_rows: int | None
    max_bytes: int | None
    max_columns: int | None


class InsufficientPoints(UserError):
    code = "INSUFFICIENT_POINTS"
    available: int | None


class InsufficientStamps(UserError):
    code = "INSUFFICIENT_STAMPS"
    available: int | None


class RewardInactive(UserError):
    code = "REWARD_INACTIVE"


class RedemptionNotPending(UserError):
    code = "REDEMPTION_NOT_PENDING"
    status: RedemptionStatus | None


class RedemptionNotApproved(UserError):
    code = "REDEMPTION_NOT_APPROVED"
    status: RedemptionStatus | None


class RedemptionAlreadyApplied(UserError):
    code = "REDEMPTION_ALREADY_APPLIED"
    order_id: Annotated[int | None, NodeRef("Order")]


class RedemptionOfAnotherCustomer(UserError):
    code = "REDEMPTION_OF_ANOTHER_CUSTOMER"


class RedemptionNotCancellable(UserError):
    """Only a PENDING or APPROVED redemption, not yet in an order, can be cancelled."""

    code = "REDEMPTION_NOT_CANCELLABLE"
    status: RedemptionStatus | None


class TierLadderInvalid(UserError):
    code = "TIER_LADDER_INVALID"
    conflicting_tier_id: Annotated[int | None, NodeRef("Tier")]


class CouponExpired(UserError):
    code = "COUPON_EXPIRED"
    expired_at: datetime | None


class CouponAlreadyUsed(UserError):
    code = "COUPON_ALREADY_USED"


class CouponNotOwned(UserError):
    code = "COUPON_NOT_OWNED"


class CouponNotApplicable(UserError):
    code = "COUPON_NOT_APPLICABLE"


class MinimumSpendNotMet(UserError):
    code = "MINIMUM_SPEND_NOT_MET"
    minimum_spend: int | None
