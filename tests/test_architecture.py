"""The import graph (README "Development"): imports only go down the layers, no module reaches
up, nothing forms a cycle (imports inside functions count: a lazy import for start-up time is
fine, one that dodges a cycle is not), and the simulator stays a test double."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1] / "runner"
# Lowest first; a module may import its own layer (no cycles) and the layers below it.
LAYERS = (
    ("runner", "runner.errors", "runner.resources"),
    ("runner.disk", "runner.locks", "runner.syntax", "runner.importer", "runner.vcs"),
    ("runner.flyctl",),
    ("runner.model",),
    ("runner.events", "runner.state_file"),
    ("runner.facts",),
    ("runner.spec",),
    ("runner.handlers",),
    ("runner.tasks",),
    ("runner.playbook", "runner.plan_file", "runner.plan_guard"),
    ("runner.executor",),
    ("runner.report",),
    ("runner.select", "runner.fleet"),
    ("runner.run", "runner.init"),
    ("runner.demo",),
    ("runner.cli", "runner.cli_args", "runner.__main__", "runner.entry"),
)
SIMULATOR = "runner.simulator"


def _name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _runtime_nodes(tree: ast.Module) -> Iterator[ast.AST]:
    """Every node but those under `if TYPE_CHECKING:` (imports for annotations only: they
    never run, so they make no cycle)."""
    todo: list[ast.AST] = [tree]
    while todo:
        node = todo.pop()
        yield node
        if isinstance(node, ast.If) and getattr(node.test, "id", "") == "TYPE_CHECKING":
            todo.extend(node.orelse)
        else:
            todo.extend(ast.iter_child_nodes(node))


def _imports(path: Path, known: set[str]) -> Iterator[str]:
    """What a module imports at run time (in functions too): `from pkg import mod` is
    `pkg.mod` (a package's own __init__ runs first either way, as Python imports parents
    before children)."""
    for node in _runtime_nodes(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                yield full if full in known else node.module


def _modules() -> dict[str, set[str]]:
    found = {_name(p): p for p in ROOT.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in found.items():
        graph[name] = {m for m in _imports(path, set(found)) if m in found and m != name}
    return graph


def _layer(module: str) -> int:
    best, rank = -1, -1
    for index, prefixes in enumerate(LAYERS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > best:
                best, rank = len(prefix), index
    return rank


GRAPH = _modules()


def test_every_module_has_a_layer() -> None:
    assert [m for m in GRAPH if not m.startswith(SIMULATOR) and _layer(m) < 0] == []


def test_imports_only_go_down() -> None:
    upward = [
        f"{module} (layer {_layer(module)}) imports {target} (layer {_layer(target)})"
        for module, targets in GRAPH.items()
        if not module.startswith(SIMULATOR)
        for target in targets
        if not target.startswith(SIMULATOR) and _layer(target) > _layer(module)
    ]
    assert upward == []


def test_no_cycles() -> None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(module: str) -> None:
        state[module] = 1
        stack.append(module)
        for target in sorted(GRAPH[module]):
            if state.get(target) == 1:
                pytest.fail("import cycle: " + " -> ".join([*stack[stack.index(target) :], target]))
            if target not in state:
                visit(target)
        stack.pop()
        state[module] = 2

    for module in sorted(GRAPH):
        if module not in state:
            visit(module)


def test_the_simulator_is_a_test_double() -> None:
    """It imports nothing of the product; the product imports it only in the demo."""
    leaks = [
        f"{m} imports {t}"
        for m, targets in GRAPH.items()
        if m.startswith(SIMULATOR)
        for t in targets
        if not t.startswith(SIMULATOR) and t != "runner"
    ]
    users = sorted(
        m
        for m, targets in GRAPH.items()
        if not m.startswith(SIMULATOR) and any(t.startswith(SIMULATOR) for t in targets)
    )
    assert leaks == [] and users == ["runner.demo"]


def test_the_layers_name_real_packages() -> None:
    for prefixes in LAYERS:
        for prefix in prefixes:
            assert any(m == prefix or m.startswith(prefix + ".") for m in GRAPH), prefix
