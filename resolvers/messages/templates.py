"""Message templates: ``#{variable}`` placeholders, checked when a template is created and
filled for one customer at a time when a message is sent.

A variable belongs to one of three sources: the store, the recipient (only ever the
customer the message goes to), or the event that sends it (an order, a transfer, a tier
change, a campaign's coupon). Each use of a template says which event variables it can
fill; a template that needs more is refused there, never sent with holes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from enum import Enum

from core.context import Context
from core.database import write_transaction
from core.errors import InvalidInput
from models.messages import AutomationKind, MessageTemplate
from resolvers import audit
from resolvers.messages.errors import TemplateVariableUnavailable, UnknownTemplateVariable

MAX_BODY = 1000
MAX_NAME = 100
PLACEHOLDER = re.compile(r"#\{([^{}]*)\}")


class Source(str, Enum):
    STORE = "STORE"
    RECIPIENT = "RECIPIENT"
    EVENT = "EVENT"


VARIABLES: dict[str, Source] = {
    "storeName": Source.STORE,
    "storePhone": Source.STORE,
    "storeAddress": Source.STORE,
    "name": Source.RECIPIENT,
    "points": Source.RECIPIENT,
    "stamps": Source.RECIPIENT,
    "tierName": Source.RECIPIENT,
    "lastVisitDate": Source.RECIPIENT,
    "couponName": Source.EVENT,
    "orderNumber": Source.EVENT,
    "transferPoints": Source.EVENT,
    "previousTierName": Source.EVENT,
}
# The event variables each automation fills; a campaign fills couponName when it has a coupon.
AUTOMATION_EVENT_VARIABLES: dict[AutomationKind, frozenset[str]] = {
    AutomationKind.DORMANT_WINBACK: frozenset(),
    AutomationKind.INSIGHT_AUDIENCE: frozenset(),
    AutomationKind.ORDER_READY: frozenset({"orderNumber"}),
    AutomationKind.POINTS_TRANSFER: frozenset({"transferPoints"}),
    AutomationKind.TIER_CHANGE: frozenset({"previousTierName"}),
}


def variables_in(body: str) -> list[str]:
    """The variables a body names, in order of first use; unknown ones are a typed error."""
    opened = body.count("#{")
    found = PLACEHOLDER.findall(body)
    if opened != len(found):
        raise InvalidInput("A #{ is not closed with }.", field="body")
    names = list(dict.fromkeys(name.strip() for name in found))
    unknown = [name for name in names if name not in VARIABLES]
    if unknown:
        raise UnknownTemplateVariable(
            f"Unknown variables: {', '.join('#{' + n + '}' for n in unknown)}.",
            field="body",
            variables=unknown,
            known=sorted(VARIABLES),
        )
    return names


def check_fillable(template: MessageTemplate, event_variables: Iterable[str]) -> None:
    """Refuse a template whose event variables this use cannot fill."""
    allowed = set(event_variables)
    missing = [
        name
        for name in template.variables
        if VARIABLES.get(name) is Source.EVENT and name not in allowed
    ]
    if missing:
        raise TemplateVariableUnavailable(
            f"This message cannot fill {', '.join('#{' + n + '}' for n in missing)}.",
            field="template_id",
            variables=missing,
        )


def render(body: str, values: Mapping[str, str]) -> str:
    """The body with each placeholder replaced by its value (an absent value is empty)."""
    return PLACEHOLDER.sub(lambda match: values.get(match.group(1).strip(), ""), body)


async def create_template(
    ctx: Context,
    *,
    store_id: int,
    name: str,
    body: str,
    kakao_template_code: str | None = None,
) -> MessageTemplate:
    name = name.strip()
    if not 1 <= len(name) <= MAX_NAME:
        raise InvalidInput(f"A name of 1 to {MAX_NAME} characters is needed.", field="name")
    if not body.strip() or len(body) > MAX_BODY:
        raise InvalidInput(f"A body of 1 to {MAX_BODY} characters is needed.", field="body")
    if kakao_template_code is not None and not 1 <= len(kakao_template_code.strip()) <= 60:
        raise InvalidInput(
            "A Kakao template code has 1 to 60 characters.", field="kakao_template_code"
        )
    variables = variables_in(body)
    async with write_transaction():
        template = await MessageTemplate.create(
            store_id=store_id,
            name=name,
            body=body,
            variables=variables,
            kakao_template_code=kakao_template_code.strip() if kakao_template_code else None,
        )
        await audit.record(
            ctx,
            store_id=store_id,
            action="messages.template.create",
            target_type="message_template",
            target_id=template.id,
            after={"name": name, "variables": variables},
        )
    return template


async def template_of(store_id: int, template_id: int) -> MessageTemplate | None:
    """The store's template, or None (another store's template is absent here)."""
    return await MessageTemplate.get_or_none(id=template_id, store_id=store_id)
