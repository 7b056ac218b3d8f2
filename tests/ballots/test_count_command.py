"""The `count` management command: a thin front to the counting engine."""

import json
import os
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from counting import METHODS, count, read_blt
from tests.counting.test_counting_cli import BLT

VECTORS = os.environ.get("OMOV_STV_VECTORS")


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


# B and C are tied for exclusion at every stage; the one left then beats A.
TIE = '3 1\n3 1 0\n2 2 3 0\n2 3 2 0\n0\n"A"\n"B"\n"C"\n"Tie"\n'


@pytest.fixture
def tie(tmp_path) -> Path:
    path = tmp_path / "tie.blt"
    path.write_text(TIE, encoding="utf-8")
    return path


def test_a_needed_lot_without_a_seed_is_an_error_that_names_both_ways_on(tie):
    with pytest.raises(CommandError) as raised:
        run(str(tie), "--method", "ers97")
    message = str(raised.value)
    assert message.startswith("the count needs a lot: at stage 2, B, C are tied (exclusion)")
    assert "ERS97 rule 5.2.5" in message
    assert "--seed TEXT, the seed published before the count" in message
    assert "--draw to draw a fresh random seed" in message
    out, _ = run(str(tie), "--method", "ers97", "--seed", "S", "--json")
    data = json.loads(out)
    assert data["seed"] == "S" and data["tie_breaks"][0]["rule"] == "lot"
    assert data["lot_check"]["checked"] and not data["lot_check"]["same"]


def test_draw_draws_a_fresh_seed_prints_it_and_counts_with_it(tie):
    out, err = run(str(tie), "--method", "ers97", "--draw", "--json")
    seed = json.loads(out)["seed"]
    assert f"seed drawn {seed}" in err
    assert json.loads(run(str(tie), "--method", "ers97", "--seed", seed, "--json")[0]) == (
        json.loads(out))
    again, _ = run(str(tie), "--method", "ers97", "--draw", "--json")
    assert json.loads(again)["seed"] != seed


def test_the_report_says_whether_the_lot_changed_who_was_elected(tmp_path, tie):
    out, _ = run(str(tie), "--method", "scottish", "--seed", "S")
    assert out.rstrip().endswith("depending on the draw, the count elects one of: C; B.")
    harmless = tmp_path / "harmless.blt"
    harmless.write_text(TIE.replace("2 2 3 0\n2 3 2 0", "2 2 1 0\n2 3 1 0"), encoding="utf-8")
    out, _ = run(str(harmless), "--method", "ers97", "--seed", "S")
    assert out.rstrip().endswith("every possible draw elects A.")


def test_draw_draws_nothing_for_a_count_that_needs_no_lot(blt):
    out, err = run(str(blt), "--method", "ers97", "--draw", "--json")
    assert json.loads(out)["seed"] is None and "seed drawn" not in err


def test_seed_and_draw_cannot_be_given_together(tie):
    with pytest.raises(CommandError, match="not allowed with argument"):
        run(str(tie), "--method", "ers97", "--seed", "S", "--draw")


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
