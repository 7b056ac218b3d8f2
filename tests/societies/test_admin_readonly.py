"""The Django admin only reads: societies, roles and every society's records change only
through the services, which keep their rules (a society's last secretary stays) and write the
audit entry. Adding, changing and deleting are refused there, and nothing changes."""

import pytest
from django.contrib import admin
from django.urls import reverse
from django_scopes import scopes_disabled

from accounts.models import User
from societies.models import AuditEntry, RoleGrant, Society

# Every registered model but the platform's own accounts and sign-in records.
TENANT_MODELS = sorted((model for model in admin.site._registry
                        if model._meta.app_label not in ("accounts", "account", "mfa",
                                                         "socialaccount", "sites", "auth")),
                       key=lambda model: model._meta.label)


def _snapshot():
    with scopes_disabled():
        return (list(Society.objects.order_by("pk").values()),
                list(RoleGrant.objects.order_by("pk").values()),
                AuditEntry.objects.count())


@pytest.mark.parametrize("model", TENANT_MODELS, ids=[m._meta.label for m in TENANT_MODELS])
def test_every_society_record_is_read_only_in_the_admin(operator_client, model):
    model_admin = admin.site._registry[model]
    request = operator_client.get(reverse("admin:index")).wsgi_request
    assert model_admin.has_view_permission(request)
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)


def test_a_society_cannot_be_added_changed_or_deleted_in_the_admin(world, operator_client):
    before = _snapshot()
    society = world.society
    add = reverse("admin:societies_society_add")
    change = reverse("admin:societies_society_change", args=[society.pk])
    delete = reverse("admin:societies_society_delete", args=[society.pk])
    assert operator_client.get(add).status_code == 403
    assert operator_client.post(add, {"name": "New", "slug": "new"}).status_code == 403
    assert operator_client.get(change).status_code == 200  # a view of the record
    assert operator_client.post(change, {"name": "Renamed", "slug": "renamed",
                                         "is_active": ""}).status_code == 403
    assert operator_client.post(delete, {"post": "yes"}).status_code == 403
    assert _snapshot() == before


def test_the_last_secretary_cannot_be_removed_or_a_role_granted_in_the_admin(world,
                                                                            operator_client):
    before = _snapshot()
    with scopes_disabled():
        grant = RoleGrant.objects.get(society=world.society, role="secretary")
    add = reverse("admin:societies_rolegrant_add")
    change = reverse("admin:societies_rolegrant_change", args=[grant.pk])
    delete = reverse("admin:societies_rolegrant_delete", args=[grant.pk])
    changelist = reverse("admin:societies_rolegrant_changelist")
    assert operator_client.post(add, {"society": world.society.pk, "role": "secretary",
                                      "user": world.users["member"].pk}).status_code == 403
    assert operator_client.post(change, {"society": world.society.pk, "role": "auditor",
                                         "user": grant.user_id}).status_code == 403
    assert operator_client.post(delete, {"post": "yes"}).status_code == 403
    # The list offers no bulk delete either.
    response = operator_client.post(changelist, {"action": "delete_selected",
                                                 "_selected_action": [grant.pk], "post": "yes"})
    assert response.status_code in (200, 302, 403)
    assert _snapshot() == before


def test_an_old_version_cannot_be_restored_from_the_history(world, operator_client):
    with scopes_disabled():
        history = Society.history.filter(id=world.society.pk).latest("history_id")
    url = reverse("admin:societies_society_simple_history",
                  args=[world.society.pk, history.history_id])
    assert operator_client.get(url).status_code == 200
    before = _snapshot()
    assert operator_client.post(url, {"name": "Restored", "slug": "restored"}).status_code == 403
    assert _snapshot() == before


def test_platform_accounts_stay_editable_for_the_operator(operator_client):
    assert User in admin.site._registry
    assert operator_client.get(reverse("admin:accounts_user_add")).status_code == 200
