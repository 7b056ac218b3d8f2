"""The Django admin is for platform operators and runs unscoped: every registered model's list
opens for a superuser, and read-only records cannot be added."""

import pytest
from django.contrib import admin
from django.urls import reverse

MODELS = sorted(admin.site._registry, key=lambda model: model._meta.label)


@pytest.mark.parametrize("model", MODELS, ids=[m._meta.label for m in MODELS])
def test_every_admin_list_opens_for_the_operator(operator_client, model):
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    assert operator_client.get(url).status_code == 200


def test_audit_entries_cannot_be_added_in_the_admin(operator_client):
    assert operator_client.get(reverse("admin:societies_auditentry_add")).status_code == 403


def test_society_officers_cannot_open_the_admin(world):
    response = world.client("secretary").get(reverse("admin:index"))
    assert response.status_code == 302
