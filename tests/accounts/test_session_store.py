"""The session store (settings.SESSION_ENGINE = "accounts.sessions"): Django's database
sessions with the row read by a written-out query. Signed out, expired or unknown sessions
must be dead on the server exactly as with Django's own store."""

from datetime import timedelta

from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.sessions import SessionStore


def test_the_engine_is_the_database_store_with_the_written_out_read():
    assert settings.SESSION_ENGINE == "accounts.sessions"


def test_a_saved_session_reads_back_and_a_missing_one_is_empty(db):
    store = SessionStore()
    store["answer"] = 42
    store.save()
    assert SessionStore(store.session_key)["answer"] == 42
    ghost = SessionStore("x" * 32)
    assert ghost.load() == {}
    assert ghost.session_key is None


def test_an_expired_session_is_not_read(db):
    store = SessionStore()
    store["answer"] = 42
    store.save()
    Session.objects.filter(session_key=store.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1))
    assert SessionStore(store.session_key).load() == {}


def test_tampered_session_data_is_not_trusted(db):
    store = SessionStore()
    store["_auth_user_id"] = "1"
    store.save()
    Session.objects.filter(session_key=store.session_key).update(session_data="forged:data")
    assert SessionStore(store.session_key).load() == {}


def test_a_signed_out_session_is_dead_on_the_server(world):
    client = world.client("member")
    home = reverse("members:my_record", kwargs={"society_slug": world.society.slug})
    assert client.get(home).status_code == 200
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    client.post(reverse("account_logout"))
    assert not Session.objects.filter(session_key=key).exists()
    # Replaying the old cookie finds no session: sent to sign in.
    replay = Client()
    replay.cookies[settings.SESSION_COOKIE_NAME] = key
    assert replay.get(home).status_code == 302


def test_a_session_deleted_on_the_server_signs_the_user_out(world):
    client = world.client("member")
    home = reverse("members:my_record", kwargs={"society_slug": world.society.slug})
    assert client.get(home).status_code == 200
    Session.objects.all().delete()
    assert client.get(home).status_code == 302
