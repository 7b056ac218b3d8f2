"""One ballot per credential under simultaneous requests (PostgreSQL: the unique constraint
has the last word)."""

import pytest
from django_scopes import scope

from ballotbox import belenios, services
from ballotbox.belenios import BallotRefused
from ballotbox.models import EncryptedBallot, Keeping
from tests.conftest import build_society, is_postgres
from tests.societies.test_concurrency import run_together

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_world(transactional_db):
    if not is_postgres():
        pytest.skip("needs PostgreSQL row locks: runs in CI's PostgreSQL leg")
    return build_society("millmead", "Millmead Children's Centre")


def test_two_ballots_with_one_credential_at_once_store_one(tool, pg_world):
    world = pg_world
    officer = world.users["returning_officer"]
    with scope(society=world.society):
        box = services.create_box(
            actor=officer, society=world.society, name="AGM", threshold=1,
            questions=[belenios.resolution_question("Adopt the accounts")],
            trustees=[services.TrusteeSpec("Ann Lee", Keeping.SERVER)])
        private = services.open_box(actor=officer, box=box, voter_ids=["a", "b"])
        box.refresh_from_db()
        ballots = [belenios.encrypt_ballot(election=box.election, trustees=box.trustees,
                                           private_credential=private["a"], choices=[choice])
                   for choice in ([1, 0, 0], [0, 1, 0], [0, 0, 1])]

    def store(text):
        def call():
            with scope(society=world.society):
                return services.store_ballot(box, text)
        return call

    results = run_together(*(store(b.text) for b in ballots))
    stored = [r for r in results if isinstance(r, str)]
    assert len(stored) == 1
    assert all(isinstance(r, BallotRefused) and "already in the ballot box" in str(r)
               for r in results if not isinstance(r, str))
    with scope(society=world.society):
        assert list(EncryptedBallot.objects.filter(box=box)
                    .values_list("tracker", flat=True)) == stored


def test_a_ballot_racing_the_close_is_stored_before_it_or_refused(tool, pg_world):
    world = pg_world
    officer = world.users["returning_officer"]
    with scope(society=world.society):
        box = services.create_box(
            actor=officer, society=world.society, name="AGM", threshold=1,
            questions=[belenios.resolution_question("Adopt the accounts")],
            trustees=[services.TrusteeSpec("Ann Lee", Keeping.SERVER)])
        private = services.open_box(actor=officer, box=box, voter_ids=["a"])
        box.refresh_from_db()
        ballot = belenios.encrypt_ballot(election=box.election, trustees=box.trustees,
                                         private_credential=private["a"], choices=[[1, 0, 0]])

    def cast():
        with scope(society=world.society):
            return services.store_ballot(box, ballot.text)

    def close():
        with scope(society=world.society):
            return services.close_box(actor=officer, box=box)

    results = run_together(cast, close)
    with scope(society=world.society):
        stored = EncryptedBallot.objects.filter(box=box).count()
        from societies.models import AuditEntry
        closed = AuditEntry.objects.get(action="ballotbox.closed")
    assert stored == closed.data["ballots"]
    assert isinstance(results[0], str) == (stored == 1)
