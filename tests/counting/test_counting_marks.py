"""Plurality, block vote and approval, worked by hand."""

import pytest

from counting import CountError, Election, LotRequired, count
from counting.ties import lot_digest


def election(names: str, seats: int, ballots, withdrawn: str = "") -> Election:
    index = {n: i for i, n in enumerate(names)}
    return Election.from_ballots(
        list(names),
        [(tuple(index[c] for c in prefs), weight) for weight, prefs in ballots],
        seats=seats,
        withdrawn=[index[c] for c in withdrawn],
    )


BALLOTS = [(5, "ABC"), (4, "BCA"), (3, "CB"), (2, "D"), (1, "")]


def test_plurality_counts_first_preferences_only():
    r = count("plurality", election("ABCD", 1, BALLOTS))
    assert r.stages[0].totals == (5, 4, 3, 2)
    assert r.elected_names == ["A"]
    assert r.valid_votes == 14 and r.empty_ballots == 1
    assert r.quota is None


def test_plurality_with_several_seats_takes_the_highest_totals():
    assert count("plurality", election("ABCD", 2, BALLOTS)).elected_names == ["A", "B"]


def test_block_vote_counts_one_mark_per_seat():
    r = count("block", election("ABCD", 2, BALLOTS))
    # A: 5, B: 5 + 4 + 3 = 12, C: 4 + 3 = 7, D: 2 (the A-B-C ballots mark A and B only)
    assert r.stages[0].totals == (5, 12, 7, 2)
    assert r.elected_names == ["B", "C"]
    assert any("9 ballots marked more than 2" in note for note in r.notes)


def test_approval_counts_every_mark():
    r = count("approval", election("ABCD", 2, BALLOTS))
    assert r.stages[0].totals == (9, 12, 12, 2)
    assert r.elected_names == ["B", "C"]


def test_withdrawn_candidates_marks_are_ignored():
    e = election("ABC", 1, [(3, "BA"), (2, "A"), (4, "C")], withdrawn="B")
    r = count("plurality", e)
    assert r.stages[0].totals == (5, 0, 4)
    assert r.elected_names == ["A"]


def test_a_tie_for_the_last_seat_is_drawn_by_lot_from_the_seed():
    e = election("ABCD", 2, [(5, "A"), (3, "B"), (3, "C"), (3, "D")])
    with pytest.raises(LotRequired) as raised:
        count("plurality", e)
    assert "seed" in str(raised.value)
    r = count("plurality", e, seed="AGM 2026")
    drawn = min("BCD", key=lambda n: lot_digest("AGM 2026", 1, "seat", n))
    assert r.elected_names == ["A", drawn]
    (tie,) = r.tie_breaks
    assert tie.rule == "lot" and tie.candidates == ("B", "C", "D") and tie.chosen == (drawn,)


def test_a_tie_that_does_not_decide_a_seat_needs_no_lot():
    e = election("ABC", 2, [(3, "A"), (3, "B"), (1, "C")])
    r = count("plurality", e)
    assert r.elected_names == ["A", "B"] and not r.tie_breaks


def test_fewer_candidates_than_seats_are_all_elected():
    r = count("approval", election("AB", 3, [(1, "A")]))
    assert r.elected_names == ["A", "B"]


@pytest.mark.parametrize("seats", [0, -1, "2", True])
def test_seats_must_be_a_positive_whole_number(seats):
    with pytest.raises(CountError):
        count("plurality", election("AB", 1, [(1, "A")]), seats=seats)


def test_an_unknown_method_is_refused():
    with pytest.raises(CountError, match="unknown counting method"):
        count("borda", election("AB", 1, [(1, "A")]))


def test_seats_come_from_the_election_unless_given():
    e = Election.from_ballots(["A", "B"], [((0,), 2), ((1,), 1)])
    with pytest.raises(CountError, match="seats"):
        count("plurality", e)
    assert count("plurality", e, seats=2).elected_names == ["A", "B"]


@pytest.mark.parametrize(
    "ballots",
    [[((0, 0), 1)], [((2,), 1)], [((0,), -1)], [((0,), 1.5)], [((True,), 1)]],
)
def test_election_from_ballots_rejects_bad_ballots(ballots):
    with pytest.raises(ValueError):
        Election.from_ballots(["A", "B"], ballots, seats=1)


def test_election_rejects_duplicate_names_and_bad_withdrawals():
    with pytest.raises(ValueError, match="unique"):
        Election(["A", "A"], {}, seats=1)
    with pytest.raises(ValueError, match="out of range"):
        Election(["A"], {}, seats=1, withdrawn=[3])
