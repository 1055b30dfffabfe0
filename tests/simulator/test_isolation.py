"""The simulator stands alone: it imports nothing of the product (only data files are read),
so the product can be rewritten without breaking the fake flyctl its tests rely on."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "runner" / "simulator"


def product_imports(source: str) -> list[str]:
    """Modules of the product (`runner` outside `runner.simulator`) that `source` imports."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [f"{node.module}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.ImportFrom):  # relative: `from .. import x` leaves the package
            names = ["runner.<relative>"] if node.level > 1 else []
        else:
            continue
        found += [
            n for n in names if n.split(".")[0] == "runner" and not n.startswith("runner.simulator")
        ]
    return found


def test_the_checker_catches_every_form() -> None:
    assert product_imports("import runner.flyctl") == ["runner.flyctl"]
    assert product_imports("from runner import regions") == ["runner.regions"]
    assert product_imports("def f():\n    from runner.spec import load\n") == ["runner.spec.load"]
    assert product_imports("from .. import cli") == ["runner.<relative>"]
    assert product_imports("from runner.simulator import state\nimport json") == []


def test_simulator_imports_nothing_of_the_product() -> None:
    modules = sorted(PACKAGE.glob("*.py"))
    assert len(modules) > 20
    offenders = {
        path.name: bad
        for path in modules
        if (bad := product_imports(path.read_text(encoding="utf-8")))
    }
    assert offenders == {}
