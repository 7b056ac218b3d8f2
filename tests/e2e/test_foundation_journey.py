"""A society's first secretary: from the invitation email to changing the society's settings."""

import re

from django.conf import settings
from django.core import mail
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from societies import services
from societies.models import Society
from tests.e2e.helpers import assert_accessible, current_totp_code

SLUG = "riverside"
NAME = "Riverside Housing Co-operative"
SECRETARY = "sam.okafor@riverside.test"
PASSWORD = "lantern-orchard-walnut-42"
NOTICE_LABEL = "Notice period for general meetings (clear days)"


def invite_first_secretary(live_server) -> str:
    """Set up the society; return the emailed link, pointed at the live server, not SITE_URL."""
    services.create_society(actor=None, name=NAME, slug=SLUG, legal_form="cooperative",
                            secretary_email=SECRETARY)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [SECRETARY]
    match = re.search(re.escape(settings.SITE_URL) + r"(/invitations/\S+)", message.body)
    assert match, message.body
    return live_server.url + match.group(1)


def test_invited_secretary_enrols_mfa_and_changes_settings(live_server, page):
    page.goto(live_server.url + "/")
    expect(page.get_by_role("heading", level=1)).to_have_text("OMOV: one member, one vote")
    assert_accessible(page)
    page.get_by_role("main").get_by_role("link", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    assert_accessible(page)

    page.goto(invite_first_secretary(live_server))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"You are invited to be secretary of {NAME}"
    )
    assert_accessible(page)
    page.get_by_label("Your full name").fill("Sam Okafor")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password (again)").fill(PASSWORD)
    page.get_by_role("button", name="Set password and accept").click()

    # Officers enrol an authenticator before anything else, without retyping the new password.
    expect(page).to_have_url(f"{live_server.url}/accounts/2fa/totp/activate/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Turn on an authenticator app")
    assert_accessible(page)
    secret = page.get_by_label("Authenticator secret").input_value()
    page.get_by_label("Authenticator code").fill(current_totp_code(secret))
    page.get_by_role("button", name="Activate").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Recovery codes")
    assert_accessible(page)
    page.get_by_role("link", name="Continue to the page you were opening").click()

    expect(page).to_have_url(f"{live_server.url}/s/{SLUG}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(NAME)
    expect(page.get_by_text("Signed in as Sam Okafor")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("navigation", name="Account").get_by_role("link", name="My societies").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My societies")
    card = page.get_by_role("listitem").filter(has=page.get_by_role("heading", name=NAME))
    expect(card).to_contain_text("Your roles: Secretary.")
    assert_accessible(page)

    card.get_by_role("link", name=NAME).click()
    page.get_by_role("navigation", name=NAME).get_by_role("link", name="Settings").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Society settings")
    assert_accessible(page)
    notice = page.get_by_label(NOTICE_LABEL)
    expect(notice).to_have_value("14")
    notice.fill("21")
    page.get_by_role("button", name="Save settings").click()

    expect(page.get_by_role("status")).to_contain_text("Settings saved.")
    expect(page.get_by_label(NOTICE_LABEL)).to_have_value("21")
    assert_accessible(page)
    with scopes_disabled():
        assert Society.objects.get(slug=SLUG).notice_clear_days == 21

