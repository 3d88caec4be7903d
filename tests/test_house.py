"""The house rules that keep the code legible, checked on the source itself.

Size is a smell, not a target. A module past 300 lines is a prompt to look for responsibilities
that split; where they do, it becomes a package, and where they do not, it stays whole and
LONG_MODULES says why. Squeezing code under the line count is a defect, not a fix: what ruff
measures (C901, the complexity of each function) and what a reviewer reads is the design.
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
# Past this many lines a module is looked at again (see the docstring); not a limit to fit.
LONG_MODULE_LINES = 300
# Modules over LONG_MODULE_LINES that were looked at and stay whole: path -> why.
LONG_MODULES: dict[str, str] = {
    "braintrial/analysis/types.py": "the study report's one contract: TypedDicts only, no code "
    "paths, declared in the report's own order so that it reads as the report's shape; split, "
    "a reader would follow one report across several files",
    "braintrial/settings.py": "the one settings module the house's conventions ask for: every "
    "setting and the environment variable behind it in one place, grouped by concern; its "
    "helpers (reading the environment, the secret key, the Postgres options) live in env.py "
    "and postgres/",
}
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


def _module_lines() -> dict[str, int]:
    return {
        str(path.relative_to(ROOT)): len(path.read_text(encoding="utf-8").splitlines())
        for path in app_modules()
    }


def test_every_long_module_says_why_it_stays_whole() -> None:
    """A module grown past LONG_MODULE_LINES is split where its responsibilities split, or
    named in LONG_MODULES with the reason it is one responsibility."""
    unexplained = {
        path: n
        for path, n in _module_lines().items()
        if n > LONG_MODULE_LINES and path not in LONG_MODULES
    }
    assert unexplained == {}, (
        f"split these where their responsibilities split, or say in LONG_MODULES why each is "
        f"one (never squeeze them under {LONG_MODULE_LINES} lines): {unexplained}"
    )


def test_the_long_module_list_names_only_long_modules() -> None:
    """An entry whose module was split or shrank goes, so the list keeps meaning something."""
    lines = _module_lines()
    stale = [path for path in LONG_MODULES if lines.get(path, 0) <= LONG_MODULE_LINES]
    assert stale == [], f"no longer long (or gone): remove from LONG_MODULES: {stale}"
    assert all(reason.strip() for reason in LONG_MODULES.values())


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
