"""Membership invariants under concurrent requests, which only PostgreSQL can show."""

import pytest
from django.utils import timezone
from django_scopes import scope

from members import services
from members.models import Member
from members.services import MemberError
from tests.conftest import build_society, is_postgres
from tests.members.conftest import application_values
from tests.societies.test_concurrency import run_together

pytestmark = pytest.mark.postgres


def test_concurrent_admissions_get_distinct_consecutive_numbers(transactional_db):
    if not is_postgres():
        pytest.skip("needs PostgreSQL row locks: runs in CI's PostgreSQL leg")
    world = build_society("millmead", "Millmead Children's Centre")
    society = world.society
    with scope(society=society):
        applications = [
            services.submit_application(actor=None, society=society, values=application_values(
                world, email=f"p{n}@example.org", full_name=f"Person {n}"))
            for n in range(4)
        ]

    def admit(application):
        def call():
            with scope(society=society):
                return services.admit_application(
                    actor=None, application=application, decided_on=timezone.localdate(),
                    decision_reference="Board 1").member.member_number
        return call

    results = run_together(*(admit(a) for a in applications))
    assert sorted(results) == [6, 7, 8, 9], results


def test_the_same_person_admitted_twice_at_once_is_a_member_once(transactional_db):
    if not is_postgres():
        pytest.skip("needs PostgreSQL concurrency: runs in CI's PostgreSQL leg")
    world = build_society("millmead", "Millmead Children's Centre")
    society = world.society
    with scope(society=society):
        first = services.submit_application(actor=None, society=society,
                                            values=application_values(world))
        second = services.submit_application(actor=None, society=society,
                                             values=application_values(world))

    def admit(application):
        def call():
            with scope(society=society):
                return services.admit_application(
                    actor=None, application=application, decided_on=timezone.localdate(),
                    decision_reference="Board 1")
        return call

    results = run_together(admit(first), admit(second))
    assert sum(isinstance(r, MemberError) for r in results) == 1, results
    with scope(society=society):
        assert Member.objects.filter(email="grace@example.org").count() == 1
