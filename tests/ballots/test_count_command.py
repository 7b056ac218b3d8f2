"""The `count` management command: a thin front to the counting engine."""

import json
import os
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from ballots.counting import METHODS, count, read_blt

VECTORS = os.environ.get("OMOV_STV_VECTORS")
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


def run(*args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("count", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def blt(tmp_path) -> Path:
    path = tmp_path / "board.blt"
    path.write_text(BLT, encoding="utf-8")
    return path


def test_prints_the_stage_by_stage_report(blt):
    out, _ = run(str(blt), "--method", "scottish")
    assert out.startswith("Board election\n")
    assert "Votes at each stage" in out and "Withdrawn: Withdrawn Bill" in out
    assert out.rstrip().endswith("1. Ann\n    2. Cat")


def test_json_output_is_one_object_with_the_result(blt):
    out, _ = run(str(blt), "--method", "ers97", "--json")
    data = json.loads(out)
    assert data["elected"] == ["Ann", "Cat"]
    assert data["quota"] == "5.67"
    assert data["stages"][0]["totals"]["Ann"] == "9.00"
    assert data["tie_breaks"] == [] and data["seed"] is None


def test_seats_and_seed_are_passed_to_the_count(blt):
    out, _ = run(str(blt), "--method", "plurality", "--seats", "3", "--seed", "7", "--json")
    data = json.loads(out)
    assert data["seats"] == 3 and data["seed"] == "7"
    assert data["elected"] == ["Ann", "Cat", "Dan"]


def test_a_needed_lot_without_a_seed_is_an_error_that_says_what_to_do(tmp_path):
    path = tmp_path / "tie.blt"
    path.write_text('3 1\n2 1 0\n2 2 0\n1 3 0\n0\nA\nB\nC\n"Tie"\n', encoding="utf-8")
    with pytest.raises(CommandError, match="--seed"):
        run(str(path), "--method", "plurality")
    out, _ = run(str(path), "--method", "plurality", "--seed", "S", "--json")
    assert json.loads(out)["tie_breaks"][0]["rule"] == "lot"


def test_unreadable_file_is_reported_with_its_line(tmp_path):
    path = tmp_path / "bad.blt"
    path.write_text("3 1\n1 1 9 0\n0\n", encoding="utf-8")
    with pytest.raises(CommandError, match=r"bad.blt: line 2: candidate 9 is not in 1..3"):
        run(str(path), "--method", "meek")
    with pytest.raises(CommandError, match="cannot read"):
        run(str(tmp_path / "missing.blt"), "--method", "meek")


def test_file_notes_go_to_stderr(tmp_path):
    path = tmp_path / "notes.blt"
    path.write_text("2 1\n1 1 - 2 0\n0\nA\nB\nT\nextra\n", encoding="utf-8")
    _, err = run(str(path), "--method", "approval")
    assert "cut short" in err and "after the title" in err


def _vector_files() -> list[Path]:
    return sorted(Path(VECTORS).glob("*.blt")) if VECTORS else []


@pytest.mark.skipif(not VECTORS, reason="OMOV_STV_VECTORS is not set (the reference ballot files)")
@pytest.mark.parametrize("path", _vector_files(), ids=lambda p: p.stem)
@pytest.mark.parametrize("method", METHODS)
def test_every_reference_file_counts_through_the_command(path, method):
    out, _ = run(str(path), "--method", method, "--seed", "reference", "--json")
    data = json.loads(out)
    expected = count(method, read_blt(path), seed="reference")
    assert data["elected"] == expected.elected_names
    assert len(data["stages"]) == len(expected.stages)
    assert data["quota"] == (expected.fmt(expected.quota) if expected.quota is not None else None)
