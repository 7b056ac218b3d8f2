"""Accounts: email is the login, verification is mandatory, reset works, failures are limited."""

import re

import pytest
from django.core import mail
from django.core.cache import cache
from django.urls import reverse

from accounts.models import User
from tests.conftest import make_user

pytestmark = pytest.mark.rate_limits


@pytest.fixture(autouse=True)
def _clear_rate_limits():
    cache.clear()
    yield
    cache.clear()


def test_signup_requires_email_verification_before_sign_in(client, db):
    response = client.post(reverse("account_signup"), {
        "email": "new@member.test", "password1": "a-long-pass-phrase-9",
        "password2": "a-long-pass-phrase-9"})
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    user = User.objects.get(email="new@member.test")
    assert not user.emailaddress_set.get().verified
    # Until verified, signing in sends them back to verification.
    client.logout()
    login = client.post(reverse("account_login"), {"login": "new@member.test",
                                                   "password": "a-long-pass-phrase-9"})
    assert login["Location"] == reverse("account_email_verification_sent")
    link = re.search(r"http://\S+/accounts/confirm-email/\S+/", mail.outbox[-1].body).group(0)
    path = link.split("://", 1)[1].split("/", 1)[1]
    client.post("/" + path)
    assert user.emailaddress_set.get().verified


def test_account_emails_name_the_site_not_the_host_that_served_the_request(client, db,
                                                                           settings):
    settings.SITE_URL = "https://omov.example.org"
    client.post(reverse("account_signup"), {
        "email": "new@member.test", "password1": "a-long-pass-phrase-9",
        "password2": "a-long-pass-phrase-9"}, HTTP_HOST="127.0.0.1:8000")
    message = mail.outbox[-1]
    assert message.subject == "[OMOV] Please confirm your email address"
    assert message.body.startswith("Hello from OMOV.")
    assert "open an account on OMOV" in message.body
    assert "https://omov.example.org" in message.body
    assert "127.0.0.1:8000!" not in message.body and "Hello from 127" not in message.body

    make_user("forgetful@member.test", password="an-old-pass-phrase-1")
    client.post(reverse("account_reset_password"), {"email": "forgetful@member.test"},
                HTTP_HOST="127.0.0.1:8000")
    assert mail.outbox[-1].subject == "[OMOV] Reset your password"
    assert mail.outbox[-1].body.startswith("Hello from OMOV.")


def test_email_is_the_login(client, db):
    make_user("person@member.test", password="a-long-pass-phrase-9")
    response = client.post(reverse("account_login"), {"login": "Person@Member.test",
                                                      "password": "a-long-pass-phrase-9"})
    assert response.status_code == 302
    assert response["Location"] == reverse("my_societies")


def test_password_reset_sends_a_link_that_sets_a_new_password(client, db):
    make_user("forgetful@member.test", password="an-old-pass-phrase-1")
    client.post(reverse("account_reset_password"), {"email": "forgetful@member.test"})
    link = re.search(r"http://\S+/accounts/password/reset/key/\S+/", mail.outbox[-1].body).group(0)
    path = "/" + link.split("://", 1)[1].split("/", 1)[1]
    form_page = client.get(path, follow=True)
    action = form_page.redirect_chain[-1][0] if form_page.redirect_chain else path
    done = client.post(action, {"password1": "a-new-pass-phrase-2",
                                "password2": "a-new-pass-phrase-2"})
    assert done.status_code == 302
    assert User.objects.get(email="forgetful@member.test").check_password("a-new-pass-phrase-2")


def test_repeated_failed_logins_for_one_account_are_refused(client, db):
    make_user("target@member.test", password="the-right-pass-phrase")
    for _ in range(5):
        response = client.post(reverse("account_login"), {"login": "target@member.test",
                                                          "password": "wrong-guess"})
        assert response.status_code == 200
    blocked = client.post(reverse("account_login"), {"login": "target@member.test",
                                                     "password": "the-right-pass-phrase"})
    assert blocked.status_code == 200
    assert "Too many failed login attempts" in blocked.content.decode()
    assert "_auth_user_id" not in client.session


def test_officer_sign_in_asks_for_the_second_factor(client, db):
    make_user("officer@society.test", password="a-long-pass-phrase-9", mfa=True)
    response = client.post(reverse("account_login"), {"login": "officer@society.test",
                                                      "password": "a-long-pass-phrase-9"})
    assert response["Location"] == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session
