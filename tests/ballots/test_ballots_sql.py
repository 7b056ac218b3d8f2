"""The ballot POST's hand-written statements (ballots/sql.py) keep to the society: the ORM's
scoping does not see raw SQL, so each statement is shown here never to reach another society's
row, on SQLite and on PostgreSQL."""

from django.utils import timezone
from django_scopes import scope

from ballots import sql
from ballots.models import Channel, ContestState, VoterRollEntry
from tests.ballots.conftest import make_contest


def test_the_contest_lookup_finds_its_own_societys_contest_only(world):
    ours = make_contest(world)
    theirs = make_contest(world.other)
    found = sql.contest_with_election(world.society, ours.public_id)
    assert found.pk == ours.pk and found.election_id == ours.election_id
    assert sql.contest_with_election(world.other.society, ours.public_id) is None
    assert sql.contest_with_election(world.society, theirs.public_id) is None
    assert sql.contest_with_election(world.other.society, theirs.public_id).pk == theirs.pk


def _claim(contest, member):
    return sql.claim_online(contest=contest, member_id=member.pk, on_day=timezone.localdate(),
                            channel=Channel.ONLINE.value, state=ContestState.OPEN.value,
                            now=timezone.now())


def test_the_claim_needs_the_contest_to_be_its_societys(world):
    contest = make_contest(world)
    voter = contest.voters[0]
    posing = make_contest(world)
    posing.society_id = world.other.society.pk  # the contest named under another society
    assert not _claim(posing, posing.voters[0])
    assert not _claim(contest, make_contest(world.other).voters[0])  # not on this roll
    with scope(society=world.society):
        assert not VoterRollEntry.objects.filter(voted_on__isnull=False).exists()
    assert _claim(contest, voter)
    assert not _claim(contest, voter)  # once only
    with scope(society=world.society):
        entry = VoterRollEntry.objects.get(contest=contest, member=voter)
    assert (entry.voted_on, entry.channel) == (timezone.localdate(), Channel.ONLINE)
