"""`python -m counting`: the engine's own command line, with the options of `manage.py count`."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from counting import METHODS, count, read_blt
from counting.cli import main
from tests.counting.test_counting_report import PROJECT

REPO = Path(__file__).resolve().parents[2]
BLT = """\
4 2
-2
5 1 2 0
3 1 3 0
1 1 0
4 3 0
2 3 4 0
2 4 3 0
0
"Ann"
"Withdrawn Bill"
"Cat"
"Dan"
"Board election"
"""
TIE = '3 1\n2 1 0\n2 2 0\n1 3 0\n0\n"Ann"\n"Bob"\n"Cat"\n"Tie"\n'


@pytest.fixture
def blt(tmp_path) -> Path:
    path = tmp_path / "board.blt"
    path.write_text(BLT, encoding="utf-8")
    return path


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "counting", *args], cwd=REPO, capture_output=True, text=True
    )


def test_prints_the_report_in_a_process_of_its_own(blt):
    done = run(str(blt), "--method", "scottish")
    assert done.returncode == 0, done.stderr
    assert done.stdout == count("scottish", read_blt(blt)).report()


def test_json_is_one_object(blt):
    done = run(str(blt), "--method", "ers97", "--json", "--seats", "1")
    data = json.loads(done.stdout)
    assert data["elected"] == ["Ann"] and data["file_notes"] == [] and data["lot_check"] is None


def test_the_count_imports_nothing_of_django_or_the_project(blt):
    code = (
        "import runpy, sys\n"
        f"sys.argv = ['counting', {str(blt)!r}, '--method', 'meek', '--json']\n"
        "try:\n"
        "    runpy.run_module('counting', run_name='__main__', alter_sys=True)\n"
        "except SystemExit as exc:\n"
        "    assert exc.code == 0, exc.code\n"
        f"found = sorted(m for m in sys.modules if m.split('.')[0] in {sorted(PROJECT)!r})\n"
        "sys.exit('imported: ' + ' '.join(found) if found else 0)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["elected"] == ["Ann", "Cat"]


@pytest.mark.parametrize("method", METHODS)
def test_every_method_is_offered(blt, method, capsys):
    assert main([str(blt), "--method", method]) == 0
    assert capsys.readouterr().out.startswith("Board election\n")


def test_a_needed_lot_is_an_error_and_draw_counts_with_a_fresh_seed(tmp_path, capsys):
    path = tmp_path / "tie.blt"
    path.write_text(TIE, encoding="utf-8")
    assert main([str(path), "--method", "plurality"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: the count needs a lot") and "--seed TEXT" in err
    assert main([str(path), "--method", "plurality", "--draw"]) == 0
    captured = capsys.readouterr()
    assert "seed drawn" in captured.err and "The lot decided who was elected" in captured.out
    assert main([str(path), "--method", "plurality", "--seed", "2026"]) == 0


def test_unreadable_and_missing_files_exit_1_with_the_reason(tmp_path, capsys):
    bad = tmp_path / "bad.blt"
    bad.write_text("3 1\n1 9 0\n0\n", encoding="utf-8")
    assert main([str(bad), "--method", "meek"]) == 1
    assert capsys.readouterr().err == f"error: {bad}: line 2: candidate 9 is not in 1..3\n"
    assert main([str(tmp_path / "none.blt"), "--method", "meek"]) == 1
    assert "cannot read the file" in capsys.readouterr().err


def test_seed_and_draw_cannot_be_given_together(blt):
    done = run(str(blt), "--method", "meek", "--seed", "1", "--draw")
    assert done.returncode == 2 and "not allowed with argument" in done.stderr
