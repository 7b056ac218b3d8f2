"""The authentication backend (accounts.backends): allauth's, with the signed-in user read by a
written-out query. The user must be the one the ORM reads, and every rule that signs a person
out must still hold."""

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Model
from django.test import Client
from django.urls import reverse
from django_scopes import scopes_disabled

from accounts.backends import AuthenticationBackend
from tests.conftest import make_user

User = get_user_model()


def test_it_is_the_only_backend():
    assert settings.AUTHENTICATION_BACKENDS == ["accounts.backends.AuthenticationBackend"]


def test_the_user_read_is_the_one_the_orm_reads(db):
    made = make_user("reader@example.org", full_name="Ada Reader")
    read = AuthenticationBackend().get_user(made.pk)
    with scopes_disabled():
        expected = User.objects.get(pk=made.pk)
    assert type(read) is User and not read._state.adding
    for field in User._meta.concrete_fields:
        assert getattr(read, field.attname) == getattr(expected, field.attname), field.name
        assert type(getattr(read, field.attname)) is type(getattr(expected, field.attname))
    read.full_name = "Ada Reader-Lovelace"
    read.save(update_fields=["full_name"])
    assert User.objects.get(pk=made.pk).full_name == "Ada Reader-Lovelace"
    assert User.objects.count() == 1


@pytest.mark.parametrize("user_id", [987654, "987654", "not-a-number", None, "", "1; DROP"])
def test_an_unknown_or_malformed_id_is_nobody(db, user_id):
    make_user("someone@example.org")
    assert AuthenticationBackend().get_user(user_id) is None


def test_a_session_id_given_as_text_finds_the_user(db):
    made = make_user("text@example.org")
    assert AuthenticationBackend().get_user(str(made.pk)).pk == made.pk


def test_a_deactivated_user_is_signed_out_on_their_next_request(world):
    client = world.client("member")
    home = reverse("members:my_record", kwargs={"society_slug": world.society.slug})
    assert client.get(home).status_code == 200
    User.objects.filter(pk=world.users["member"].pk).update(is_active=False)
    assert client.get(home).status_code == 302


def test_a_password_change_elsewhere_signs_the_old_session_out(world):
    client = world.client("member")
    home = reverse("members:my_record", kwargs={"society_slug": world.society.slug})
    assert client.get(home).status_code == 200
    user = User.objects.get(pk=world.users["member"].pk)
    user.set_password("a-brand-new-password-77")
    user.save()
    assert client.get(home).status_code == 302


def test_signing_in_with_the_form_stores_this_backend_in_the_session(db):
    make_user("form@example.org", password="correct-horse-battery-9")
    client = Client()
    response = client.post(reverse("account_login"), {"login": "form@example.org",
                                                      "password": "correct-horse-battery-9"})
    assert response.status_code == 302
    assert client.session["_auth_user_backend"] == "accounts.backends.AuthenticationBackend"
    assert client.get(reverse("my_societies")).status_code == 200


def test_the_user_read_is_a_model_instance_with_the_same_session_hash(db):
    made = make_user("plain@example.org")
    read = AuthenticationBackend().get_user(made.pk)
    assert isinstance(read, Model)
    assert read.get_session_auth_hash() == made.get_session_auth_hash()
