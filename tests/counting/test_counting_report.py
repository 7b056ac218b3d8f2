"""What a count tells people: the JSON result and the text a returning officer reads out."""

import json
import subprocess
import sys
from pathlib import Path

from counting import Election, count
from counting.model import format_units
from counting.synthetic import synthetic_election

REPO = Path(__file__).resolve().parents[2]


def small() -> Election:
    return Election.from_ballots(
        ["Ann", "Bob", "Cat", "Dan"],
        [((0, 1), 5), ((0, 2), 3), ((0,), 1), ((1,), 4), ((2, 3), 2), ((3, 2), 2)],
        seats=2,
        title="Board election 2026",
    )


PROJECT = {
    "django", "ballots", "members", "societies", "config", "boards", "shares",
    "notifications", "accounts", "ballotbox", "jobs",
}  # fmt: skip


def test_importing_the_engine_imports_nothing_of_django_or_the_project():
    code = (
        "import sys, counting, counting.cli, counting.blt, "
        "counting.stv_meek, counting.stv_ers97, counting.stv_scottish, counting.plurality, "
        "counting.lots, counting.resolution, counting.synthetic; "
        f"found = sorted(m for m in sys.modules if m.split('.')[0] in {sorted(PROJECT)!r}); "
        "print(' '.join(found)); sys.exit(1 if found else 0)"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_json_result_has_the_elected_every_stage_the_quota_and_ties():
    result = count("scottish", small())
    data = json.loads(json.dumps(result.to_dict()))
    assert data["elected"] == ["Ann", "Bob"]
    assert data["quota"] == "6.00000"
    assert data["seed"] is None and data["tie_breaks"] == []
    stage = data["stages"][1]
    assert stage["action"] == "surplus" and stage["subjects"] == ["Ann"]
    assert stage["totals"] == {
        "Ann": "6.00000",
        "Bob": "5.66665",
        "Cat": "2.99999",
        "Dan": "2.00000",
    }
    assert stage["non_transferable"] == "0.33333" and stage["rounding_loss"] == "0.00003"
    assert stage["transfer_value"] == "0.33333"
    assert [s["stage"] for s in data["stages"]] == ["1", "2", "3", "4"]


def test_text_report_reads_out_the_count():
    text = count("scottish", small()).report()
    assert text.startswith("Board election 2026\n")
    assert "Quota: 6.00000" in text
    assert "Stage 2: Surplus of Ann (3.00000) transferred" in text
    assert "Non-transferable" in text and "Rounding loss" in text
    assert "Elected, in order of election:\n    1. Ann\n    2. Bob\n" in text
    # the table: one row a candidate, one column a stage, values to 5 places
    row = next(line for line in text.splitlines() if line.startswith("Bob"))
    assert row.split()[2:] == ["4.00000", "5.66665", "5.66665", "5.66665"]


def test_text_report_prints_the_seed_and_how_each_tie_was_broken():
    e = Election.from_ballots(["Ann", "Bob", "Cat"], [((0,), 4), ((1, 0), 3), ((2,), 3)], seats=1)
    text = count("ers97", e, seed="AGM-2026").report()
    assert "Seed for any lot: AGM-2026" in text
    assert "Ties\n----\nStage 2, exclusion: Bob, Cat were tied;" in text
    assert "lot drawn from seed 'AGM-2026'" in text


def test_wide_counts_wrap_the_table_into_blocks_of_stages():
    e = synthetic_election(ballots=2000, candidates=15, seats=3, seed=5)
    text = count("meek", e).report()
    assert all(len(line) <= 100 for line in text.splitlines())
    assert text.count("* elected") == 1


def test_values_are_shown_exactly_and_never_rounded_up():
    assert format_units(1999999, 5, 2) == "19.99"
    assert format_units(-5, 2) == "-0.05"
    assert format_units(7, 0) == "7"
