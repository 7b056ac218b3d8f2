"""The ballot box sits below the apps that use it: it imports none of them."""

import ast
from pathlib import Path

import ballotbox

ABOVE = {"ballots", "boards", "members", "shares", "notifications"}


def test_the_ballot_box_imports_no_app_above_it():
    found = {}
    for path in Path(ballotbox.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names = [node.module]
            else:
                continue
            for name in names:
                if name.split(".")[0] in ABOVE:
                    found.setdefault(str(path), []).append(name)
    assert found == {}
