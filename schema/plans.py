"""Plans (I8): what each plan includes, read from the ``plan=`` declared beside each field.

There is no second list to keep in step: the gated fields and mutations are found
in the built schema, where each carries the lowest plan it needs.
"""

from __future__ import annotations

from typing import Any
from weakref import WeakKeyDictionary

import strawberry
from graphql import GraphQLObjectType
from strawberry.schema.schema_converter import GraphQLCoreConverter

from schema.enums import Plan
from schema.operations import declared_operation


@strawberry.type(description="A feature above the Basic plan, and whether this store has it.")
class PlanFeature:
    feature: str = strawberry.field(description="The gated field or mutation, as Type.field.")
    required_plan: Plan
    included: bool


_gated: WeakKeyDictionary[Any, list[tuple[str, Plan]]] = WeakKeyDictionary()


def gated_fields(schema: strawberry.Schema) -> list[tuple[str, Plan]]:
    """Every field and mutation of ``schema`` that declares a plan, as (Type.field, plan)."""
    found = _gated.get(schema)
    if found is None:
        found = _gated[schema] = sorted(_scan(schema))
    return found


def _scan(schema: strawberry.Schema) -> list[tuple[str, Plan]]:
    found = []
    for graphql_type in schema._schema.type_map.values():
        if not isinstance(graphql_type, GraphQLObjectType):
            continue
        for name, field in graphql_type.fields.items():
            definition = (field.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
            operation = declared_operation(definition)
            if operation is not None and operation.plan is not None:
                found.append((f"{graphql_type.name}.{name}", operation.plan))
    return found


def features_of(schema: strawberry.Schema, plan: Plan) -> list[PlanFeature]:
    return [
        PlanFeature(feature=name, required_plan=required, included=plan.includes(required))
        for name, required in gated_fields(schema)
    ]
