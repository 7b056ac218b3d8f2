"""Pages work from the keyboard, without JavaScript, and on a phone-sized screen."""

import re

from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django_scopes import scope, scopes_disabled
from playwright.sync_api import expect

from societies.models import RoleGrant, Society
from societies.permissions import Role
from tests.conftest import build_society, make_user
from tests.e2e.helpers import assert_accessible, current_totp_code

PASSWORD = "correct-horse-battery-9"
NOTICE_LABEL = "Notice period for general meetings (clear days)"


def focus_indicator(locator) -> dict:
    return locator.evaluate(
        """el => { const s = getComputedStyle(el);
                   return {outline: s.outlineStyle, outlineWidth: parseFloat(s.outlineWidth),
                           boxShadow: s.boxShadow}; }"""
    )


def test_tab_first_reaches_a_visible_skip_link_that_moves_focus_to_main(live_server, page,
                                                                      sign_in):
    world = build_society("millmead", "Millmead Children's Centre")
    sign_in(page, world.users["secretary"])
    page.goto(f"{live_server.url}/s/millmead/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Millmead Children's Centre")

    page.keyboard.press("Tab")
    skip_link = page.get_by_role("link", name="Skip to main content")
    expect(skip_link).to_be_focused()
    expect(skip_link).to_be_in_viewport()
    indicator = focus_indicator(skip_link)
    assert (indicator["outline"] != "none" and indicator["outlineWidth"] > 0) or (
        indicator["boxShadow"] != "none"
    ), indicator

    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    expect(page).to_have_url(re.compile(r"/s/millmead/#main$"))


def test_secretary_signs_in_with_mfa_and_saves_settings_without_javascript(live_server,
                                                                           new_page):
    world = build_society("millmead", "Millmead Children's Centre")
    secret = generate_totp_secret()
    secretary = make_user("dana.reid@millmead.test", full_name="Dana Reid", password=PASSWORD)
    with scopes_disabled():
        TOTP.activate(secretary, secret)
    with scope(society=world.society):
        RoleGrant.objects.create(society=world.society, user=secretary, role=Role.SECRETARY)

    page = new_page(java_script_enabled=False)
    page.goto(f"{live_server.url}/s/millmead/settings/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next="))
    page.get_by_label("Email").fill("dana.reid@millmead.test")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Password").press("Enter")

    expect(page.get_by_role("heading", level=1)).to_have_text("Two-factor authentication")
    code = page.get_by_label("Code")
    code.fill(current_totp_code(secret))
    code.press("Enter")

    expect(page).to_have_url(f"{live_server.url}/s/millmead/settings/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Society settings")
    notice = page.get_by_label(NOTICE_LABEL)
    notice.focus()
    page.keyboard.press("ControlOrMeta+A")
    page.keyboard.type("30")
    page.keyboard.press("Enter")

    expect(page.get_by_role("status")).to_contain_text("Settings saved.")
    expect(page.get_by_label(NOTICE_LABEL)).to_have_value("30")
    with scopes_disabled():
        assert Society.objects.get(slug="millmead").notice_clear_days == 30


def test_society_home_fits_a_phone_screen_without_sideways_scrolling(live_server, new_page,
                                                                     sign_in):
    world = build_society("millmead", "Millmead Children's Centre")
    page = sign_in(new_page(viewport={"width": 375, "height": 667}), world.users["secretary"])
    page.goto(f"{live_server.url}/s/millmead/")
    nav = page.get_by_role("navigation", name="Millmead Children's Centre")
    expect(nav).to_be_hidden()  # folded into the menu on a phone

    assert page.evaluate("document.scrollingElement.scrollWidth") <= 375
    assert_accessible(page)
    page.locator(".society-menu > summary").click()
    expect(nav.get_by_role("link", name="Audit log")).to_be_visible()
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 375
    assert_accessible(page)
