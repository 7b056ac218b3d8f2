"""Proxy rules under concurrent requests (PostgreSQL row locks)."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_scopes import scope

from boards import services
from boards.models import ProxyAppointment
from boards.services import BoardError
from members.models import Member
from tests.conftest import build_society, is_postgres
from tests.societies.test_concurrency import run_together

pytestmark = pytest.mark.postgres


def _agm_with_members(count):
    world = build_society("millmead", "Millmead Children's Centre")
    society = world.society
    society.proxy_max_per_holder = 2
    society.save()
    with scope(society=society):
        members = [Member.objects.create(
            society=society, member_number=100 + i, full_name=f"Member {i}",
            stakeholder_class=world.classes["Parent"],
            admitted_on=timezone.localdate() - timedelta(days=400)) for i in range(count)]
        meeting = services.schedule_meeting(
            actor=None, society=society, kind="agm",
            held_on=timezone.localdate() + timedelta(days=30))
    return society, meeting, members


def _appoint(society, meeting, appointer, holder):
    def call():
        with scope(society=society):
            services.appoint_proxy(actor=None, meeting=meeting, appointer=appointer,
                                   holder=holder, instructions={})
            return "appointed"
    return call


def test_a_holder_never_carries_more_than_the_cap(transactional_db):
    if not is_postgres():
        pytest.skip("needs PostgreSQL row locks: runs in CI's PostgreSQL leg")
    society, meeting, members = _agm_with_members(6)
    holder, appointers = members[0], members[1:]
    results = run_together(*(_appoint(society, meeting, a, holder) for a in appointers))
    assert results.count("appointed") == 2
    refused = [r for r in results if r != "appointed"]
    assert len(refused) == 3 and all(isinstance(r, BoardError) for r in refused)
    with scope(society=society):
        assert ProxyAppointment.objects.filter(holder=holder,
                                               revoked_at__isnull=True).count() == 2


def test_one_live_appointment_when_a_member_appoints_twice_at_once(transactional_db):
    if not is_postgres():
        pytest.skip("needs PostgreSQL row locks: runs in CI's PostgreSQL leg")
    society, meeting, members = _agm_with_members(4)
    appointer = members[0]
    results = run_together(*(_appoint(society, meeting, appointer, h) for h in members[1:]))
    assert results == ["appointed"] * 3  # each replaces the one before it
    with scope(society=society):
        live = ProxyAppointment.objects.filter(appointer=appointer, revoked_at__isnull=True)
        assert live.count() == 1
        assert ProxyAppointment.objects.filter(revoked_reason="replaced").count() == 2
