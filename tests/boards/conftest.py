"""Fixtures for the boards tests: a management board with elected, appointed and co-opted
seats in the `world` society, whose members were admitted long ago."""

from dataclasses import dataclass
from datetime import date

import pytest

from boards import services
from boards.models import Body, SeatCategory
from members.models import Member

ADMITTED = date(2015, 1, 5)


@dataclass
class BoardWorld:
    world: object
    board: Body
    parents: SeatCategory
    council: SeatCategory
    co_opted: SeatCategory

    @property
    def society(self):
        return self.world.society

    @property
    def secretary(self):
        return self.world.users["secretary"]

    def member(self, persona):
        return self.world.members[persona]

    def new_member(self, number, name, **fields):
        return Member.objects.create(
            society=self.society, member_number=number, full_name=name,
            stakeholder_class=self.world.classes["Parent"], admitted_on=ADMITTED, **fields)


@pytest.fixture
def board_world(in_scope):
    world = in_scope
    Member.objects.filter(society=world.society).update(admitted_on=ADMITTED,
                                                        date_of_birth=date(1980, 5, 1))
    for member in world.members.values():
        member.refresh_from_db()
    parent = world.classes["Parent"]
    parent.is_constituency = True
    parent.save()
    secretary = world.users["secretary"]
    board = services.define_body(actor=secretary, society=world.society,
                                 name="Management board", kind="board")
    parents = services.define_seat_category(
        actor=secretary, body=board, name="Parent representatives", seats=3,
        filled_by="elected", constituency=parent, term_years=3, max_consecutive_terms=2,
        subject_to_rotation=True)
    council = services.define_seat_category(
        actor=secretary, body=board, name="Council nominee", seats=1, filled_by="appointed",
        appointing_body="Kent County Council", requires_membership=False)
    co_opted = services.define_seat_category(
        actor=secretary, body=board, name="Co-opted", seats=2, filled_by="co_opted",
        term_years=1)
    return BoardWorld(world, board, parents, council, co_opted)


@dataclass
class AgmWorld:
    """A general meeting 30 days ahead at 19:00 with a special resolution on its agenda whose
    advance voting is open, and eight members (the personas and five more)."""

    board_world: BoardWorld
    meeting: object
    item: object
    extra: list

    @property
    def society(self):
        return self.board_world.society

    @property
    def secretary(self):
        return self.board_world.secretary

    @property
    def contest(self):
        return self.item.resolution

    def member(self, persona):
        return self.board_world.member(persona)


@pytest.fixture
def agm_world(board_world):
    from datetime import datetime, timedelta

    from django.utils import timezone

    society = board_world.society
    secretary = board_world.secretary
    extra = [board_world.new_member(10 + i, name, email=f"m{i}@example.test",
                                    contact_channel="email", electronic_consent=True)
             for i, name in enumerate(["Ann Able", "Ben Baker", "Cat Cole", "Dan Dale",
                                       "Eve East"])]
    held_on = timezone.localdate() + timedelta(days=30)
    meeting = services.schedule_meeting(actor=secretary, society=society, kind="agm",
                                        held_on=held_on, start_time=datetime(2000, 1, 1, 19).time(),
                                        place="Village Hall", chair_name="Ann Able")
    now = timezone.now()
    item = services.put_resolution_on_agenda(
        actor=secretary, meeting=meeting, title="Change of rules",
        text="That rule 12 be amended as set out in the notice.", kind="special",
        fraction_numerator=2, fraction_denominator=3, voting_opens=now - timedelta(hours=1),
        voting_closes=now + timedelta(days=5), record_date=timezone.localdate(),
        proposer="Ann Able", seconder="Ben Baker")
    return AgmWorld(board_world, meeting, item, extra)


@pytest.fixture
def held_meetings(board_world):
    """A general meeting held 40 days ago and a later one held 5 days ago."""
    from datetime import timedelta

    from django.utils import timezone

    today = timezone.localdate()
    sec = board_world.secretary
    first = services.schedule_meeting(actor=sec, society=board_world.society, kind="agm",
                                      held_on=today - timedelta(days=40),
                                      today=today - timedelta(days=80))
    later = services.schedule_meeting(actor=sec, society=board_world.society, kind="special",
                                      held_on=today - timedelta(days=5),
                                      today=today - timedelta(days=60))
    return first, later


def close_advance_voting(agm):
    """Open and close the resolution's advance voting (no ballots unless cast in between)."""
    from ballots import services as ballot_services
    from ballots.models import ContestState

    contest = agm.contest
    if contest.state == ContestState.DRAFT:
        ballot_services.open_voting(actor=agm.secretary, contest=contest)
    contest.refresh_from_db()
    ballot_services.close_voting(actor=agm.secretary, contest=contest,
                                 now=contest.voting_closes)
    contest.refresh_from_db()


def open_and_vote(agm, ballots):
    """Open advance voting, cast `ballots` {member: answer}, and close it."""
    from ballots import services as ballot_services

    contest = agm.contest
    ballot_services.open_voting(actor=agm.secretary, contest=contest)
    for member, answer in ballots.items():
        ballot_services.cast_ballot(actor=member.user, contest=contest, member=member,
                                    choices=answer)
    contest.refresh_from_db()
    ballot_services.close_voting(actor=agm.secretary, contest=contest,
                                 now=contest.voting_closes)
    contest.refresh_from_db()
