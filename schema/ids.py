"""Global ids: the one place where a schema id becomes a database id and back."""

from __future__ import annotations

from typing import overload

from strawberry import relay

from core.errors import NotFound


class Absent(Exception):
    """The object is not there (or, to the caller, might as well not be)."""


@overload
def global_id(type_name: str, pk: int) -> relay.GlobalID: ...
@overload
def global_id(type_name: str, pk: int | None) -> relay.GlobalID | None: ...
def global_id(type_name: str, pk: int | None) -> relay.GlobalID | None:
    """The global id of a ``type_name`` row, or None for no row."""
    return None if pk is None else relay.GlobalID(type_name, str(pk))


def decode_id(value: relay.GlobalID | str | None, type_name: str) -> int:
    """The database id inside a global id of ``type_name``; ``Absent`` for anything else."""
    if value is None:
        raise Absent
    try:
        found = value if isinstance(value, relay.GlobalID) else relay.GlobalID.from_id(value)
        if found.type_name != type_name:
            raise Absent
        pk = int(found.node_id)
    except (ValueError, TypeError) as exc:
        raise Absent from exc
    if not 0 < pk < 2**63:
        raise Absent
    return pk


def pk_of(value: relay.GlobalID, type_name: str, *, field: str) -> int:
    """The database id of an argument; a typed ``NotFound`` naming ``field`` otherwise."""
    try:
        return decode_id(value, type_name)
    except Absent as exc:
        raise NotFound(f"No such {type_name}.", field=field) from exc


def optional_pk_of(value: relay.GlobalID | None, type_name: str, *, field: str) -> int | None:
    return None if value is None else pk_of(value, type_name, field=field)


# The GraphQL type of each kind of object the domain names in plain words: an audit
# entry's target, a point entry's reference, an id inside an alert's payload.
NODE_TYPE_OF: dict[str, str] = {
    "account": "Account",
    "api_key": "ApiKey",
    "campaign": "MessageCampaign",
    "coupon": "Coupon",
    "coupon_template": "CouponTemplate",
    "cup_holder_campaign": "CupHolderCampaign",
    "customer": "Customer",
    "dispute": "SettlementDispute",
    "endpoint": "WebhookEndpoint",
    "entry": "PointEntry",
    "favourite_draw": "FavouriteDraw",
    "feedback": "Feedback",
    "first_visit_offer": "FirstVisitOffer",
    "membership": "StaffMember",
    "message_campaign": "MessageCampaign",
    "message_template": "MessageTemplate",
    "order": "Order",
    "order_refund": "Order",
    "product": "Product",
    "redemption": "Redemption",
    "reward": "Reward",
    "settlement": "Settlement",
    "staff_task": "StaffTask",
    "stock_item": "StockItem",
    "store": "Store",
    "tier": "Tier",
    "tier_promotion": "TierPromotion",
    "training_material": "TrainingMaterial",
    "webhook_delivery": "WebhookDelivery",
    "webhook_endpoint": "WebhookEndpoint",
}


def reference_id(kind: str | None, value: object) -> relay.GlobalID | None:
    """The global id of the ``kind`` object whose database id is ``value``; None if it is none."""
    type_name = NODE_TYPE_OF.get(kind or "")
    if type_name is None or value is None:
        return None
    try:
        pk = int(str(value))
    except ValueError:
        return None
    return relay.GlobalID(type_name, str(pk))


def _snake(key: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in key).lstrip("_")


def _camel(key: str) -> str:
    head, *rest = key.split("_")
    return head + "".join(part.title() for part in rest)


def payload_of(payload: dict[str, object]) -> dict[str, object]:
    """A domain payload (snake_case keys, plain ids) as the API shows it: camelCase keys, and
    every ``<kind>_id`` as the global id of its object. Older rows written in camelCase read
    the same."""
    shown: dict[str, object] = {}
    for key, value in payload.items():
        name = _snake(key)
        if name.endswith("_id") and name[:-3] in NODE_TYPE_OF:
            found = reference_id(name[:-3], value)
            shown[_camel(name)] = None if found is None else str(found)
        else:
            shown[_camel(name)] = value
    return shown
