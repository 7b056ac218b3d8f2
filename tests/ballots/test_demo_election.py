"""The demo board election being prepared (`ballots/demo.py`, loaded by seed_demo)."""

from django_scopes import scope

from ballots.demo import TITLE, seed_demo_election
from ballots.models import Contest, ContestState
from societies.models import AuditEntry
from tests.ballots.test_paper_nominations import person


def test_the_demo_election_has_nominations_online_and_on_paper_and_loads_once(world):
    for number in range(901, 905):
        person(world, number, f"Post Member {number}")
    with scope(society=world.society):
        seed_demo_election(world.society)
        contest = Contest.objects.get(election__title=TITLE)
        assert contest.state == ContestState.DRAFT
        candidates = list(contest.candidates.order_by("number"))
        assert [c.nominated_by_id is not None for c in candidates] == [True, False, False]
        assert [c.consent_signed_on is not None for c in candidates] == [False, True, False]
        entries = AuditEntry.objects.count()
        seed_demo_election(world.society)
        assert Contest.objects.filter(election__title=TITLE).count() == 1
        assert AuditEntry.objects.count() == entries
