"""An admission follows the society's rules as they are stored when it is decided, not as an
instance read before a change of settings had them."""

from datetime import date

from django_scopes import scope

from members import services
from members.models import ApplicationStatus
from societies.models import AdmissionMethod, Society
from tests.conftest import build_society
from tests.members.conftest import application_values

DECIDED = date(2026, 3, 2)


def test_a_society_that_now_admits_by_members_vote_refers_the_application(db):
    world = build_society("sunshine", "Sunshine Care")
    stale = world.society
    Society.objects.filter(pk=stale.pk).update(admission_method=AdmissionMethod.MEMBERS_VOTE)
    with scope(society=stale):
        application = services.submit_application(actor=None, society=stale,
                                                   values=application_values(world))
        decided = services.admit_application(actor=world.users["secretary"],
                                             application=application, decided_on=DECIDED,
                                             decision_reference="Board 9")
    assert decided.status == ApplicationStatus.AWAITING_VOTE
    assert decided.member_id is None
