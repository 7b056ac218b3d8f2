"""A vote's claim of the roll entry, its ballot and its audit entry are written by hand-built
statements (one statement on PostgreSQL): the rows must be the ones the ORM and `audit.record`
would write, and a refused vote writes none of them."""

import pytest
from django.db import transaction
from django.utils import timezone
from django_scopes import scope

from ballots import services
from ballots.models import CastBallot, Channel, VoterRollEntry
from ballots.services import BallotError
from societies import audit
from societies.models import AuditEntry
from tests.ballots.test_ballot_services import ids

COMPARED = ("society_id", "actor_id", "actor_label", "action", "target_type", "target_id",
            "target_label", "data")


def test_the_audit_entry_is_the_one_audit_record_writes(world, contest):
    voter = contest.voters[0]
    with scope(society=world.society):
        services.cast_ballot(actor=voter.user, contest=contest, member=voter,
                             choices=ids(contest, 1))
        written = AuditEntry.objects.get(action="ballot.cast")
        with transaction.atomic():
            expected = audit.record(world.society, voter.user, "ballot.cast", contest,
                                    {"member": voter.member_number, "channel": Channel.ONLINE})
        expected.refresh_from_db()
        for name in COMPARED:
            assert getattr(written, name) == getattr(expected, name), name
        assert written.data == {"member": voter.member_number, "channel": "online"}
        entry = VoterRollEntry.objects.get(contest=contest, member=voter)
        assert written.created_at == entry.voted_at
        assert abs(written.created_at - timezone.now()).total_seconds() < 60


def test_the_ballot_row_carries_only_the_contest_and_the_choices(world, contest):
    voter = contest.voters[0]
    with scope(society=world.society):
        receipt = services.cast_ballot(actor=voter.user, contest=contest, member=voter,
                                       choices=ids(contest, 2, 1))
        ballot = CastBallot.objects.get()
        assert (ballot.receipt, ballot.contest_id, ballot.society_id) == (
            receipt, contest.pk, world.society.pk)
        assert ballot.choices == "3,2"  # ballot numbers of the 3rd and 2nd candidates
        assert ballot.id is not None


def test_a_refused_ballot_writes_neither_row(world, contest):
    voter = contest.voters[0]
    with scope(society=world.society):
        with pytest.raises(BallotError):
            services.cast_ballot(actor=voter.user, contest=contest, member=voter,
                                 choices=["00000000-0000-0000-0000-000000000000"])
        assert not CastBallot.objects.exists()
        assert not AuditEntry.objects.filter(action="ballot.cast").exists()
        assert VoterRollEntry.objects.get(contest=contest, member=voter).voted_at is None


def test_votes_in_two_contests_and_two_voters_each_get_their_rows(world, contest):
    from tests.ballots.conftest import make_contest

    second = make_contest(world, title="Staff seats")
    with scope(society=world.society):
        for c in (contest, second):
            for voter in c.voters[:2]:
                services.cast_ballot(actor=voter.user, contest=c, member=voter,
                                     choices=ids(c, 1))
        for c in (contest, second):
            assert CastBallot.objects.filter(contest=c).count() == 2
            assert AuditEntry.objects.filter(action="ballot.cast",
                                             target_id=str(c.public_id)).count() == 2


@pytest.mark.parametrize("why", ["voted", "not_on_roll", "closed"])
def test_who_may_not_vote_hears_that_before_what_is_wrong_with_their_ballot(
        world, contest, why):
    from tests.ballots.conftest import add_members

    voter = contest.voters[0]
    unreadable = ["00000000-0000-0000-0000-000000000000"]
    with scope(society=world.society):
        if why == "voted":
            services.cast_ballot(actor=voter.user, contest=contest, member=voter,
                                 choices=ids(contest, 0))
        elif why == "not_on_roll":
            voter = add_members(world, 1, start=900)[0]
        else:
            type(contest).objects.filter(pk=contest.pk).update(
                voting_closes=timezone.now() - timezone.timedelta(minutes=1))
        before = (CastBallot.objects.count(), AuditEntry.objects.count())
        expected = {"voted": "already voted", "not_on_roll": "not on the roll",
                    "closed": "not open"}[why]
        with pytest.raises(BallotError, match=expected):
            services.cast_ballot(actor=voter.user, contest=contest, member=voter,
                                 choices=unreadable)
        assert (CastBallot.objects.count(), AuditEntry.objects.count()) == before


def test_a_readable_ballot_that_cannot_claim_writes_neither_row(world, contest):
    voter = contest.voters[0]
    with scope(society=world.society):
        VoterRollEntry.objects.filter(contest=contest, member=voter).update(
            voted_at=timezone.now(), channel=Channel.PAPER)
        with pytest.raises(BallotError, match="already voted"):
            services.cast_ballot(actor=voter.user, contest=contest, member=voter,
                                 choices=ids(contest, 0))
        assert not CastBallot.objects.exists()
        assert not AuditEntry.objects.filter(action="ballot.cast").exists()
        assert VoterRollEntry.objects.get(contest=contest, member=voter).channel == "paper"
