"""Seat filling, terms from a result and decision numbering under concurrent requests
(PostgreSQL row locks)."""

from datetime import date, timedelta

import pytest
from django.utils import timezone
from django_scopes import scope

from ballots import services as ballots
from boards import services, terms
from boards.models import Decision, Term
from boards.services import BoardError
from members.models import Member
from tests.ballots.conftest import close_contest, make_contest
from tests.conftest import build_society, is_postgres
from tests.societies.test_concurrency import run_together

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_board(transactional_db):
    if not is_postgres():
        pytest.skip("needs PostgreSQL row locks: runs in CI's PostgreSQL leg")
    world = build_society("millmead", "Millmead Children's Centre")
    society = world.society
    with scope(society=society):
        members = [Member.objects.create(
            society=society, member_number=500 + i, full_name=f"Member {i}",
            stakeholder_class=world.classes["Parent"], admitted_on=date(2015, 1, 5))
            for i in range(4)]
        board = services.define_body(actor=None, society=society, name="Board", kind="board")
        parents = services.define_seat_category(actor=None, body=board, name="Parents",
                                                seats=2, filled_by="elected", term_years=3)
    world.board, world.parents, world.people = board, parents, members
    return world


def test_two_appointments_to_the_last_seat_at_once_fill_it_once(pg_board):
    world = pg_board
    society, parents = world.society, world.parents
    with scope(society=society):
        services.start_term(actor=None, seat_category=parents, member=world.people[0],
                            started_on=date(2026, 1, 1))

    def appoint(member):
        def call():
            with scope(society=society):
                return services.start_term(actor=None, seat_category=parents, member=member,
                                           started_on=date(2026, 2, 1))
        return call

    results = run_together(*(appoint(m) for m in world.people[1:]))
    assert sum(isinstance(r, Term) for r in results) == 1
    refused = [r for r in results if not isinstance(r, Term)]
    assert len(refused) == 2 and all(isinstance(r, BoardError) for r in refused)
    with scope(society=society):
        assert Term.objects.filter(seat_category=parents, ended_on__isnull=True).count() == 2


def test_simultaneous_decisions_get_distinct_consecutive_numbers(pg_board):
    world = pg_board
    society = world.society

    def decide(i):
        def call():
            with scope(society=society):
                return services.record_decision(
                    actor=None, society=society, text=f"Decision {i}",
                    decided_on=date(2026, 3, 1), outcome="carried").number
        return call

    results = run_together(*(decide(i) for i in range(6)))
    assert sorted(results) == [1, 2, 3, 4, 5, 6]
    with scope(society=society):
        assert sorted(Decision.objects.values_list("number", flat=True)) == [1, 2, 3, 4, 5, 6]


def test_terms_from_one_result_started_twice_at_once_start_once(pg_board):
    world = pg_board
    society = world.society
    contest = make_contest(world, method="block", seats=2, candidates=3,
                           seat_category=world.parents)
    with scope(society=society):
        by_number = list(contest.candidates.order_by("number"))
        for voter in contest.voters:
            ballots.cast_ballot(actor=None, contest=contest, member=voter,
                                choices=[str(by_number[0].public_id),
                                         str(by_number[1].public_id)])
    close_contest(contest, world)
    with scope(society=society):
        ro = world.users["returning_officer"]
        ballots.sign_off(actor=ro, contest=contest, name="Rita Officer",
                         on=timezone.localdate())
        ballots.publish_result(actor=ro, contest=contest)

    def start():
        with scope(society=society):
            return len(terms.start_terms_from_result(
                actor=None, contest=contest,
                started_on=timezone.localdate() + timedelta(days=1)))

    results = run_together(start, start, start)
    assert results.count(2) == 1
    assert all(isinstance(r, BoardError) for r in results if r != 2)
    with scope(society=society):
        assert Term.objects.filter(seat_category=world.parents).count() == 2
