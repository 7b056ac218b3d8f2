"""Hand-worked STV counts: the figures in these tests were worked out on paper from the rules."""

from fractions import Fraction

import pytest

from counting import Election, LotRequired, count
from counting.ties import lot_digest

STV = ["ers97", "scottish", "meek"]


def election(names: str, seats: int, ballots, withdrawn: str = "") -> Election:
    """names like "ABCD"; ballots as (weight, "ABC") pairs."""
    index = {n: i for i, n in enumerate(names)}
    return Election.from_ballots(
        list(names),
        [(tuple(index[c] for c in prefs), weight) for weight, prefs in ballots],
        seats=seats,
        withdrawn=[index[c] for c in withdrawn],
    )


def totals(result, stage_index: int) -> dict[str, Fraction]:
    stage = result.stages[stage_index]
    return {n: result.value(v) for n, v in zip(result.candidates, stage.totals, strict=True)}


# --- Scottish STV -----------------------------------------------------------------------


def test_scottish_surplus_is_transferred_at_a_truncated_value_and_the_loss_is_kept():
    e = election("ABCD", 2, [(5, "AB"), (3, "AC"), (1, "A"), (4, "B"), (2, "CD"), (2, "DC")])
    r = count("scottish", e)
    assert r.value(r.quota) == 6  # rule 46: floor(17 / 3) + 1
    assert [s.action for s in r.stages] == ["first", "surplus", "exclusion", "exclusion"]
    # stage 2: A's surplus of 3 over 9 papers: 3/9 = 0.333333... truncated to 0.33333
    assert r.value(r.stages[1].transfer_value) == Fraction("0.33333")
    assert totals(r, 1) == {
        "A": 6,
        "B": Fraction("5.66665"),
        "C": Fraction("2.99999"),
        "D": 2,
    }
    assert r.value(r.stages[1].non_transferable) == Fraction("0.33333")
    assert r.value(r.stages[1].rounding_loss) == Fraction("0.00003")
    # stage 3: D excluded, both papers to C at full value; stage 4: C excluded, all exhausted
    assert totals(r, 2)["C"] == Fraction("4.99999")
    assert r.stages[3].subjects == (2,)
    assert totals(r, 3)["B"] == Fraction("5.66665")
    assert r.value(r.stages[3].non_transferable) == Fraction("5.33332")
    # rule 52: B is the only continuing candidate for the last seat
    assert r.elected_names == ["A", "B"]
    assert r.stages[3].elected == (1,)


def test_scottish_exclusion_tie_looks_back_to_the_most_recent_stage_where_they_differed():
    # stage 1: X 3, Y 4; stage 2: X 5, Y 4; stage 3: X 5, Y 5 -> Y had fewer at stage 2
    e = election("AXYPQ", 1, [(10, "A"), (3, "X"), (4, "Y"), (2, "PX"), (1, "QY"), (2, "Q")])
    r = count("scottish", e)
    assert r.value(r.quota) == 12
    assert [r.candidates[s.subjects[0]] for s in r.stages[1:]] == ["P", "Q", "Y", "X"]
    (tie,) = r.tie_breaks
    assert (tie.stage, tie.purpose, tie.chosen) == (4, "exclusion", ("Y",))
    assert tie.rule == "most recent preceding stage"
    assert "stage 2" in tie.detail
    assert r.elected_names == ["A"]


def test_ers97_breaks_the_same_tie_by_the_earliest_stage_instead():
    e = election(
        "AXYPQR", 1, [(10, "A"), (3, "X"), (4, "Y"), (2, "PX"), (1, "QY"), (2, "Q"), (9, "R")]
    )
    r = count("ers97", e)
    ties = [t for t in r.tie_breaks if t.purpose == "exclusion"]
    assert ties and ties[0].chosen == ("X",) and ties[0].rule == "earlier stage"
    assert "stage 1" in ties[0].detail


def test_scottish_equal_surpluses_equal_at_every_stage_need_a_lot():
    e = election("ABCDE", 3, [(7, "AC"), (7, "BD"), (2, "C"), (3, "D"), (1, "E")])
    with pytest.raises(LotRequired) as raised:
        count("scottish", e)
    assert raised.value.stage == 2 and set(raised.value.names) == {"A", "B"}
    r = count("scottish", e, seed=42)
    (tie,) = r.tie_breaks
    first = min("AB", key=lambda n: lot_digest("42", 2, "surplus order", n))
    assert tie.rule == "lot" and tie.chosen == (first,)
    assert r.stages[1].subjects == (r.candidates.index(first),)
    assert "42" in tie.detail and r.seed == "42"


# --- ERS97 ------------------------------------------------------------------------------


def test_ers97_transfer_value_is_the_surplus_over_transferable_papers_truncated():
    e = election(
        "ABCDE",
        2,
        [(8, "AB"), (4, "AC"), (2, "A"), (3, "B"), (2, "CD"), (4, "DC"), (1, "ED")],
    )
    r = count("ers97", e)
    assert r.value(r.quota) == 8  # 24 / 3 is exact, so no 0.01 is added (5.1.6)
    second = r.stages[1]
    # 5.3.1: all 14 of A's papers examined; 12 transferable; 6.00 / 12 = 0.50
    assert second.action == "surplus" and r.value(second.transfer_value) == Fraction("0.5")
    assert totals(r, 1) == {"A": 8, "B": 7, "C": 4, "D": 4, "E": 0 + 1}
    assert second.rounding_loss == 0 and second.non_transferable == 0
    # stage 3: E excluded alone (E 1 + C 4 = 5 exceeds D 4)
    assert r.stages[2].subjects == (4,) and totals(r, 2)["D"] == 5
    # stage 4: C excluded in two batches, 1.00 then 0.50 (5.4.1)
    assert [s.label for s in r.stages[3:]] == ["4.1", "4.2"]
    assert totals(r, 3)["D"] == 7
    assert r.value(r.stages[4].non_transferable) == 2
    # 5.4.9(b): total active vote 24 - 8 - 2 = 14, / 2 = 7; B and D both have 7 for one
    # place; 5.6.2: D had more at stage 1 (4 against 3)
    assert r.elected_names == ["A", "D"]
    (tie,) = r.tie_breaks
    assert tie.purpose == "election" and tie.chosen == ("D",) and tie.rule == "earlier stage"


def test_ers97_defers_a_surplus_and_excludes_several_candidates_together():
    e = election(
        "ABCDEF",
        2,
        [(9, "AB"), (6, "B"), (5, "C"), (1, "DC"), (1, "EF"), (2, "F")],
    )
    r = count("ers97", e)
    # A's surplus of 1.00 cannot lift D, E and F (4 together) past C (5): deferred (5.2.2(b))
    second = r.stages[1]
    assert second.action == "exclusion"
    assert {r.candidates[c] for c in second.subjects} == {"D", "E", "F"}
    assert "deferred" in second.description
    assert totals(r, 1)["C"] == 6 and r.value(second.non_transferable) == 3
    third = r.stages[2]
    assert third.action == "surplus" and r.value(third.transfer_value) == Fraction("0.11")
    assert r.value(third.rounding_loss) == Fraction("0.01")
    assert totals(r, 2)["B"] == Fraction("6.99")
    # 6.99 >= (24 - 8 - 3 - 0.01) / 2 = 6.495, so B is deemed elected below the quota
    assert r.elected_names == ["A", "B"]


def test_ers97_exclusion_tie_equal_at_every_stage_is_decided_by_lot():
    e = election("ABC", 1, [(4, "A"), (3, "BA"), (3, "C")])
    with pytest.raises(LotRequired):
        count("ers97", e)
    r = count("ers97", e, seed="2026-11-24")
    (tie,) = r.tie_breaks
    loser = min("BC", key=lambda n: lot_digest("2026-11-24", 2, "exclusion", n))
    assert tie.rule == "lot" and tie.chosen == (loser,)
    assert r.elected_names == ["A"]
    assert count("ers97", e, seed="2026-11-24").to_dict() == r.to_dict()


def test_ers97_recalculates_the_quota_while_nobody_is_elected():
    # C and D (3 together, not more than B's 3) are excluded together; C's 2 papers become
    # non-transferable, so 5.4.8 lowers the quota from 11/2 = 5.50 to 9/2 = 4.50
    e = election("ABCD", 1, [(5, "A"), (3, "B"), (2, "C"), (1, "DB")])
    r = count("ers97", e)
    assert r.value(r.stages[0].quota) == Fraction("5.5")
    assert {r.candidates[c] for c in r.stages[1].subjects} == {"C", "D"}
    assert r.value(r.stages[1].quota) == Fraction("4.5")
    assert totals(r, 1)["B"] == 4
    assert r.elected_names == ["A"]


# --- Meek -------------------------------------------------------------------------------


def test_meek_converges_keep_values_before_excluding():
    # A keeps 0.6 of each vote: A's votes 6, 4 exhausted, quota (22 - 4) / 3 = 6
    e = election("ABCD", 2, [(10, "A"), (4, "B"), (3, "CAB"), (5, "D")])
    r = count("meek", e)
    converged = r.stages[1]
    assert converged.action == "surplus" and "converged" in converged.description
    tolerance = Fraction(1, 10**8)  # iteration stops once the surplus is below 1e-9
    assert abs(r.value(converged.totals[0]) - 6) <= tolerance
    assert abs(r.value(converged.quota) - 6) <= tolerance
    assert abs(r.value(converged.non_transferable) - 4) <= tolerance
    # C excluded: 3 votes pass through A, who keeps 12/29 of them, and the rest reach B
    assert r.stages[2].subjects == (2,)
    assert r.elected_names == ["A", "B"]


def test_meek_elects_when_a_candidate_passes_the_quota_during_iteration():
    e = election("ABC", 2, [(7, "AB"), (2, "B"), (4, "C")])
    r = count("meek", e)
    # quota 13/3; B gets 2 + 7 - 13/3 = 14/3 once A's keep value settles
    assert r.elected_names == ["A", "B"]
    assert r.stages[-1].elected == (1,)


def test_meek_exclusion_tie_is_broken_by_the_earliest_stage():
    e = election("ABCD", 1, [(5, "A"), (2, "B"), (3, "C"), (1, "DB")])
    r = count("meek", e)
    (tie,) = r.tie_breaks
    assert tie.candidates == ("B", "C") and tie.chosen == ("B",) and tie.rule == "earlier stage"
    assert r.elected_names == ["A"]


def test_meek_excludes_candidates_with_no_votes_together():
    e = election("ABCYZ", 1, [(3, "A"), (2, "BA"), (1, "C")])
    r = count("meek", e)
    assert {r.candidates[c] for c in r.stages[1].subjects} == {"Y", "Z"}
    assert r.stages[2].subjects == (2,)
    assert not r.tie_breaks
    assert r.elected_names == ["A"]


# --- every STV rule ---------------------------------------------------------------------


@pytest.mark.parametrize("method", STV)
def test_withdrawn_candidates_are_struck_off_every_ballot(method):
    e = election("ABCW", 2, [(4, "WA"), (3, "B"), (2, "C"), (1, "W")], withdrawn="W")
    r = count(method, e)
    assert r.valid_votes == 9 and r.empty_ballots == 1
    assert totals(r, 0)["A"] == 4 and totals(r, 0)["W"] == 0
    assert "W" not in r.elected_names
    assert r.elected_names == ["A", "B"]


@pytest.mark.parametrize("method", STV)
def test_empty_and_partly_ranked_ballots(method):
    e = election("ABC", 1, [(3, ""), (4, "A"), (2, "BA"), (3, "C")])
    r = count(method, e)
    assert r.valid_votes == 9 and r.empty_ballots == 3
    assert r.elected_names == ["A"]


@pytest.mark.parametrize("method", STV)
def test_fewer_candidates_than_seats_elects_them_all(method):
    e = election("AB", 3, [(5, "A"), (1, "B")])
    r = count(method, e)
    assert r.elected_names == ["A", "B"]
    assert any("only 2 candidates" in note for note in r.notes)


@pytest.mark.parametrize("method", STV)
def test_all_seats_filled_at_stage_one(method):
    e = election("ABCD", 2, [(10, "A"), (10, "B"), (1, "C"), (1, "D")])
    r = count(method, e)
    assert len(r.stages) == 1
    assert set(r.elected_names) == {"A", "B"}


@pytest.mark.parametrize("method", STV)
def test_candidates_with_no_votes_are_counted_and_can_still_fill_a_seat(method):
    e = election("ABZ", 2, [(5, "A"), (3, "B")])
    r = count(method, e)
    assert totals(r, 0)["Z"] == 0
    assert r.elected_names == ["A", "B"]
    e = election("AZ", 2, [(5, "A")])
    assert count(method, e).elected_names == ["A", "Z"]


@pytest.mark.parametrize("method", STV)
def test_no_ballots_at_all(method):
    e = election("AB", 1, [])
    with pytest.raises(LotRequired):
        count(method, e)
    assert len(count(method, e, seed=1).elected) == 1


@pytest.mark.parametrize("method", STV)
def test_every_stage_accounts_for_every_vote(method):
    e = election(
        "ABCDE", 2, [(8, "AB"), (4, "AC"), (2, "A"), (3, "B"), (2, "CD"), (4, "DC"), (1, "ED")]
    )
    r = count(method, e)
    for stage in r.stages:
        assert sum(stage.totals) + stage.non_transferable + stage.rounding_loss == 24 * r.unit


def test_a_lot_among_candidates_left_tied_after_earlier_stages_says_so():
    from counting.ties import FORWARD, Tiebreaker

    ties = Tiebreaker(["Ann", "Bob", "Cat"], seed="s")
    history = [(3, 3, 5), (4, 4, 4)]
    chosen = ties.choose(
        [0, 1, 2],
        stage=3,
        purpose="exclusion",
        lowest=True,
        direction=FORWARD,
        history=history,
        labels=["1", "2"],
        fmt=str,
    )
    expected = min(["Ann", "Bob"], key=lambda n: lot_digest("s", 3, "exclusion", n))
    assert ties.names[chosen] == expected
    (record,) = ties.records
    assert record.rule == "lot" and record.candidates == ("Ann", "Bob")
    assert record.detail.startswith("Cat set apart by the totals at stage 1; then lot drawn")


def test_ers97_equal_surpluses_equal_at_every_point_are_ordered_by_lot():
    # quota 14 / 4 = 3.50; A and B both elected at stage 1 with surpluses of 1.50
    e = election("ABCDE", 3, [(5, "AC"), (5, "BD"), (2, "C"), (1, "D"), (1, "E")])
    with pytest.raises(LotRequired) as raised:
        count("ers97", e)
    assert raised.value.purpose == "surplus order"
    r = count("ers97", e, seed="lot")
    first = min("AB", key=lambda n: lot_digest("lot", 2, "surplus order", n))
    assert r.tie_breaks[0].rule == "lot" and r.tie_breaks[0].chosen == (first,)
    assert r.stages[1].action == "surplus" and r.candidates[r.stages[1].subjects[0]] == first


def test_ers97_candidates_equal_at_every_point_are_not_deemed_elected_for_one_place():
    # quota 6 / 2 = 3.00; A and B both reach it for one place and never differed (5.6.2), so
    # neither is elected at stage 1; excluding one by lot leaves the other (5.5.1)
    e = election("AB", 1, [(3, "A"), (3, "B")])
    r = count("ers97", e, seed="x")
    assert r.stages[0].elected == () and len(r.stages) == 2
    assert r.tie_breaks[0].purpose == "election" and r.tie_breaks[0].chosen == ()
    assert r.tie_breaks[1].rule == "lot" and r.tie_breaks[1].purpose == "exclusion"
    loser = r.tie_breaks[1].chosen[0]
    assert r.elected_names == [n for n in "AB" if n != loser]
    assert r.stages[1].excluded == (r.candidates.index(loser),)
    assert r.stages[1].elected == (r.candidates.index(r.elected_names[0]),)


def test_meek_exclusion_tie_equal_at_every_stage_is_decided_by_lot():
    # C's one vote is lost when C is excluded; A and B then tie at 2 at every stage
    e = election("ABC", 1, [(2, "A"), (2, "B"), (1, "C")])
    with pytest.raises(LotRequired):
        count("meek", e)
    r = count("meek", e, seed=99)
    loser = min("AB", key=lambda n: lot_digest("99", 3, "exclusion", n))
    assert [t.rule for t in r.tie_breaks] == ["lot"]
    assert r.tie_breaks[0].chosen == (loser,)
    assert r.elected_names == [n for n in "AB" if n != loser]


# --- Meek near-ties: votes closer than the convergence tolerance are tied -------------------
# Both profiles were found by a seeded random search; the iterations stop with two hopefuls'
# votes 1.6e-10 of a vote apart, below the 1e-9 tolerance that ends them.


def test_meek_votes_closer_than_the_tolerance_are_a_tie_broken_by_the_earliest_stage():
    e = election(
        "ABCD",
        2,
        [(1, "CDAB"), (4, "BD"), (8, "BA"), (6, "DC"), (6, "CDB"), (2, "D"), (2, "ACDB")],
    )
    r = count("meek", e)
    c, d = r.stages[2].totals[2], r.stages[2].totals[3]
    assert c == 9 * r.unit and 0 < c - d < r.unit // 10**9  # D lower by 1.6e-10 of a vote
    (tie,) = r.tie_breaks
    assert tie.stage == 4 and tie.purpose == "exclusion" and tie.candidates == ("C", "D")
    # the earliest stage where they differed by more than the tolerance: C 7, D 8 at stage 1
    assert tie.rule == "earlier stage" and tie.chosen == ("C",)
    assert "convergence tolerance" in tie.detail and "at stage 1:" in tie.detail
    assert r.stages[3].excluded == (2,) and "tied with D" in r.stages[3].description
    assert r.elected_names == ["B", "D"]
    assert "Stage 4, exclusion: C, D were tied; C chosen by earlier stage" in r.report()


def test_meek_votes_closer_than_the_tolerance_at_every_stage_need_a_lot():
    e = election(
        "ABCDE", 3, [(4, "E"), (8, "D"), (4, "DB"), (3, "DE"), (5, "ADE"), (4, "BADC"), (3, "A")]
    )
    with pytest.raises(LotRequired) as needed:
        count("meek", e)
    assert needed.value.stage == 4 and tuple(needed.value.names) == ("B", "E")
    assert needed.value.purpose == "exclusion"
    r = count("meek", e, seed=2026)
    b, e_ = r.stages[2].totals[1], r.stages[2].totals[4]
    assert b != e_ and abs(b - e_) < r.unit // 10**9
    (tie,) = r.tie_breaks
    loser = min("BE", key=lambda n: lot_digest("2026", 4, "exclusion", n))
    assert tie.rule == "lot" and tie.candidates == ("B", "E") and tie.chosen == (loser,)
    assert "convergence tolerance" in tie.detail
    assert r.elected_names == ["D", "A", "E" if loser == "B" else "B"]


def test_tie_history_counts_totals_within_the_tolerance_as_equal():
    from counting.ties import FORWARD, Tiebreaker

    history = [(10, 13, 40), (20, 20, 50)]
    ties = Tiebreaker(["A", "B", "C"], seed=None)
    assert ties.narrow([0, 1], history, lowest=True, direction=FORWARD) == ([0], 0)
    assert ties.narrow([0, 1], history, lowest=True, direction=FORWARD, tolerance=4) == (
        [0, 1],
        None,
    )
    assert ties.narrow([0, 1, 2], history, lowest=False, direction=FORWARD, tolerance=4) == (
        [2],
        0,
    )
