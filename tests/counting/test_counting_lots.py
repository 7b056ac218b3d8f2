"""Lots: what a count that needs one says, fresh seeds, and every way the lots could fall."""

import re

import pytest

from counting import Election, LotRequired, count, draw_seed, lot_outcomes, lot_rule


def election(names: str, seats: int, ballots) -> Election:
    """names like "ABCD"; ballots as (weight, "ABC") pairs."""
    index = {n: i for i, n in enumerate(names)}
    return Election.from_ballots(
        list(names), [(tuple(index[c] for c in prefs), weight) for weight, prefs in ballots],
        seats=seats)


# B and C are tied for exclusion at every stage; whichever goes, A is elected.
HARMLESS = election("ABC", 1, [(3, "A"), (2, "BA"), (2, "CA")])
# B and C are tied for exclusion; the one left then beats A on the other's transfers.
DECISIVE = election("ABC", 1, [(3, "A"), (2, "BC"), (2, "CB")])


@pytest.mark.parametrize(("method", "stage", "purpose", "cites"), [
    ("ers97", 2, "exclusion", "ERS97 rule 5.2.5"),
    ("scottish", 2, "exclusion", "rule 51"),
    ("meek", 2, "exclusion", "Meek STV"),
])
def test_a_needed_lot_says_which_tie_and_what_the_rules_say(method, stage, purpose, cites):
    with pytest.raises(LotRequired) as raised:
        count(method, HARMLESS)
    needed = raised.value.to_dict()
    assert needed["stage"] == stage and needed["purpose"] == purpose
    assert needed["candidates"] == ["B", "C"] and needed["method"] == method
    assert cites in needed["rule"] and needed["rule"].endswith("lot.")
    assert needed["message"] == str(raised.value)


def test_the_rule_for_equal_surpluses_and_for_the_last_seat_is_cited():
    e = election("ABCDE", 3, [(5, "AC"), (5, "BD"), (2, "C"), (1, "D"), (1, "E")])
    with pytest.raises(LotRequired) as raised:
        count("ers97", e)
    assert raised.value.purpose == "surplus order" and "5.2.3" in raised.value.rule
    assert "rule 49" in lot_rule("scottish", "surplus order")
    with pytest.raises(LotRequired) as raised:
        count("block", election("ABC", 1, [(2, "A"), (2, "B"), (1, "C")]))
    assert raised.value.purpose == "seat" and "last seat" in raised.value.rule


def test_a_chooser_decides_each_lot_in_place_of_the_seed():
    picks = []

    def chooser(stage, purpose, names, k):
        picks.append((stage, purpose, names, k))
        return (1,)  # the second of the tied names

    r = count("ers97", DECISIVE, chooser=chooser)
    assert picks == [(2, "exclusion", ("B", "C"), 1)]
    assert r.tie_breaks[0].rule == "lot" and r.tie_breaks[0].chosen == ("C",)
    assert r.elected_names == ["B"] and r.seed is None


def test_every_draw_electing_the_same_candidates_is_said_so():
    check = lot_outcomes("ers97", HARMLESS)
    assert check.checked and check.same and check.counts == 2
    assert check.outcomes == (("A",),)
    assert check.sentence() == (
        "The lot did not change who was elected: every possible draw elects A.")


def test_a_lot_that_decides_the_result_lists_every_outcome():
    check = lot_outcomes("scottish", DECISIVE)
    assert check.checked and not check.same
    assert sorted(check.outcomes) == [("B",), ("C",)]
    assert check.sentence().startswith("The lot decided who was elected: depending on the draw")
    assert check.to_dict()["same"] is False


def test_lots_that_follow_each_other_branch_again():
    # Scottish, one seat, quota 4: B, C and D are tied at 1 at every stage, so the first lot
    # has three outcomes and the second two; A is elected whatever happens.
    e = election("ABCD", 1, [(3, "A"), (1, "B"), (1, "C"), (1, "D")])
    check = lot_outcomes("scottish", e)
    assert check.checked and check.counts == 3 * 2
    assert check.same and check.outcomes == (("A",),)


def test_a_draw_of_several_at_once_tries_each_set():
    e = election("ABCDE", 3, [(5, "A"), (3, "B"), (3, "C"), (3, "D"), (3, "E")])
    check = lot_outcomes("plurality", e)  # 2 of B, C, D, E: six sets
    assert check.checked and check.counts == 6 and len(check.outcomes) == 6
    assert ("A", "B", "C") in check.outcomes and ("A", "D", "E") in check.outcomes


def test_too_many_ways_for_the_lots_to_fall_is_not_checked_and_says_so():
    e = election("ABCD", 1, [(3, "A"), (1, "B"), (1, "C"), (1, "D")])
    check = lot_outcomes("scottish", e, limit=4)
    assert not check.checked and not check.same and check.counts == 4
    assert check.sentence().startswith("Whether another draw would have elected anyone else "
                                       "was not checked")
    wide = election("ABCDEFGH", 1, [(1, c) for c in "ABCDEFGH"])
    assert lot_outcomes("plurality", wide, limit=7).counts == 0  # 8 ways at the first lot


@pytest.mark.parametrize("seed", ["1", "AGM 2026", "x"])
def test_the_draw_from_a_seed_is_one_of_the_outcomes_found(seed):
    for method in ("ers97", "scottish", "meek"):
        elected = tuple(sorted(count(method, DECISIVE, seed=seed).elected_names))
        assert elected in lot_outcomes(method, DECISIVE).outcomes


def test_a_drawn_seed_is_fresh_and_easy_to_read_out():
    seeds = {draw_seed() for _ in range(20)}
    assert len(seeds) == 20
    assert all(re.fullmatch(r"[0-9a-f]{4}(-[0-9a-f]{4}){3}", s) for s in seeds)
