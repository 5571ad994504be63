"""The public API is one table in loyalty/__init__.py, mirrored for type checkers."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import loyalty

INIT = Path(loyalty.__file__)


def _type_checking_imports() -> dict[str, str]:
    tree = ast.parse(INIT.read_text(encoding="utf-8"))
    block = next(
        node
        for node in tree.body
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING"
    )
    names: dict[str, str] = {}
    for statement in block.body:
        assert isinstance(statement, ast.ImportFrom)
        for alias in statement.names:
            assert alias.asname == alias.name, f"{alias.name} must be re-exported as itself"
            names[alias.name] = str(statement.module)
    return names


def test_the_type_checking_mirror_lists_exactly_the_export_table() -> None:
    assert _type_checking_imports() == loyalty._EXPORTS


def test_all_lists_every_exported_name_and_the_version() -> None:
    assert sorted(loyalty.__all__) == sorted([*loyalty._EXPORTS, "__version__"])


def test_every_exported_name_resolves_to_the_object_its_module_defines() -> None:
    for name, module in loyalty._EXPORTS.items():
        assert getattr(loyalty, name) is getattr(importlib.import_module(module), name), name


def test_every_module_behind_an_export_lists_it_in_its_own_all() -> None:
    for name, module in loyalty._EXPORTS.items():
        assert name in importlib.import_module(module).__all__, f"{module}.__all__ lacks {name}"
