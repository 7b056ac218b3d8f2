"""Number series under concurrent requests (PostgreSQL): each counter row is locked alone."""

import threading

import pytest
from django.db import connection, transaction
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from boards import services as boards
from members import services as members
from societies import numbering
from societies.models import Counter
from tests.conftest import build_society, is_postgres
from tests.societies.test_concurrency import run_together

pytestmark = pytest.mark.postgres


def _needs_postgres():
    if not is_postgres():
        pytest.skip("needs PostgreSQL row locks: runs in CI's PostgreSQL leg")


def test_a_counter_first_used_by_many_at_once_is_made_once(transactional_db):
    _needs_postgres()
    society = build_society("millmead", "Millmead Children's Centre").society

    def take():
        with transaction.atomic():
            return list(numbering.take(society, "test", 2))

    results = run_together(*(take for _ in range(4)))
    assert sorted(n for block in results for n in block) == list(range(1, 9)), results
    assert all(block[1] == block[0] + 1 for block in results)
    with scopes_disabled():
        assert Counter.objects.filter(society=society, kind="test").count() == 1


def test_holding_the_member_numbers_does_not_block_a_decision(transactional_db):
    """An import of the register holds the member-number counter for its whole length;
    the board's decisions (and the society row) stay free meanwhile."""
    _needs_postgres()
    society = build_society("millmead", "Millmead Children's Centre").society
    holding, release = threading.Event(), threading.Event()

    def import_under_way():
        try:
            with transaction.atomic():
                members.hold_member_numbers(society)
                holding.set()
                release.wait(30)
        finally:
            connection.close()

    importer = threading.Thread(target=import_under_way)
    importer.start()
    try:
        assert holding.wait(30)

        def decide():
            with transaction.atomic():
                # Fail at once rather than wait, should anything the import holds be needed.
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL lock_timeout = '2s'")
                with scope(society=society):
                    return boards.record_decision(
                        actor=None, society=society, text="Adopt the budget",
                        decided_on=timezone.localdate(), outcome="carried").number

        [number] = run_together(decide)
        assert number == 1, number
    finally:
        release.set()
        importer.join(30)
