"""One ballot per member across channels, under concurrency, in a contest with a ballot box
(PostgreSQL row locks; the real belenios-tool).

Each online cast encrypts and checks its ballot first, outside any transaction (a fraction of
a second of the tool's time), so threads released together would reach the database one by
one. To make the database calls really race, every cast here waits after its encryption, at
a barrier shared with the other threads, and only then claims the roll entry and stores the
ciphertext.
"""

import threading
from datetime import timedelta

import pytest
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from ballotbox.models import Box, BoxState, EncryptedBallot
from ballots import boxed, services
from ballots.models import Channel, Contest, ContestState, VoterRollEntry
from ballots.services import BallotError
from societies.models import AuditEntry
from tests.ballots.test_box_contest import with_box
from tests.conftest import build_society, is_postgres
from tests.societies.test_concurrency import run_together

pytestmark = [pytest.mark.postgres, pytest.mark.usefixtures("tool")]


@pytest.fixture
def pg_world(transactional_db, tool):
    """A society for racing threads: each thread has its own connection, so the test
    commits for real (PostgreSQL only: SQLite has no row locks)."""
    if not is_postgres():
        pytest.skip("needs PostgreSQL: runs in CI's PostgreSQL leg")
    return build_society("millmead", "Millmead Children's Centre")


def boxed_contest(world, closes_in=timedelta(days=7)) -> Contest:
    """An STV contest of three candidates with a 2-of-3 box of server-kept trustees, open
    until `closes_in` from now."""
    contest = with_box(world)
    with scopes_disabled():
        Contest.objects.filter(pk=contest.pk).update(voting_closes=timezone.now() + closes_in)
        contest.refresh_from_db()
    assert contest.state == ContestState.OPEN
    return contest


def caster(world, contest, voter, order):
    """A call that casts `voter`'s ballot online, as the contest page does."""
    def call():
        with scope(society=world.society):
            return services.cast_ballot(actor=voter.user, contest=contest, member=voter,
                                        choices=order)
    return call


@pytest.fixture
def held_after_encryption(monkeypatch):
    """`hold(n)`: the next casts wait after encrypting until n parties (casts and other
    calls, which call `.wait()` themselves) have arrived, then all go on at once."""
    state = {}
    original = boxed.prepare

    def prepare(*args, **kwargs):
        checked = original(*args, **kwargs)
        state["barrier"].wait(timeout=60)
        return checked

    monkeypatch.setattr(boxed, "prepare", prepare)

    def hold(parties: int) -> threading.Barrier:
        state["barrier"] = threading.Barrier(parties)
        return state["barrier"]

    return hold


def choice(contest, *numbers) -> list[str]:
    by_number = {c.number: str(c.public_id) for c in contest.candidates.all()}
    return [by_number[n] for n in numbers]


def test_one_member_casting_from_several_threads_stores_one_ciphertext(
        pg_world, held_after_encryption):
    world = pg_world
    contest = boxed_contest(world)
    voter = contest.voters[0]
    with scope(society=world.society):
        orders = [choice(contest, *o) for o in ((1, 2), (2, 1), (3,), (1, 3, 2))]

    held_after_encryption(len(orders))
    results = run_together(*(caster(world, contest, voter, o) for o in orders))
    trackers = [r for r in results if isinstance(r, str)]
    assert len(trackers) == 1, results
    assert all(isinstance(r, BallotError) and "already voted" in str(r)
               for r in results if not isinstance(r, str)), results
    with scopes_disabled():
        stored = list(EncryptedBallot.objects.filter(box_id=contest.box_id)
                      .values_list("tracker", flat=True))
        entry = VoterRollEntry.objects.get(contest=contest, member=voter)
        voted = VoterRollEntry.objects.filter(contest=contest, voted_on__isnull=False).count()
    assert stored == trackers
    assert (entry.channel, voted) == (Channel.ONLINE, 1)
    assert entry.voted_on == timezone.localdate()


def test_an_online_cast_racing_a_paper_strike_off_lets_one_through(
        pg_world, held_after_encryption):
    """Three members, each cast online while the returning officer strikes them off as
    having voted on paper, the two released together: for each, exactly one succeeds, and
    the roll and the box agree on which."""
    world = pg_world
    contest = boxed_contest(world)
    ro = world.users["returning_officer"]
    with scope(society=world.society):
        order = choice(contest, 2, 1)
    for voter in contest.voters[:3]:
        barrier = held_after_encryption(2)

        def paper(voter=voter, barrier=barrier):
            barrier.wait(timeout=60)
            with scope(society=world.society):
                services.strike_off_paper(actor=ro, contest=contest, member=voter)
                return "struck"

        cast, struck = run_together(caster(world, contest, voter, order), paper)
        succeeded = [r for r in (cast, struck) if not isinstance(r, Exception)]
        assert len(succeeded) == 1, (cast, struck)
        refused = cast if isinstance(cast, Exception) else struck
        assert isinstance(refused, BallotError) and "already voted" in str(refused), refused
        with scopes_disabled():
            entry = VoterRollEntry.objects.get(contest=contest, member=voter)
            ballots = EncryptedBallot.objects.filter(box_id=contest.box_id).count()
            strikes = AuditEntry.objects.filter(action="ballot.struck_off",
                                                data__member=voter.member_number).count()
        if struck == "struck":
            assert (entry.channel, strikes) == (Channel.PAPER, 1)
        else:
            assert (entry.channel, strikes) == (Channel.ONLINE, 0)
        with scopes_disabled():
            trackers = set(EncryptedBallot.objects.filter(box_id=contest.box_id)
                           .values_list("tracker", flat=True))
            online_votes = VoterRollEntry.objects.filter(contest=contest,
                                                         channel=Channel.ONLINE).count()
        assert ballots == online_votes == len(trackers)
        assert struck == "struck" or cast in trackers


def test_casts_racing_the_close_are_counted_in_it_or_refused(pg_world,
                                                              held_after_encryption):
    """Three members' casts, encrypted while the poll is open, meet the close at the
    database. Each is either stored before the close (and in the close's count of the box)
    or refused; none is stored after the box closed, and the roll agrees with the box."""
    world = pg_world
    contest = boxed_contest(world, closes_in=timedelta(hours=1))
    ro = world.users["returning_officer"]
    voters = contest.voters[:3]
    with scope(society=world.society):
        order = choice(contest, 1, 2, 3)
    closes_at = contest.voting_closes

    barrier = held_after_encryption(len(voters) + 1)

    def close():
        barrier.wait(timeout=60)
        with scope(society=world.society):
            # The schedule's close at the closing time, while these casts were under way.
            return services.close_voting(actor=ro, contest=contest, now=closes_at)

    *casts, closed = run_together(*(caster(world, contest, v, order) for v in voters), close)
    assert closed is True, closed
    with scopes_disabled():
        box = Box.objects.get(pk=contest.box_id)
        stored = set(EncryptedBallot.objects.filter(box=box).values_list("tracker", flat=True))
        at_close = AuditEntry.objects.get(action="ballotbox.closed").data["ballots"]
        contest_closed = AuditEntry.objects.get(action="contest.closed").data
        online = VoterRollEntry.objects.filter(contest=contest, channel=Channel.ONLINE).count()
    assert box.state != BoxState.OPEN
    accepted = {r for r in casts if isinstance(r, str)}
    assert all(isinstance(r, BallotError) for r in casts if not isinstance(r, str)), casts
    assert stored == accepted
    assert len(stored) == at_close == online == contest_closed["online"]
    # Nothing can be added now: a late cast is refused and the box keeps its count.
    with scope(society=world.society), pytest.raises(BallotError):
        services.cast_ballot(actor=contest.voters[4].user, contest=contest,
                             member=contest.voters[4], choices=order)
    with scopes_disabled():
        assert EncryptedBallot.objects.filter(box=box).count() == at_close
