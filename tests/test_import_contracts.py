"""The import contracts in pyproject.toml (docs/architecture.md, "Layers (import contracts)")
hold for the project and break on an import that goes the wrong way.

`lint-imports` runs with the project's own configuration on a copy of the tree: every package
linked into a temporary folder, and the one that gets a wrong import copied there, so the
project's files are never touched. No database, no Django: a few seconds."""

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "pyproject.toml"
CONTRACTS = tomllib.loads(CONFIG.read_text())["tool"]["importlinter"]
PACKAGES = CONTRACTS["root_packages"]
LAYERS = next(c for c in CONTRACTS["contracts"] if c["type"] == "layers")
COUNTING = "The counting engine imports nothing of Django or of the project"


def _lint_imports(tree: Path) -> subprocess.CompletedProcess:
    command = Path(sys.executable).parent / "lint-imports"
    if not command.exists():
        command = shutil.which("lint-imports")
    # The packages are found from the tree's folder first (the project may also be installed
    # in the environment, pointing at another checkout).
    env = {**os.environ, "PYTHONPATH": str(tree)}
    return subprocess.run([str(command), "--config", str(CONFIG), "--no-cache"], cwd=tree,
                          env=env, capture_output=True, text=True, timeout=120, check=False)


def _tree_with(tmp_path: Path, package: str, module: str, source: str) -> Path:
    """A copy of the project's packages in which `package` has one more module."""
    tree = tmp_path / "tree"
    tree.mkdir()
    for name in PACKAGES:
        if name == package:
            shutil.copytree(ROOT / name, tree / name,
                            ignore=shutil.ignore_patterns("__pycache__"))
        else:
            (tree / name).symlink_to(ROOT / name, target_is_directory=True)
    (tree / package / f"{module}.py").write_text(source)
    return tree


def test_the_project_keeps_every_import_contract():
    result = _lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_an_import_from_a_lower_app_to_a_higher_one_breaks_the_layers(tmp_path):
    # Inside a function, as the old upward imports were: the contract sees those too.
    tree = _tree_with(tmp_path, "societies", "reaches_up", (
        "def member_count(society):\n"
        "    from members.models import Member\n\n"
        "    return Member.objects.filter(society=society).count()\n"
    ))
    result = _lint_imports(tree)
    assert result.returncode != 0
    assert f"{LAYERS['name']} BROKEN" in result.stdout
    assert "societies is not allowed to import members" in result.stdout
    assert "societies.reaches_up -> members.models" in result.stdout


def test_django_in_the_counting_engine_breaks_its_contract(tmp_path):
    tree = _tree_with(tmp_path, "counting", "on_the_web", "from django.db import models\n")
    result = _lint_imports(tree)
    assert result.returncode != 0
    assert f"{COUNTING} BROKEN" in result.stdout


@pytest.mark.parametrize("module", sorted(
    f"config.{path.stem}" for path in (ROOT / "config").glob("*.py") if path.stem != "__init__"))
def test_each_module_of_config_has_its_place_in_the_layers(module):
    """config's start-up modules sit on top and its helpers beneath every app: a new module
    there is placed in one of them, or nothing would check what it imports."""
    placed = {name.strip("() ") for layer in LAYERS["layers"]
              for name in layer.replace("|", ":").split(":")}
    assert module in placed
