"""The create_society and seed_demo management commands."""

import pytest
from django.core.management import CommandError, call_command
from django_scopes import scope, scopes_disabled

from members.models import Member
from societies.models import Invitation, RoleGrant, Society


def test_create_society_command(db, capsys):
    call_command("create_society", "--name", "Sunshine Care", "--slug", "sunshine",
                 "--secretary-email", "sec@sunshine.test")
    assert "Created Sunshine Care at /s/sunshine/" in capsys.readouterr().out
    with scopes_disabled():
        assert Invitation.objects.get(society__slug="sunshine").role == "secretary"


def test_create_society_command_explains_a_bad_address(db):
    with pytest.raises(CommandError, match="slug"):
        call_command("create_society", "--name", "X", "--slug", "not a slug!",
                     "--secretary-email", "a@b.test")
    with scopes_disabled():
        assert not Society.objects.exists()


def test_seed_demo_is_idempotent_and_gives_every_role_a_login(db):
    call_command("seed_demo")
    with scopes_disabled():
        counts = (Society.objects.count(), Member.objects.count(), RoleGrant.objects.count())
    call_command("seed_demo")
    with scopes_disabled():
        assert (Society.objects.count(), Member.objects.count(),
                RoleGrant.objects.count()) == counts
        slugs = set(Society.objects.values_list("slug", flat=True))
    assert slugs == {"millmead", "pembroke-street", "baywind"}
    millmead = Society.objects.get(slug="millmead")
    with scope(society=millmead):
        roles = set(RoleGrant.objects.values_list("role", flat=True))
        assert roles == {"secretary", "returning_officer", "board_member", "auditor"}
        assert Member.objects.filter(user__email="member@millmead.example.org").exists()
