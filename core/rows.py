"""A query's columns as plain tuples, the values Tortoise's ``values_list`` gives, converted
only where the driver's value is not already the Python one.

``values_list`` calls each field's ``to_python_value`` for every value of every row: on a 50-row
page of 18 columns that is 900 calls, most of them returning an int or a str unchanged, and it
cost more than the page's SQL. Here the columns that need a conversion are found once per
(model, columns, dialect), and only their non-null values are converted, the way Tortoise
converts them (``tests/speed/test_plain_rows.py`` compares the two).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, tzinfo
from enum import Enum
from functools import lru_cache
from typing import Any, TypeVar

from ciso8601 import parse_datetime  # what Tortoise parses SQLite's instants with
from tortoise import fields
from tortoise.fields.data import CharEnumFieldInstance, IntEnumFieldInstance
from tortoise.models import Model
from tortoise.queryset import QuerySet
from tortoise.timezone import get_default_timezone, get_use_tz

from core.database import connection, dialect

M = TypeVar("M", bound=Model)
Convert = Callable[[Any], Any]

# Fields whose value comes from both drivers as the Python value itself (INTEGER as int,
# VARCHAR and TEXT as str): Tortoise's conversion returns it unchanged.
_AS_READ: tuple[type[fields.Field[Any]], ...] = (
    fields.IntField,
    fields.BigIntField,
    fields.SmallIntField,
    fields.CharField,
    fields.TextField,
)


async def plain_rows(query: QuerySet[M], columns: Sequence[str]) -> list[tuple[Any, ...]]:
    """``await query.values_list(*columns)``, in one statement, with fewer conversions."""
    sql, parameters = _statement(query, columns)
    client = connection()
    _, rows = await client.execute_query(sql, parameters)
    return _converted(query.model, columns, rows, client.schema_generator.DIALECT)


async def written_rows(
    model: type[M], columns: Sequence[str], sql: str, parameters: Sequence[Any]
) -> list[tuple[Any, ...]]:
    """The rows of a statement written by hand that selects ``columns`` of ``model`` in that
    order, converted as ``plain_rows`` converts them."""
    client = connection()
    _, rows = await client.execute_query(sql, list(parameters))
    return _converted(model, columns, rows, client.schema_generator.DIALECT)


def select_list(model: type[Model], columns: Sequence[str]) -> str:
    """``columns`` of ``model`` as the select list of a statement written by hand."""
    projection = model._meta.fields_db_projection
    return ", ".join(f'"{projection[name]}"' for name in columns)


async def plain_rows_in_turn(
    queries: Sequence[QuerySet[M]], columns: Sequence[str], limit: int
) -> list[tuple[Any, ...]]:
    """The first ``limit`` rows of the queries (each ordered) one after the other, in one
    statement on SQLite: ``SELECT * FROM (first) UNION ALL SELECT * FROM (second) ... LIMIT n``,
    whose parts SQLite runs in turn, stopping at the limit. (Its parameters are positional;
    PostgreSQL's are numbered per statement, so there each query is a statement of its own.)"""
    current = dialect()
    if current == "postgres":
        found: list[tuple[Any, ...]] = []
        for query in queries:
            if len(found) < limit:
                found += await plain_rows(query.limit(limit - len(found)), columns)
        return found
    statements = [_statement(query, columns) for query in queries]
    parts = " UNION ALL ".join(
        f'SELECT * FROM ({part}) AS "part_{number}"'
        for number, (part, _) in enumerate(statements, start=1)
    )
    parameters = [value for _, values in statements for value in values]
    _, rows = await connection().execute_query(f"{parts} LIMIT ?", [*parameters, limit])
    return _converted(queries[0].model, columns, rows, current)


def _statement(query: QuerySet[M], columns: Sequence[str]) -> tuple[str, list[Any]]:
    values = query.values_list(*columns)
    # Tortoise builds the statement in ``__await__`` and then runs it and converts every value;
    # these are its building steps
    values._choose_db_if_not_chosen()
    values._make_query()
    sql, parameters = values.query.get_parameterized_sql()
    return sql, list(parameters)


def _converted(
    model: type[Model], columns: Sequence[str], rows: Any, dialect: str
) -> list[tuple[Any, ...]]:
    converters = _converters(model, tuple(columns), dialect)
    if not converters:
        return [tuple(row) for row in rows]
    converted: list[tuple[Any, ...]] = []
    for row in rows:
        found = list(row)
        for index, convert in converters:
            value = found[index]
            if value is not None:
                found[index] = convert(value)
        converted.append(tuple(found))
    return converted


@lru_cache(maxsize=256)
def _converters(
    model: type[Model], columns: tuple[str, ...], dialect: str
) -> tuple[tuple[int, Convert], ...]:
    """The (position, conversion) of each column whose values need one. ``dialect`` keys the
    cache: a process reads one database, the tests one per run."""
    fields_map = model._meta.fields_map
    found = ((index, _converter(fields_map[name])) for index, name in enumerate(columns))
    return tuple((index, convert) for index, convert in found if convert is not None)


def _converter(field: fields.Field[Any]) -> Convert | None:
    if type(field) in _AS_READ:
        return None
    if isinstance(field, fields.DatetimeField) and get_use_tz():
        return _instant_in(_as_given(get_default_timezone()), field)
    if isinstance(field, CharEnumFieldInstance | IntEnumFieldInstance):
        return _member_of(field.enum_type)
    if isinstance(field, fields.BooleanField):
        return _boolean
    return field.to_python_value


def _as_given(zone: tzinfo) -> tzinfo:
    """UTC as ``datetime.UTC``, the zone both drivers give their instants in (asyncpg's values,
    ciso8601's reading of SQLite's text). Tortoise's ``ZoneInfo("UTC")`` is the same offset and
    writes the same ISO text; moving every value to it cost a third of reading a page's rows."""
    return UTC if str(zone) == "UTC" else zone


def _instant_in(zone: tzinfo, field: fields.DatetimeField[Any]) -> Convert:
    """As ``DatetimeField.to_python_value`` with ``use_tz``: aware, in the default time zone
    (``_as_given``)."""

    def instant(value: Any) -> Any:
        if isinstance(value, str):
            value = parse_datetime(value)
        elif not isinstance(value, datetime):
            return field.to_python_value(value)
        if value.tzinfo is None:
            return value.replace(tzinfo=zone)
        return value if value.tzinfo is zone else value.astimezone(zone)

    return instant


def _member_of(enum_type: type[Enum]) -> Convert:
    members = enum_type._value2member_map_

    def member(value: Any) -> Any:
        found = members.get(value)
        return found if found is not None else enum_type(value)

    return member


def _boolean(value: Any) -> bool:
    return value if isinstance(value, bool) else bool(value)
