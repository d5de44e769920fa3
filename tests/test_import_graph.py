"""No two modules import each other, however long the way round.

import-linter keeps the floors apart; inside one floor only this keeps the domains from
tying into a circle, which Python reports only when the modules happen to load in the
wrong order (a worker process, say, and never the test suite). Imports inside functions
are left out: they run when called, not when the module loads.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("app", "core", "models", "policies", "resolvers", "schema")


def _module_of(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imported(module: str, node: ast.Import | ast.ImportFrom, known: set[str]) -> set[str]:
    """The project modules an import statement needs loaded first.

    A module's own packages are loaded before it, so importing a submodule through them
    ties nothing; taking a name defined in one of them does, as it may not be set yet.
    """
    if isinstance(node, ast.Import):
        targets = [alias.name for alias in node.names]
    else:
        base = node.module or ""
        if node.level:
            anchor = module.split(".")[: -node.level]
            base = ".".join([*anchor, base] if base else anchor)
        submodules = [f"{base}.{alias.name}" for alias in node.names]
        names_taken = any(submodule not in known for submodule in submodules)
        targets = [*([base] if names_taken else []), *submodules]
    own_packages = {".".join(module.split(".")[:end]) for end in range(1, module.count(".") + 1)}
    needed = set()
    for target in targets:
        parts = target.split(".")
        parents = {".".join(parts[:end]) for end in range(1, len(parts))} - own_packages
        needed |= parents | {target}
    return (needed & known) - {module}


def _top_level_imports(tree: ast.Module) -> list[ast.Import | ast.ImportFrom]:
    """Imports that run when the module loads: at module level, under any if or try."""
    found: list[ast.Import | ast.ImportFrom] = []
    pending: list[ast.stmt] = list(tree.body)
    while pending:
        statement = pending.pop()
        if isinstance(statement, ast.Import | ast.ImportFrom):
            found.append(statement)
        elif isinstance(statement, ast.If):
            pending.extend([*statement.body, *statement.orelse])
        elif isinstance(statement, ast.Try):
            handlers = [line for handler in statement.handlers for line in handler.body]
            pending.extend([*statement.body, *handlers, *statement.orelse, *statement.finalbody])
    return found


def _graph() -> dict[str, set[str]]:
    paths = [path for package in PACKAGES for path in sorted((ROOT / package).rglob("*.py"))]
    known = {_module_of(path) for path in paths}
    graph = {}
    for path in paths:
        module = _module_of(path)
        tree = ast.parse(path.read_text(), str(path))
        graph[module] = set().union(
            *(_imported(module, node, known) for node in _top_level_imports(tree))
        )
    return graph


def _circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for target in sorted(graph[module]):
            if target not in index:
                visit(target)
                low[module] = min(low[module], low[target])
            elif target in on_stack:
                low[module] = min(low[module], index[target])
        if low[module] == index[module]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == module:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return found


def test_the_finder_sees_a_circle_through_a_package() -> None:
    # given a package whose __init__ loads a module that imports back through it
    graph = {"a": {"b.c"}, "b": {"b.d"}, "b.c": {"b"}, "b.d": {"a"}}
    # when / then
    assert _circles(graph) == [["a", "b", "b.c", "b.d"]]


def test_no_module_imports_itself_the_long_way_round() -> None:
    # given every module of the service / when
    circles = _circles(_graph())
    # then
    assert circles == []
