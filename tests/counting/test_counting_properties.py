"""Properties every count must have, checked on many small random elections."""

import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from counting import METHODS, Election, count

SETTINGS = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SEED = "property-tests"


@st.composite
def elections(draw) -> Election:
    n = draw(st.integers(min_value=1, max_value=6))
    seats = draw(st.integers(min_value=1, max_value=n + 1))
    rankings = st.lists(st.integers(min_value=0, max_value=n - 1), max_size=n, unique=True)
    ballots = draw(
        st.lists(
            st.tuples(rankings.map(tuple), st.integers(min_value=1, max_value=9)),
            max_size=12,
        )
    )
    withdrawn = draw(st.sets(st.integers(min_value=0, max_value=n - 1), max_size=max(0, n - 1)))
    names = [f"Candidate {chr(65 + i)}" for i in range(n)]
    return Election.from_ballots(names, ballots, seats=seats, withdrawn=withdrawn)


def permuted(election: Election, seed: int) -> Election:
    """The same election with the candidates numbered in another order."""
    n = len(election.candidates)
    order = list(range(n))
    random.Random(seed).shuffle(order)
    new_index = {old: new for new, old in enumerate(order)}
    return Election.from_ballots(
        [election.candidates[old] for old in order],
        [(tuple(new_index[c] for c in prefs), w) for prefs, w in election.ballots.items()],
        seats=election.seats,
        withdrawn=[new_index[c] for c in election.withdrawn],
    )


@SETTINGS
@given(elections())
def test_never_more_elected_than_seats_and_only_standing_candidates(election):
    standing = len(election.candidates) - len(election.withdrawn)
    for method in METHODS:
        result = count(method, election, seed=SEED)
        assert len(result.elected) == min(election.seats, standing), method
        assert len(set(result.elected)) == len(result.elected)
        assert not set(result.elected) & election.withdrawn


@SETTINGS
@given(elections())
def test_every_vote_is_accounted_for_at_every_stage(election):
    for method in ("ers97", "scottish", "meek"):
        result = count(method, election, seed=SEED)
        total = result.valid_votes * result.unit
        for stage in result.stages:
            kept = sum(stage.totals)
            assert kept + stage.non_transferable + stage.rounding_loss == total, (method, stage)
            assert stage.non_transferable >= 0 and stage.rounding_loss >= 0
            assert min(stage.totals) >= 0


@SETTINGS
@given(elections())
def test_a_count_is_the_same_every_time_for_a_given_seed(election):
    for method in METHODS:
        first = count(method, election, seed=SEED).to_dict()
        again = count(
            method,
            Election(
                election.candidates, dict(election.ballots), election.seats, election.withdrawn
            ),
            seed=SEED,
        ).to_dict()
        assert first == again, method


@SETTINGS
@given(elections(), st.integers(min_value=0, max_value=10**6))
def test_numbering_the_candidates_differently_elects_the_same_people(election, shuffle):
    # Lots are drawn from candidates' names, so even a lot does not depend on numbering.
    other = permuted(election, shuffle)
    for method in METHODS:
        mine = count(method, election, seed=SEED)
        theirs = count(method, other, seed=SEED)
        assert set(mine.elected_names) == set(theirs.elected_names), method
        assert [t.chosen for t in mine.tie_breaks] == [t.chosen for t in theirs.tie_breaks]
