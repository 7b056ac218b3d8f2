"""Resolutions: ordinary and special, turnout floors and the chair's casting vote."""

from fractions import Fraction

import pytest

from counting import count_resolution


def test_ordinary_resolution_needs_more_for_than_against():
    r = count_resolution(10, 9, abstain=30)
    assert r.passed and r.votes_cast == 19 and r.turnout == 49
    assert "10 for, 9 against, 30 abstaining" in r.explanation
    assert not count_resolution(9, 10).passed


def test_abstentions_are_not_votes_cast():
    assert count_resolution(2, 1, abstain=1000).passed


def test_an_equality_of_votes_is_lost_without_a_casting_vote():
    r = count_resolution(7, 7)
    assert not r.passed and not r.casting_vote_used
    assert "equal" in r.explanation and "no casting vote" in r.explanation


@pytest.mark.parametrize(("casting", "passed"), [("for", True), ("against", False)])
def test_the_chairs_casting_vote_decides_an_equality(casting, passed):
    r = count_resolution(7, 7, casting_vote=casting)
    assert r.passed is passed and r.casting_vote_used
    assert "casting vote" in r.explanation


def test_the_casting_vote_is_not_used_without_an_equality():
    r = count_resolution(8, 7, casting_vote="against")
    assert r.passed and not r.casting_vote_used


@pytest.mark.parametrize(
    ("for_", "against", "fraction", "passed"),
    [
        (20, 10, Fraction(2, 3), True),  # exactly two-thirds is enough
        (19, 10, Fraction(2, 3), False),
        (75, 25, Fraction(3, 4), True),
        (74, 26, Fraction(3, 4), False),
        (0, 0, Fraction(2, 3), False),
    ],
)
def test_special_resolution_needs_its_fraction_of_votes_cast(for_, against, fraction, passed):
    r = count_resolution(for_, against, abstain=50, kind="special", fraction=fraction)
    assert r.passed is passed
    assert r.kind == "special"


def test_special_resolution_explains_the_threshold():
    r = count_resolution(74, 26, kind="special", fraction=Fraction(3, 4))
    assert "74.0% of 100 votes cast" in r.explanation
    assert "three-quarters" in r.explanation and "(75 votes)" in r.explanation


def test_a_casting_vote_cannot_carry_a_special_resolution():
    r = count_resolution(5, 5, kind="special", casting_vote="for")
    assert not r.passed and not r.casting_vote_used
    assert "casting vote applies only" in r.explanation


def test_turnout_floor_as_a_fraction_of_the_roll_counts_abstainers():
    below = count_resolution(20, 3, abstain=1, turnout_floor=Fraction(1, 4), roll_size=100)
    assert not below.passed and not below.turnout_met
    assert "24 took part" in below.explanation
    met = count_resolution(20, 3, abstain=2, turnout_floor=Fraction(1, 4), roll_size=100)
    assert met.passed and met.turnout_met and "which was met" in met.explanation


def test_turnout_floor_as_a_number_of_people():
    assert not count_resolution(5, 1, turnout_floor=7).passed
    assert count_resolution(5, 1, abstain=1, turnout_floor=7).passed


@pytest.mark.parametrize(
    "kwargs",
    [
        {"for_": -1, "against": 0},
        {"for_": 1.0, "against": 0},
        {"for_": 1, "against": 0, "kind": "extraordinary"},
        {"for_": 1, "against": 0, "kind": "special", "fraction": Fraction(3, 2)},
        {"for_": 1, "against": 0, "casting_vote": "yes"},
        {"for_": 1, "against": 0, "turnout_floor": Fraction(1, 2)},
    ],
)
def test_bad_inputs_are_refused(kwargs):
    with pytest.raises(ValueError):
        count_resolution(**kwargs)


def test_result_serialises():
    data = count_resolution(3, 1).to_dict()
    assert data["passed"] is True and data["for"] == 3 and data["threshold"]
