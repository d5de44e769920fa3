"""Validation of a customer's fields, shared by the API and the CSV import."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from core.errors import InvalidInput
from models.customers import AgeBand, Gender, SourceChannel
from resolvers.pii import normalise_phone

TAG_PATTERN = re.compile(r"^[\w][\w .&+#/-]{0,39}$")
MAX_TAGS = 30


@dataclass
class CustomerFields:
    name: str
    phone: str
    birth_year: int | None = None
    age_band: AgeBand | None = None
    gender: Gender = Gender.UNDISCLOSED
    marketing_consent: bool = False
    source_channel: SourceChannel = SourceChannel.WALK_IN
    tags: tuple[str, ...] = ()


def clean_name(raw: str) -> str:
    name = " ".join(raw.split())
    if not name or len(name) > 50:
        raise InvalidInput("A name of 1 to 50 characters is needed.", field="name")
    return name


def clean_birth_year(year: int | None) -> int | None:
    if year is None:
        return None
    if year < 1900 or year > date.today().year:
        raise InvalidInput(
            "birthYear must be a year between 1900 and this year.", field="birth_year"
        )
    return year


def clean_tags(tags: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    cleaned: dict[str, None] = {}  # in order, each once, found in constant time
    for raw in tags:
        tag = " ".join(raw.split())
        if not TAG_PATTERN.match(tag):
            raise InvalidInput(
                "A tag has 1 to 40 letters, digits, spaces or - _ . & + # /.", field="tags"
            )
        cleaned[tag] = None
        if len(cleaned) > MAX_TAGS:  # at once: a cell of thousands of tags stays cheap
            raise InvalidInput(f"A customer has at most {MAX_TAGS} tags.", field="tags")
    return tuple(cleaned)


def clean(fields: CustomerFields) -> CustomerFields:
    return CustomerFields(
        name=clean_name(fields.name),
        phone=normalise_phone(fields.phone),
        birth_year=clean_birth_year(fields.birth_year),
        age_band=fields.age_band,
        gender=fields.gender,
        marketing_consent=fields.marketing_consent,
        source_channel=fields.source_channel,
        tags=clean_tags(fields.tags),
    )
