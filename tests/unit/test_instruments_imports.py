"""The questionnaire package stands alone: standard library and its own modules only."""

import ast
import sys
from pathlib import Path

import instruments

PACKAGE = Path(instruments.__file__).parent


def imported_top_level_names(source):
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            yield from (alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            yield node.module.split(".")[0]


def test_only_the_standard_library_is_imported():
    modules = sorted(PACKAGE.rglob("*.py"))
    assert len(modules) >= 5
    for module in modules:
        for name in imported_top_level_names(module.read_text(encoding="utf-8")):
            assert name in sys.stdlib_module_names or name == "__future__", f"{module.name} imports {name}"
