"""The payments modules import each other in straight lines, never in a circle.

A circle (service needing settle needing refunds needing service) is what once forced imports
inside functions; read from the source with ``ast``, so a function-level import counts too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import hearth.payments

PACKAGE = "hearth.payments"
ROOT = Path(hearth.payments.__file__).parent


def modules() -> dict[str, Path]:
    found = {}
    for path in ROOT.rglob("*.py"):
        parts = path.relative_to(ROOT).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join((PACKAGE, *parts))] = path
    return found


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    """The payments modules ``name`` imports, anywhere in the file."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            # ``from hearth.payments import service`` imports the module service.
            targets = [f"{base}.{a.name}" for a in node.names] + [base]
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            # A package is loaded before its own modules: importing from it is no edge.
            if target and target != name and not name.startswith(f"{target}."):
                out.add(target)
    return out


def graph() -> dict[str, set[str]]:
    found = modules()
    return {name: imports_of(name, path, set(found)) for name, path in found.items()}


def find_cycle(edges: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(n: str) -> list[str] | None:
        state[n] = 1
        path.append(n)
        for m in sorted(edges.get(n, ())):
            if state.get(m) == 1:
                return [*path[path.index(m) :], m]
            if m not in state and (cycle := visit(m)) is not None:
                return cycle
        path.pop()
        state[n] = 2
        return None

    for n in sorted(edges):
        if n not in state and (cycle := visit(n)) is not None:
            return cycle
    return None


def test_the_payments_modules_import_each_other_without_a_cycle():
    assert find_cycle(graph()) is None


def test_the_use_cases_share_the_intent_storage_rather_than_each_other():
    g = graph()
    for name in ("settle", "refunds", "reversal"):
        assert f"{PACKAGE}.service" not in g[f"{PACKAGE}.{name}"], name
    assert f"{PACKAGE}.settle" not in g[f"{PACKAGE}.refunds"]


def test_the_failover_decision_is_pure():
    allowed = {
        f"{PACKAGE}.domain",
        f"{PACKAGE}.messages",
        f"{PACKAGE}.providers.base",
        f"{PACKAGE}.providers",
    }
    assert graph()[f"{PACKAGE}.failover"] <= allowed


def test_the_cycle_finder_finds_one():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
