"""The acting user is worked out in one place: accounts.acting.user_or_none."""

import ast
import os
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import AnonymousUser

from accounts.acting import user_or_none
from accounts.models import User

ROOT = Path(settings.BASE_DIR)
SKIPPED_FOLDERS = {"node_modules", "__pycache__", "migrations", "static"}


def test_a_signed_in_user_is_recorded():
    user = User(email="secretary@society.test")
    assert user_or_none(user) is user


def test_an_anonymous_visitor_is_recorded_as_no_one():
    assert user_or_none(AnonymousUser()) is None


def test_no_actor_is_recorded_as_no_one():
    assert user_or_none(None) is None


def _python_files():
    for folder, subfolders, files in os.walk(ROOT):
        subfolders[:] = [name for name in subfolders
                         if not name.startswith(".") and name not in SKIPPED_FOLDERS]
        for name in files:
            if name.endswith(".py"):
                yield Path(folder) / name


def _is_inline_copy(node) -> bool:
    """`x if x is not None and x.is_authenticated else None`, in any spelling of x."""
    if not (isinstance(node, ast.IfExp) and isinstance(node.orelse, ast.Constant)
            and node.orelse.value is None and isinstance(node.test, ast.BoolOp)):
        return False
    return any(isinstance(part, ast.Attribute) and part.attr == "is_authenticated"
               for value in node.test.values for part in ast.walk(value))


def test_the_acting_user_is_worked_out_only_in_accounts_acting():
    copies = []
    for path in _python_files():
        if path == ROOT / "accounts" / "acting.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            named = isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) \
                and node.name.lstrip("_") == "user_or_none"
            if named or _is_inline_copy(node):
                copies.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert copies == []
