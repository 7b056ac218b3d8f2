"""Two secretaries entering (or correcting) one resolution's vote at the same moment: the row
locks and the database's constraints let exactly one through (PostgreSQL)."""

from datetime import time, timedelta

import pytest
from django.utils import timezone
from django_scopes import scope

from ballots.models import Contest, ContestState
from boards import services
from boards.models import Decision, MeetingVote
from boards.services import BoardError
from tests.ballots.conftest import add_members
from tests.conftest import build_society, is_postgres
from tests.societies.test_concurrency import run_together

pytestmark = pytest.mark.postgres


def _agm_voting_today():
    world = build_society("millmead", "Millmead Children's Centre")
    society = world.society
    members = add_members(world, 6, start=50)
    today = timezone.localdate()
    with scope(society=society):
        meeting = services.schedule_meeting(actor=None, society=society, kind="agm",
                                            held_on=today, start_time=time(23, 59),
                                            today=today - timedelta(days=40))
        starts = services.meeting_starts_at(meeting)
        item = services.put_resolution_on_agenda(
            actor=None, meeting=meeting, title="Accounts", text="That the accounts be received.",
            voting_opens=starts - timedelta(days=9), voting_closes=starts - timedelta(days=1),
            record_date=today - timedelta(days=20))
        Contest.objects.filter(pk=item.resolution_id).update(state=ContestState.CLOSED)
        services.record_attendance_many(actor=None, meeting=meeting, members=members,
                                        mode="in_person", today=today)
    return world, society, item


def _enter(society, item, secretary, room_for):
    def call():
        with scope(society=society):
            services.vote_on_resolution(actor=secretary, item=item, room_for=room_for,
                                        room_against=6 - room_for)
            return "voted"
    return call


def test_two_secretaries_entering_one_vote_at_once_record_it_once(transactional_db):
    if not is_postgres():
        pytest.skip("needs PostgreSQL row locks: runs in CI's PostgreSQL leg")
    world, society, item = _agm_voting_today()
    secretaries = [world.users["secretary"], world.users["board_member"]]
    results = run_together(*(_enter(society, item, s, n) for s, n in zip(
        secretaries, (5, 1), strict=True)))
    assert results.count("voted") == 1
    [refused] = [r for r in results if r != "voted"]
    assert isinstance(refused, BoardError) and "already been voted" in str(refused)
    with scope(society=society):
        assert MeetingVote.objects.count() == 1 and Decision.objects.count() == 1


def test_two_corrections_of_one_vote_at_once_make_one(transactional_db):
    if not is_postgres():
        pytest.skip("needs PostgreSQL row locks: runs in CI's PostgreSQL leg")
    world, society, item = _agm_voting_today()
    with scope(society=society):
        wrong = services.vote_on_resolution(actor=None, item=item, room_for=6, room_against=0)

    def correct(room_for):
        def call():
            with scope(society=society):
                services.correct_meeting_vote(actor=None, vote=wrong, room_for=room_for,
                                              room_against=6 - room_for,
                                              reason="Miscounted.")
                return "corrected"
        return call

    results = run_together(correct(2), correct(1))
    assert results.count("corrected") == 1
    [refused] = [r for r in results if r != "corrected"]
    assert isinstance(refused, BoardError) and "already corrected" in str(refused)
    with scope(society=society):
        assert MeetingVote.objects.filter(corrects=wrong).count() == 1
        assert Decision.objects.count() == 3  # the wrong one, one reversal, one correction
        numbers = sorted(Decision.objects.values_list("number", flat=True))
        assert numbers == [1, 2, 3]
