"""The public application form is limited per address, per society and per email address
typed, so nobody can fill a society with applications or make it mail someone in bulk."""

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django_scopes import scope, scopes_disabled

from members.models import Application

pytestmark = pytest.mark.rate_limits


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()  # the limits count in the cache
    yield
    cache.clear()


def _url(society) -> str:
    return reverse("members:apply", kwargs={"society_slug": society.slug})


def _form(world, name="Ada Lovelace", email="ada@example.org") -> dict:
    return {"stakeholder_class": world.classes["Staff"].pk, "full_name": name,
            "address": "1 Engine Row\nLondon", "postcode": "n1 9gu",
            "date_of_birth": "1990-12-10", "email": email, "contact_channel": "email",
            "electronic_consent": "on", "agree_rules": "on"}


def _applications(society) -> int:
    with scope(society=society):
        return Application.objects.count()


def test_the_application_after_the_limit_from_one_address_is_refused_and_nothing_written(
        world, settings, django_capture_on_commit_callbacks):
    settings.APPLICATION_LIMITS = {"address": 3, "society": 100, "email": 100, "minutes": 60}
    client = Client(REMOTE_ADDR="192.0.2.7")
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(3):
            sent = client.post(_url(world.society), _form(world, email=f"p{n}@example.org"))
            assert sent.status_code == 302
    mails = len(mail.outbox)

    with django_capture_on_commit_callbacks(execute=True):
        refused = client.post(_url(world.society), _form(world, email="p9@example.org"))

    text = refused.content.decode()
    assert refused.status_code == 429
    assert "Too many applications have been sent from this address" in text
    assert "Please try again then" in text and 'role="alert"' in text
    assert 'value="Ada Lovelace"' in text  # the form, filled in, to send again later
    assert 0 < int(refused["Retry-After"]) <= 3600
    assert _applications(world.society) == 3 and len(mail.outbox) == mails
    elsewhere = Client(REMOTE_ADDR="192.0.2.8").post(_url(world.society),
                                                      _form(world, email="p9@example.org"))
    assert elsewhere.status_code == 302


def test_one_email_address_gets_only_so_many_applications(
        world, settings, django_capture_on_commit_callbacks):
    settings.APPLICATION_LIMITS = {"address": 100, "society": 100, "email": 2, "minutes": 60}
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(2):
            Client(REMOTE_ADDR=f"192.0.2.{n + 1}").post(
                _url(world.society), _form(world, email="Victim@Example.org"))
        refused = Client(REMOTE_ADDR="198.51.100.1").post(
            _url(world.society), _form(world, email=" victim@example.org"))

    assert refused.status_code == 429
    assert "for this email address" in refused.content.decode()
    assert _applications(world.society) == 2
    assert len([m for m in mail.outbox if "victim@example.org" in
                [to.lower() for to in m.to]]) == 2


def test_a_society_gets_only_so_many_applications_from_everywhere(world, settings):
    settings.APPLICATION_LIMITS = {"address": 100, "society": 3, "email": 100, "minutes": 60}
    for n in range(3):
        assert Client(REMOTE_ADDR=f"192.0.2.{n + 1}").post(
            _url(world.society), _form(world, email=f"p{n}@example.org")).status_code == 302

    refused = Client(REMOTE_ADDR="198.51.100.1").post(_url(world.society),
                                                       _form(world, email="q@example.org"))

    assert refused.status_code == 429 and "to this society" in refused.content.decode()
    assert _applications(world.society) == 3


def test_the_secretary_entering_paper_applications_is_not_limited(world, settings):
    settings.APPLICATION_LIMITS = {"address": 1, "society": 1, "email": 1, "minutes": 60}
    client = world.client("secretary")
    for n in range(3):
        assert client.post(_url(world.society), _form(world, name=f"Paper {n}",
                                                      email="same@example.org")).status_code == 302
    assert _applications(world.society) == 3


def test_a_form_with_mistakes_does_not_count(world, settings):
    settings.APPLICATION_LIMITS = {"address": 1, "society": 100, "email": 100, "minutes": 60}
    client = Client(REMOTE_ADDR="192.0.2.7")
    for _ in range(3):
        assert client.post(_url(world.society), {"full_name": "x"}).status_code == 400
    assert client.post(_url(world.society), _form(world)).status_code == 302


def test_the_limits_are_off_when_the_setting_is_false(world, settings):
    settings.APPLICATION_LIMITS = False
    client = Client(REMOTE_ADDR="192.0.2.7")
    for n in range(12):
        assert client.post(_url(world.society),
                           _form(world, email=f"p{n}@example.org")).status_code == 302
    with scopes_disabled():
        assert Application.objects.filter(society=world.society).count() == 12
