"""The audit log is append-only in the database too: on PostgreSQL a trigger refuses to change
or remove an entry, whatever code (raw SQL, a queryset update) tries it."""

import pytest
from django.db import IntegrityError, connection, transaction
from django_scopes import scope, scopes_disabled

from societies import audit
from societies.models import AuditEntry, Society
from tests.conftest import is_postgres, make_user

pytestmark = pytest.mark.postgres


@pytest.fixture
def entry(world):
    if not is_postgres():
        pytest.skip("the trigger is PostgreSQL's: runs in CI's PostgreSQL leg")
    with scope(society=world.society), transaction.atomic():
        return audit.record(world.society, world.users["secretary"], "society.settings_changed",
                            data={"note": "as it was"})


def _stored(entry):
    with scopes_disabled():
        return AuditEntry.objects.filter(pk=entry.pk).values(
            "action", "actor_id", "actor_label", "data", "created_at").first()


@pytest.mark.parametrize("statement", [
    "UPDATE societies_auditentry SET action = 'test.changed'",
    "UPDATE societies_auditentry SET data = '{}'",
    "UPDATE societies_auditentry SET created_at = created_at - interval '1 day'",
    "UPDATE societies_auditentry SET actor_label = 'someone else'",
    "UPDATE societies_auditentry SET actor_id = NULL, actor_label = ''",
    "DELETE FROM societies_auditentry",
])
def test_postgresql_refuses_to_rewrite_the_audit_log_even_in_raw_sql(entry, statement):
    before = _stored(entry)
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic(), \
            connection.cursor() as cursor:
        cursor.execute(statement)
    assert _stored(entry) == before


def test_a_queryset_update_or_delete_is_refused_too(entry):
    before = _stored(entry)
    with scopes_disabled():
        with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
            AuditEntry.objects.filter(pk=entry.pk).update(action="test.changed")
        with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
            AuditEntry.objects.filter(pk=entry.pk).delete()
    assert _stored(entry) == before


def test_deleting_a_user_account_keeps_the_entries_with_the_actor_named(world, entry):
    # The one change let through: Django setting the actor to NULL as the account goes.
    gone = make_user("gone@millmead.test")
    with scope(society=world.society), transaction.atomic():
        theirs = audit.record(world.society, gone, "role.granted")
    with scopes_disabled():
        gone.delete()
    stored = _stored(theirs)
    assert stored["actor_id"] is None
    assert stored["actor_label"] == "gone@millmead.test"
    assert stored["action"] == "role.granted"


def test_a_society_with_audit_entries_cannot_be_deleted(world, entry):
    from django.db.models import ProtectedError

    with scopes_disabled(), pytest.raises(ProtectedError), transaction.atomic():
        Society.objects.get(pk=world.society.pk).delete()
    assert _stored(entry) is not None
