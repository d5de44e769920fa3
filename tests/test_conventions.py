"""The domain speaks plain ids and snake_case; the schema alone speaks GraphQL's names."""

from __future__ import annotations

import ast
from pathlib import Path

from graphql import GraphQLError

from core.errors import BadUserInput, PlanUpgradeRequired
from schema.hardening import shaped

ROOT = Path(__file__).resolve().parent.parent
DOMAIN = [*sorted((ROOT / "resolvers").rglob("*.py")), *sorted((ROOT / "core").rglob("*.py"))]


def _field_names(path: Path) -> list[tuple[int, str]]:
    """(line, text) of every ``field=`` given as a literal, and of every keyword argument."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if not isinstance(node, ast.Call):
            continue
        for keyword in node.keywords:
            if keyword.arg is not None:
                found.append((node.lineno, keyword.arg))
            if keyword.arg == "field" and isinstance(keyword.value, ast.Constant):
                found.append((node.lineno, str(keyword.value.value)))
            if keyword.arg == "field" and isinstance(keyword.value, ast.JoinedStr):
                for part in keyword.value.values:
                    if isinstance(part, ast.Constant):
                        found.append((node.lineno, str(part.value)))
    return found


def test_the_domain_names_fields_and_extensions_in_snake_case() -> None:
    # given every module of resolvers/ and core/
    camel = []
    for path in DOMAIN:
        # when
        for line, name in _field_names(path):
            if name != name.lower():
                camel.append(f"{path.relative_to(ROOT)}:{line} {name}")
    # then
    assert camel == []


def test_the_domain_makes_no_global_ids() -> None:
    # given / when
    found = [
        str(path.relative_to(ROOT))
        for path in DOMAIN
        if "GlobalID" in path.read_text() or '"Customer:' in path.read_text()
    ]
    # then
    assert found == []


def test_top_level_errors_show_their_names_in_camel_case() -> None:
    # given
    upgrade = PlanUpgradeRequired("This needs the PLUS plan.", required_plan="PLUS")
    bad = BadUserInput("tierId is not a tier id.", field="filter.tier_id")
    # when
    shown = [shaped(GraphQLError(e.message, original_error=e)).extensions for e in (upgrade, bad)]
    # then
    assert shown == [
        {"code": "PLAN_UPGRADE_REQUIRED", "requiredPlan": "PLUS"},
        {"code": "BAD_USER_INPUT", "field": "filter.tierId"},
    ]
