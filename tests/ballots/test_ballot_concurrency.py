"""One member, one vote under simultaneous requests (PostgreSQL row locks)."""

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django_scopes import scope

from ballots import services
from ballots.models import CastBallot, VoterRollEntry
from ballots.services import BallotError
from tests.ballots.conftest import make_contest
from tests.conftest import build_society, is_postgres
from tests.societies.test_concurrency import run_together

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_world(transactional_db):
    if not is_postgres():
        pytest.skip("needs PostgreSQL row locks: runs in CI's PostgreSQL leg")
    world = build_society("millmead", "Millmead Children's Centre")
    world.other = build_society("elsewhere", "Elsewhere")
    return world


def test_two_simultaneous_ballots_from_one_member_store_one(pg_world):
    world = pg_world
    contest = make_contest(world)
    voter = contest.voters[0]
    with scope(society=world.society):
        choices = [[str(c.public_id)] for c in contest.candidates.order_by("number")]

    def cast(choice):
        def call():
            with scope(society=world.society):
                return services.cast_ballot(actor=voter.user, contest=contest, member=voter,
                                            choices=choice)
        return call

    results = run_together(*(cast(choices[i % 3]) for i in range(4)))
    receipts = [r for r in results if isinstance(r, str)]
    assert len(receipts) == 1
    assert all(isinstance(r, BallotError) for r in results if not isinstance(r, str))
    with scope(society=world.society):
        assert CastBallot.objects.filter(contest=contest).count() == 1
        assert contest.roll.get(member=voter).channel == "online"


def test_online_vote_and_paper_strike_off_at_once_count_one(pg_world):
    world = pg_world
    contest = make_contest(world)
    voter = contest.voters[0]
    ro = world.users["returning_officer"]
    with scope(society=world.society):
        choice = [str(contest.candidates.get(number=1).public_id)]

    def online():
        with scope(society=world.society):
            return services.cast_ballot(actor=voter.user, contest=contest, member=voter,
                                        choices=choice)

    def paper():
        with scope(society=world.society):
            services.strike_off_paper(actor=ro, contest=contest, member=voter)
            return "struck"

    for _ in range(3):
        results = run_together(online, paper)
        assert sum(not isinstance(r, Exception) for r in results) <= 1
    with scope(society=world.society):
        entry = contest.roll.get(member=voter)
        ballots = CastBallot.objects.filter(contest=contest).count()
        assert (entry.channel, ballots) in (("online", 1), ("paper", 0))


def test_simultaneous_requests_through_the_whole_stack_store_one_ballot(pg_world):
    """Four POSTs of one member's ballot, each through middleware, session and CSRF in its own
    thread and database connection, released together: one receipt, one ballot."""

    world = pg_world
    contest = make_contest(world)
    voter = contest.voters[0]
    with scope(society=world.society):
        first = contest.candidates.get(number=1).public_id
    target = reverse("ballots:contest", kwargs={"society_slug": world.society.slug,
                                                "public_id": contest.public_id})
    clients = []
    for _ in range(4):
        client = Client()
        client.force_login(voter.user)
        clients.append(client)

    def post(client):
        def call():
            return client.post(target, {f"rank_{first}": "1"}).status_code
        return call

    results = run_together(*(post(c) for c in clients))
    assert sorted(results) == [200, 400, 400, 400]
    with scope(society=world.society):
        assert CastBallot.objects.filter(contest=contest).count() == 1


def test_cancelling_and_opening_at_once_leave_one_outcome(pg_world):
    """The schedule opens the poll while the officer cancels it: both lock the contest row and
    re-check its state, so it is either cancelled with no roll or open and not cancelled."""
    from datetime import timedelta

    from django.utils import timezone

    from ballots.models import Contest, ContestState

    world = pg_world
    ro = world.users["returning_officer"]
    contest = make_contest(world, open_now=False)
    with scope(society=world.society):
        Contest.objects.filter(pk=contest.pk).update(
            nominations_close=timezone.now() - timedelta(hours=2),
            nominations_open=timezone.now() - timedelta(days=3),
            voting_opens=timezone.now() - timedelta(minutes=1))

    def open_it():
        with scope(society=world.society):
            return services.open_voting(actor=None, contest=contest)

    def cancel_it():
        with scope(society=world.society):
            services.cancel_contest(actor=ro, contest=contest, reason="Held in error.")
            return "cancelled"

    results = run_together(open_it, cancel_it)
    with scope(society=world.society):
        contest.refresh_from_db()
        if contest.state == ContestState.CANCELLED:
            assert results[0] is False and not contest.roll.exists()
        else:
            assert contest.state == ContestState.OPEN and results[0] is True
            assert isinstance(results[1], BallotError) and contest.roll.exists()


# One code, one vote: the same voting code posted at once from several browsers, and beside a
# signed-in vote by the same member.

def _post(url, data):
    def call():
        return Client().post(url, data)
    return call


def test_one_code_posted_at_once_from_four_browsers_and_by_its_signed_in_member_counts_once(
        pg_world):
    world = pg_world
    cache.clear()
    contest = make_contest(world)
    voter = contest.voters[0]
    with scope(society=world.society):
        code = VoterRollEntry.objects.get(contest=contest, member=voter).voting_code
        first = str(contest.candidates.get(number=1).public_id)
    vote = reverse("vote:vote", kwargs={"society_slug": world.society.slug})
    signed_in = Client()
    signed_in.force_login(voter.user)
    page = reverse("ballots:contest", kwargs={"society_slug": world.society.slug,
                                              "public_id": contest.public_id})

    answers = run_together(*[_post(vote, {"code": code, "step": "cast", f"rank_{first}": "1"})
                             for _ in range(4)],
                           lambda: signed_in.post(page, {f"rank_{first}": "1"}))

    recorded = [a for a in answers if a.status_code == 200 and b"Your vote is recorded"
                in a.content]
    assert len(recorded) == 1, [a.status_code for a in answers]
    assert all(a.status_code == 400 for a in answers if a not in recorded)
    with scope(society=world.society):
        assert CastBallot.objects.filter(contest=contest).count() == 1
        assert contest.roll.get(member=voter).voted_on is not None
