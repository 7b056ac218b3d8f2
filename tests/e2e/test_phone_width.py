"""The pages people use most fit a phone (390 px wide), as each demo login sees them.

A table wider than the screen scrolls inside its own box (a focusable, labelled region),
never the page; the result chart scales to the screen; the society's links fold into a menu
that opens without JavaScript. axe-core checks each page, menu open and closed.
"""

import re
from types import SimpleNamespace

import pytest
from django.utils import timezone
from django_scopes import scope, scopes_disabled
from playwright.sync_api import expect

from accounts.models import User
from ballots import services as ballots
from boards.models import Minutes
from demo.management.commands.seed_demo import demo_email
from societies.models import Society
from tests.ballots.conftest import close_contest, make_contest
from tests.demo_crawl import load_demo
from tests.e2e.helpers import assert_accessible

PHONE = {"width": 390, "height": 844}


def published_result(society) -> str:
    """An STV count of the demo society, published: the path of its result page."""
    with scopes_disabled():
        officer = User.objects.get(email=demo_email("returning-officer", society.slug))
    world = SimpleNamespace(society=society, users={"returning_officer": officer}, members={},
                            classes={"Parent": society.stakeholder_classes.get(name="Parent")})
    contest = make_contest(world, seats=2, candidates=4, title="Parent seats")
    with scope(society=society):
        candidates = [str(c.public_id) for c in contest.candidates.order_by("number")]
        for i, voter in enumerate(contest.voters):
            ranking = candidates[i % 4:] + candidates[:i % 4]
            ballots.cast_ballot(actor=voter.user, contest=contest, member=voter, choices=ranking)
    close_contest(contest, world)
    with scope(society=society):
        ballots.sign_off(actor=officer, contest=contest, name="Rita Officer",
                         on=timezone.localdate())
        ballots.publish_result(actor=officer, contest=contest)
    return f"/s/{society.slug}/ballots/contests/{contest.public_id}/result/"


@pytest.fixture
def demo():
    load_demo()
    with scopes_disabled():
        millmead = Society.objects.get(slug="millmead")
    with scope(society=millmead):
        minutes = Minutes.objects.filter(meeting__society=millmead).first()
        paths = {"minutes": f"/s/millmead/boards/meetings/{minutes.meeting.public_id}/minutes/",
                 "result": published_result(millmead)}
    return paths


def key_pages(paths) -> dict[str, list[str]]:
    """For each demo login: the pages of the issue (my shares, the register, minutes,
    results) and the home page, as far as their roles reach."""
    common = ["/s/millmead/", paths["minutes"], paths["result"]]
    return {
        demo_email("member", "baywind"): ["/s/baywind/", "/s/baywind/shares/"],
        demo_email("member", "millmead"): [*common, "/s/millmead/shares/",
                                           "/s/millmead/members/register/duplicate/"],
        demo_email("secretary", "millmead"): [*common, "/s/millmead/members/register/",
                                              "/s/millmead/shares/register/",
                                              "/s/millmead/audit/"],
        demo_email("board", "millmead"): [*common, "/s/millmead/members/register/"],
        demo_email("returning-officer", "millmead"): ["/s/millmead/", paths["result"],
                                                      "/s/millmead/ballots/manage/"],
        demo_email("secretary", "baywind"): ["/s/baywind/shares/register/",
                                             "/s/baywind/shares/withdrawals/"],
    }


def page_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def test_key_pages_fit_a_phone_for_every_demo_login(live_server, new_page, sign_in, demo):
    for email, paths in key_pages(demo).items():
        with scopes_disabled():
            user = User.objects.get(email=email)
        page = sign_in(new_page(viewport=PHONE), user)
        for path in paths:
            page.goto(live_server.url + path)
            expect(page.get_by_role("heading", level=1)).to_be_visible()
            assert page_width(page) <= PHONE["width"], f"{path} is too wide for {email}"
            for box in page.locator(".table-scroll").all():
                labelled = box.get_attribute("aria-label") or box.get_attribute("aria-labelledby")
                assert (box.get_attribute("role"), box.get_attribute("tabindex")) == (
                    "region", "0") and labelled, f"a table's box on {path} is not a region"
            assert_accessible(page)
        page.locator(".society-menu > summary").click()
        expect(page.locator(".society-nav .nav-group-label").first).to_be_visible()
        assert page_width(page) <= PHONE["width"], f"the open menu is too wide for {email}"
        assert_accessible(page)


def test_a_wide_table_scrolls_in_its_box_and_the_chart_keeps_readable_text(
        live_server, new_page, sign_in, demo):
    with scopes_disabled():
        secretary = User.objects.get(email=demo_email("secretary", "millmead"))
    page = sign_in(new_page(viewport=PHONE), secretary)
    page.goto(live_server.url + "/s/millmead/members/register/")
    box = page.locator(".table-scroll").first
    assert box.evaluate("el => el.scrollWidth > el.clientWidth"), "the register is wider"
    box.focus()
    page.keyboard.press("ArrowRight")
    expect(box).to_be_focused()

    page.goto(live_server.url + demo["result"])
    chart = page.locator("svg.chart")
    expect(chart).to_be_visible()
    assert chart.bounding_box()["width"] <= PHONE["width"]
    smallest = chart.evaluate(
        "svg => Math.min(...[...svg.querySelectorAll('text')].map("
        "t => t.getBoundingClientRect().height))")
    assert smallest >= 11, f"chart text {smallest:.1f} px high"


def test_on_a_wide_screen_the_links_show_without_opening_the_menu(live_server, new_page,
                                                                  sign_in, demo):
    with scopes_disabled():
        secretary = User.objects.get(email=demo_email("secretary", "millmead"))
    page = sign_in(new_page(viewport={"width": 1280, "height": 800}), secretary)
    page.goto(live_server.url + "/s/millmead/")
    expect(page.locator(".society-menu > summary")).to_be_hidden()
    nav = page.get_by_role("navigation", name=re.compile("Millmead"))
    expect(nav.get_by_role("link", name="Audit log")).to_be_visible()
    assert_accessible(page)


def test_the_menu_opens_from_the_keyboard_without_javascript(live_server, new_page, sign_in,
                                                             demo):
    with scopes_disabled():
        member = User.objects.get(email=demo_email("member", "millmead"))
    page = sign_in(new_page(viewport=PHONE, java_script_enabled=False), member)
    page.goto(live_server.url + "/s/millmead/")
    summary = page.locator(".society-menu > summary")
    summary.focus()
    page.keyboard.press("Enter")
    link = page.get_by_role("link", name="My shares")
    expect(link).to_be_visible()
    link.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My shares")
