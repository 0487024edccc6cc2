"""Every public function, method and class of chalicelib/domain/ and chalicelib/adapters/ has a docstring.

Public means a name without a leading underscore, inside a public class if it is a method; dunder methods are
covered by their class's docstring. Protocol methods whose body is `...` and property getters count too.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("chalicelib/domain", "chalicelib/adapters")

_Definition = ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef


def _is_public(name: str) -> bool:
    return not name.startswith("_")


def _is_overload(node: _Definition) -> bool:
    # An @overload stub documents nothing on its own: the implementation below it carries the docstring.
    return any(
        (isinstance(d, ast.Name) and d.id == "overload") or (isinstance(d, ast.Attribute) and d.attr == "overload")
        for d in node.decorator_list
    )


def _public_definitions(body: list[ast.stmt], prefix: str) -> Iterator[tuple[str, _Definition]]:
    for node in body:
        if not isinstance(node, _Definition) or not _is_public(node.name):
            continue
        if _is_overload(node):
            continue
        qualified = f"{prefix}{node.name}"
        yield qualified, node
        if isinstance(node, ast.ClassDef):
            yield from _public_definitions(node.body, f"{qualified}.")


def _missing_docstrings() -> list[str]:
    missing = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).glob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            for qualified, node in _public_definitions(tree.body, ""):
                if not ast.get_docstring(node):
                    missing.append(f"{path.relative_to(ROOT)}:{node.lineno} {qualified}")
    return missing


def test_public_definitions_of_domain_and_adapters_have_docstrings():
    missing = _missing_docstrings()
    assert not missing, f"{len(missing)} public definitions have no docstring:\n" + "\n".join(missing)


def test_the_walk_finds_the_ports():
    # Guards the walk itself: a filter that matched nothing would pass the test above vacuously.
    found = {
        qualified
        for package in PACKAGES
        for path in (ROOT / package).glob("*.py")
        for qualified, _ in _public_definitions(ast.parse(path.read_text(encoding="utf-8")).body, "")
    }
    assert len(found) > 100
    assert any("." in name for name in found)
