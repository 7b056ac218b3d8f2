"""Tenant data cannot be read by accident: outside a scope, queries fail loudly."""

import pytest
from django_scopes import ScopeError, scope

from members.models import Member
from societies.models import AuditEntry, RoleGrant, StakeholderClass


@pytest.mark.parametrize("model", [StakeholderClass, RoleGrant, AuditEntry, Member])
def test_tenant_models_raise_outside_a_scope(world, model):
    with pytest.raises(ScopeError):
        list(model.objects.all())


def test_a_scope_shows_only_its_own_society(world):
    with scope(society=world.society):
        emails = set(Member.objects.values_list("email", flat=True))
    assert emails and all(email.endswith("@millmead.test") for email in emails)


def test_audit_entries_are_append_only(in_scope):
    from django.db import transaction

    from societies import audit

    with transaction.atomic():
        entry = audit.record(in_scope.society, None, "society.settings_changed")
    entry.action = "test.changed"
    with pytest.raises(ValueError, match="append-only"):
        entry.save()
    with pytest.raises(ValueError, match="append-only"):
        entry.delete()


def test_audit_record_refuses_to_run_outside_a_transaction(in_scope, django_db_blocker):
    from django.db import connection

    from societies import audit

    # pytest-django wraps each test in a transaction; step outside it to check the guard.
    connection.in_atomic_block, saved = False, connection.in_atomic_block
    try:
        with pytest.raises(RuntimeError, match="inside the service's transaction"):
            audit.record(in_scope.society, None, "society.settings_changed")
    finally:
        connection.in_atomic_block = saved
