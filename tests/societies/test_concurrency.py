"""Invariants that only the database can guarantee, under concurrent requests (PostgreSQL)."""

import threading

import pytest
from django.db import connection
from django_scopes import scope

from societies import services
from societies.models import RoleGrant
from societies.permissions import Role
from societies.services import SocietyError
from tests.conftest import build_society, is_postgres

pytestmark = pytest.mark.postgres


def run_together(*calls):
    """Run the calls in threads released at the same moment; return results or exceptions."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def runner(index, call):
        try:
            barrier.wait()
            results[index] = call()
        except Exception as error:  # noqa: BLE001 - reported to the test
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=runner, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_two_secretaries_removed_at_once_leave_one(transactional_db):
    if not is_postgres():
        pytest.skip("needs PostgreSQL row locks: runs in CI's PostgreSQL leg")
    world = build_society("millmead", "Millmead Children's Centre")
    society = world.society
    with scope(society=society):
        services.grant_role(actor=None, society=society, user=world.users["auditor"],
                            role=Role.SECRETARY)
        grants = list(RoleGrant.objects.filter(role=Role.SECRETARY))
    assert len(grants) == 2

    def revoke(grant):
        def call():
            with scope(society=society):
                services.revoke_role(actor=None, grant=grant)
                return "removed"
        return call

    results = run_together(revoke(grants[0]), revoke(grants[1]))
    assert results.count("removed") == 1
    assert any(isinstance(r, SocietyError) for r in results)
    with scope(society=society):
        assert RoleGrant.objects.filter(role=Role.SECRETARY).count() == 1


def test_the_same_role_granted_twice_at_once_is_stored_once(transactional_db):
    if not is_postgres():
        pytest.skip("needs PostgreSQL concurrency: runs in CI's PostgreSQL leg")
    world = build_society("millmead", "Millmead Children's Centre")
    society, user = world.society, world.users["member"]

    def grant():
        with scope(society=society):
            return services.grant_role(actor=None, society=society, user=user,
                                       role=Role.AUDITOR)

    results = run_together(grant, grant, grant)
    assert sum(isinstance(r, RoleGrant) for r in results) == 1
    assert all(isinstance(r, (RoleGrant, SocietyError)) for r in results)
    with scope(society=society):
        assert RoleGrant.objects.filter(user=user, role=Role.AUDITOR).count() == 1
