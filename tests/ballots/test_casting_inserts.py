"""A vote claims its roll entry and stores its ballot by hand-built statements: two statements
in one transaction, the claim first, never one statement writing both (DESIGN §6). The rows
must be the ones the ORM would write, a refused vote writes none of them, and no audit entry
is written for a vote."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_scopes import scope

from ballots import services
from ballots.models import CastBallot, Channel, Contest, VoterRollEntry
from ballots.services import BallotError, casting
from societies.models import AuditEntry
from tests.ballots.test_ballot_services import ids


def _statements(queries) -> list[str]:
    return [q["sql"].strip() for q in queries.captured_queries]


def test_the_claim_and_the_ballot_are_two_statements_in_one_transaction(world, contest):
    voter = contest.voters[0]
    with scope(society=world.society):
        audited = AuditEntry.objects.count()
        with CaptureQueriesContext(connection) as queries:
            services.cast_ballot(actor=voter.user, contest=contest, member=voter,
                                 choices=ids(contest, 1))
        assert AuditEntry.objects.count() == audited
    sql = _statements(queries)
    writes = [(n, s) for n, s in enumerate(sql) if s.upper().startswith(("UPDATE", "INSERT"))]
    assert [s.split()[0:3] for _, s in writes] == [
        ["UPDATE", "ballots_voterrollentry", "SET"], ["INSERT", "INTO", '"ballots_castballot"']]
    (claim_at, claim), (insert_at, insert) = writes
    assert "castballot" not in claim and "voterrollentry" not in insert
    # Inside one atomic block: a savepoint (the test's own transaction is around it) opened
    # before the claim and released after the insert.
    opened = [n for n, s in enumerate(sql) if s.upper().startswith("SAVEPOINT")]
    released = [n for n, s in enumerate(sql) if s.upper().startswith("RELEASE SAVEPOINT")]
    assert opened and released and opened[-1] < claim_at < insert_at < released[0]


def test_the_roll_keeps_the_day_and_the_channel_and_the_ballot_only_its_choices(world, contest):
    voter = contest.voters[0]
    with scope(society=world.society):
        receipt = services.cast_ballot(actor=voter.user, contest=contest, member=voter,
                                       choices=ids(contest, 2, 1))
        entry = VoterRollEntry.objects.get(contest=contest, member=voter)
        assert (entry.voted_on, entry.channel) == (timezone.localdate(), Channel.ONLINE)
        ballot = CastBallot.objects.get()
        assert (ballot.receipt, ballot.contest_id, ballot.society_id) == (
            receipt, contest.pk, world.society.pk)
        assert ballot.choices == "3,2"  # ballot numbers of the 3rd and 2nd candidates
        assert ballot.id is not None


def _late_summer_evening() -> datetime:
    """23:30 UTC on the next 1 July: 00:30 the next day in London (British Summer Time)."""
    now = timezone.now()
    moment = datetime(now.year, 7, 1, 23, 30, tzinfo=UTC)
    return moment if moment > now else moment.replace(year=now.year + 1)


def test_the_day_of_a_vote_is_the_day_in_london(world, contest):
    """A vote at 23:30 UTC in summer is kept as the next day, London's: online and paper."""
    moment = _late_summer_evening()
    voter, paper_voter = contest.voters[0], contest.voters[1]
    with scope(society=world.society):
        Contest.objects.filter(pk=contest.pk).update(
            voting_opens=moment - timedelta(hours=1), voting_closes=moment + timedelta(hours=1))
        contest.refresh_from_db()
        with time_machine.travel(moment, tick=False):
            services.cast_ballot(actor=voter.user, contest=contest, member=voter,
                                 choices=ids(contest, 0))
            services.strike_off_paper(actor=world.users["returning_officer"], contest=contest,
                                      member=paper_voter)
        days = dict(contest.roll.filter(voted_on__isnull=False)
                    .values_list("member_id", "voted_on"))
    london_day = (moment + timedelta(days=1)).date()
    assert days == {voter.pk: london_day, paper_voter.pk: london_day}


def test_a_ballot_that_cannot_be_stored_leaves_the_roll_entry_unclaimed(
        world, contest, monkeypatch):
    """All or nothing: when the ballot's insert fails (here, a receipt code already used),
    the claim made before it in the same transaction is undone."""
    first, second = contest.voters[0], contest.voters[1]
    with scope(society=world.society):
        taken = services.cast_ballot(actor=first.user, contest=contest, member=first,
                                     choices=ids(contest, 0))
        original = casting._values

        def same_receipt(obj, fields):
            values = original(obj, fields)
            return [taken if f.name == "receipt" else v for f, v in zip(fields, values,
                                                                         strict=True)]

        monkeypatch.setattr(casting, "_values", same_receipt)
        with pytest.raises(IntegrityError):
            services.cast_ballot(actor=second.user, contest=contest, member=second,
                                 choices=ids(contest, 1))
        monkeypatch.undo()
        entry = VoterRollEntry.objects.get(contest=contest, member=second)
        assert (entry.voted_on, entry.channel) == (None, "")
        assert CastBallot.objects.count() == 1
        services.cast_ballot(actor=second.user, contest=contest, member=second,
                             choices=ids(contest, 1))
        assert CastBallot.objects.count() == 2


def test_a_refused_ballot_writes_nothing(world, contest):
    voter = contest.voters[0]
    with scope(society=world.society):
        audited = AuditEntry.objects.count()
        with pytest.raises(BallotError):
            services.cast_ballot(actor=voter.user, contest=contest, member=voter,
                                 choices=["00000000-0000-0000-0000-000000000000"])
        assert not CastBallot.objects.exists()
        assert AuditEntry.objects.count() == audited
        assert VoterRollEntry.objects.get(contest=contest, member=voter).voted_on is None


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
            assert set(c.roll.filter(voted_on__isnull=False).values_list(
                "member_id", flat=True)) == {v.pk for v in c.voters[:2]}


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


def test_a_readable_ballot_that_cannot_claim_writes_nothing(world, contest):
    voter = contest.voters[0]
    with scope(society=world.society):
        VoterRollEntry.objects.filter(contest=contest, member=voter).update(
            voted_on=timezone.localdate(), channel=Channel.PAPER)
        audited = AuditEntry.objects.count()
        with pytest.raises(BallotError, match="already voted"):
            services.cast_ballot(actor=voter.user, contest=contest, member=voter,
                                 choices=ids(contest, 0))
        assert not CastBallot.objects.exists()
        assert AuditEntry.objects.count() == audited
        assert VoterRollEntry.objects.get(contest=contest, member=voter).channel == "paper"
