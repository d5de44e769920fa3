"""The table must keep up with the schema: an operation without a row fails here."""

from __future__ import annotations

from graphql import GraphQLObjectType

from schema.graph import build_schema
from schema.operations import declared_action
from tests.authorization.table import Row, all_rows, shape_of

ROOT_TYPES = ("Query", "Mutation", "Subscription")


def operations_needing_rows() -> dict[str, str | None]:
    """Every root field, and every other field that declares an action, with its action."""
    schema = build_schema()
    found: dict[str, str | None] = {}
    for name, graphql_type in schema._schema.type_map.items():
        if name.startswith("__") or not isinstance(graphql_type, GraphQLObjectType):
            continue
        definition = schema.get_type_by_name(name)
        for field in getattr(definition, "fields", []):
            action = declared_action(field)
            if name in ROOT_TYPES or action is not None:
                found[f"{name}.{schema.config.name_converter.get_graphql_name(field)}"] = action
    return found


def test_the_walk_finds_the_known_operations() -> None:
    found = operations_needing_rows()
    for known in (
        "Query.me",
        "Query.node",
        "Query.explainAccess",
        "Mutation.login",
        "Mutation.unassignRole",
        "Store.staff",
        "Store.auditLog",
        "Store.apiKeys",
    ):
        assert known in found


def test_every_operation_has_a_row() -> None:
    covered = {row.op for row in all_rows()}
    missing = sorted(set(operations_needing_rows()) - covered)
    assert not missing, "operations without a row in tests/authorization/rows_*.py: " + ", ".join(
        missing
    )


def test_every_root_field_declares_its_action() -> None:
    undeclared = sorted(
        op
        for op, action in operations_needing_rows().items()
        if op.split(".")[0] in ROOT_TYPES and action is None
    )
    assert not undeclared, f"root fields without schema.operations query/mutation: {undeclared}"


def test_every_row_names_an_operation_its_document_selects() -> None:
    operations = operations_needing_rows()
    rows: list[Row] = all_rows()
    problems = []
    for row in rows:
        if row.op not in operations:
            problems.append(f"{row.id}: no such operation")
        elif row.op not in shape_of(row.document).fields:
            problems.append(f"{row.id}: the document does not select {row.op}")
    ids = [row.id for row in rows]
    problems += [
        f"{i}: two rows share this id" for i in sorted({i for i in ids if ids.count(i) > 1})
    ]
    assert not problems, problems
