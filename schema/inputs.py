"""Partial inputs: which fields a client sent (``UNSET`` means "leave as it is")."""

from __future__ import annotations

from typing import Any

import strawberry

from core.errors import InvalidInput


def provided(data: Any, *skip: str, nullable: tuple[str, ...] | None = None) -> dict[str, Any]:
    """The fields of ``data`` that were sent, by Python name, leaving out ``skip``.

    With ``nullable`` given, a null sent for any other field is refused: null there
    would mean "erase", which those fields do not allow.
    """
    values = {
        name: value
        for name, value in vars(data).items()
        if value is not strawberry.UNSET and name not in skip
    }
    if nullable is not None:
        for name, value in values.items():
            if value is None and name not in nullable:
                raise InvalidInput(f"{name} cannot be null.", field=name)
    return values
