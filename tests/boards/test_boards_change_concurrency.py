"""A proxy appointed while the meeting is being cancelled is refused (PostgreSQL row locks)."""

import time

import pytest
from django.db import transaction
from django_scopes import scope

from boards import changes, services
from boards.models import ProxyAppointment
from boards.services import BoardError
from tests.boards.test_boards_concurrency import _agm_with_members
from tests.conftest import is_postgres
from tests.societies.test_concurrency import run_together

pytestmark = pytest.mark.postgres


def test_a_proxy_racing_a_cancellation_is_refused(transactional_db):
    if not is_postgres():
        pytest.skip("needs PostgreSQL row locks: runs in CI's PostgreSQL leg")
    society, meeting, (member,) = _agm_with_members(1)

    def cancel():
        with scope(society=society), transaction.atomic():
            changes.cancel_meeting(actor=None, meeting=meeting, reason="Called off.")
            time.sleep(0.6)  # hold the meeting's row while the appointment arrives
        return "cancelled"

    def appoint():
        time.sleep(0.2)
        with scope(society=society):
            # `meeting` was read before the cancellation: the check on it passes.
            services.appoint_proxy(actor=None, meeting=meeting, appointer=member,
                                   instructions={})
        return "appointed"

    results = run_together(cancel, appoint)
    assert results[0] == "cancelled"
    assert isinstance(results[1], BoardError) and "cancelled" in str(results[1])
    with scope(society=society):
        assert not ProxyAppointment.objects.filter(meeting=meeting).exists()
