"""The house rules that keep the code legible, checked on the source itself.

Size is a smell, not a target: no line count is checked. A module is split where its
responsibilities split, or not at all; what ruff measures (C901, the complexity of each
function) and what a reviewer reads is the design.
Views, API methods and Celery tasks stay thin (at most 15 lines from ``def`` to the last line):
they validate, call one service or selector, and render or serialise.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APP_DIRS = ("braintrial", "scoring")
MAX_THIN_LINES = 15
HTTP_METHODS = {"get", "post", "put", "patch", "delete"}


def app_modules() -> Iterator[Path]:
    for folder in APP_DIRS:
        for path in sorted((ROOT / folder).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


def _length(node: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    """Lines from ``def`` to the last line of the body (decorators not counted)."""
    return (node.end_lineno or node.lineno) - node.lineno + 1


def _is_task(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    for decorator in node.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        name = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", "")
        if name in {"shared_task", "task"}:
            return True
    return False


def thin_functions(path: Path) -> Iterator[tuple[str, int]]:
    """(qualified name, lines) of every view function, API method and Celery task in a module."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    is_views = path.name == "views.py"
    is_api = "api" in path.relative_to(ROOT).parts
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            if (is_views and not node.name.startswith("_")) or _is_task(node):
                yield node.name, _length(node)
        elif isinstance(node, ast.ClassDef) and (is_api or is_views):
            for member in node.body:
                if isinstance(member, ast.FunctionDef) and member.name in HTTP_METHODS:
                    yield f"{node.name}.{member.name}", _length(member)


def test_views_api_methods_and_tasks_are_thin() -> None:
    fat = {
        f"{path.relative_to(ROOT)}:{name}": n
        for path in app_modules()
        for name, n in thin_functions(path)
        if n > MAX_THIN_LINES
    }
    assert fat == {}, f"move the work into a service or selector: {fat}"


def test_the_checker_sees_views_api_methods_and_tasks() -> None:
    """Guards the guard: it must find the thin functions it is meant to measure."""
    found = {
        f"{path.relative_to(ROOT)}:{name}"
        for path in app_modules()
        for name, _ in thin_functions(path)
    }
    assert "braintrial/participants/views.py:flow" in found
    assert any(name.startswith("scoring/tasks.py:") for name in found)
    assert any(name.startswith("braintrial/api/") and name.endswith(".get") for name in found)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("def view(request):\n" + "    x = 1\n" * 15, 16),
        ("@decorator\ndef view(request):\n    return 1\n", 2),
    ],
)
def test_length_counts_from_def_to_the_last_line(source: str, expected: int) -> None:
    node = ast.parse(source).body[0]
    assert isinstance(node, ast.FunctionDef)
    assert _length(node) == expected


@pytest.mark.django_db
def test_migrations_describe_the_models() -> None:
    from django.core.management import call_command

    # --check exits non-zero when a model change has no migration.
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)
