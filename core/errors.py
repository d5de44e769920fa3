"""Errors that the domain raises.

A ``UserError`` is a rule of the business; the schema returns it as a typed
member of the mutation's result union. A ``RequestError`` concerns the request
as a whole and becomes a top-level GraphQL error with ``extensions.code``.
"""

from __future__ import annotations

from typing import Any, ClassVar


class UserError(Exception):
    code: ClassVar[str] = "INVALID"

    def __init__(self, message: str, *, field: str | None = None, **extra: Any) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.extra = extra


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


class LastOwner(UserError):
    code = "LAST_OWNER"


class NotDelegable(UserError):
    code = "NOT_DELEGABLE"


class MandatoryNotification(UserError):
    code = "MANDATORY_NOTIFICATION"


class IdempotencyKeyReused(UserError):
    code = "IDEMPOTENCY_KEY_REUSED"


class IllegalOrderTransition(UserError):
    code = "ILLEGAL_ORDER_TRANSITION"


class ProductArchived(UserError):
    code = "PRODUCT_ARCHIVED"


class RefundExceedsRemaining(UserError):
    code = "REFUND_EXCEEDS_REMAINING"


class RequestError(Exception):
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


class CsvMalformed(UserError):
    code = "CSV_MALFORMED"


class CsvColumnsInvalid(UserError):
    code = "CSV_COLUMNS_INVALID"


class CsvTooLarge(UserError):
    code = "CSV_TOO_LARGE"


class InsufficientPoints(UserError):
    code = "INSUFFICIENT_POINTS"


class InsufficientStamps(UserError):
    code = "INSUFFICIENT_STAMPS"


class RewardInactive(UserError):
    code = "REWARD_INACTIVE"


class RedemptionNotPending(UserError):
    code = "REDEMPTION_NOT_PENDING"


class RedemptionNotApproved(UserError):
    code = "REDEMPTION_NOT_APPROVED"


class RedemptionAlreadyApplied(UserError):
    code = "REDEMPTION_ALREADY_APPLIED"


class RedemptionOfAnotherCustomer(UserError):
    code = "REDEMPTION_OF_ANOTHER_CUSTOMER"


class TierLadderInvalid(UserError):
    code = "TIER_LADDER_INVALID"


class CouponExpired(UserError):
    code = "COUPON_EXPIRED"


class CouponAlreadyUsed(UserError):
    code = "COUPON_ALREADY_USED"


class CouponNotOwned(UserError):
    code = "COUPON_NOT_OWNED"


class CouponNotApplicable(UserError):
    code = "COUPON_NOT_APPLICABLE"


class MinimumSpendNotMet(UserError):
    code = "MINIMUM_SPEND_NOT_MET"
