"""Every page of the demo (`manage.py seed_demo`) as every demo login would reach it.

For each demo society and each login, start at the society home and follow every same-site
link breadth-first (GET only, each URL once), plus every GET form submitted the way a person
who typed nothing would submit it. Every response must be one the site means to give (never a
500, never a link to a page that is not there), and every HTML page must have a title, one
h1 and a main landmark. The platform superuser's pages, the pages outside the societies (home,
my societies, account settings) and what a visitor who is not signed in can reach are crawled
the same way. As each login crawls, every number field of every POST form they reach is
sent, in turn, a number too large to store (each post rolled back): bad input must be a form
error, never a 500. No page's text may say a word twice in a row ("Membership share share").

That each page fits a phone's width is for a browser to say: tests/e2e/test_demo_crawl_phone.py
opens the pages of this same crawl (tests/demo_crawl.py, one of each URL pattern) in Chromium
at 390 px wide and fails on any page wider than the screen outside a scrolling table's box.

The demo is loaded once for the module inside a transaction that is rolled back at the end, so
the rest of the suite never sees it.
"""

import pytest

from demo.management.commands.seed_demo import PEOPLE, SOCIETIES, demo_email
from tests.demo_crawl import (
    OUTSIDE_THE_CRAWL,
    PageParser,
    crawl_as,
    doubled_words,
    download_problem,
    enrol_demo_logins,
)

SLUGS = [spec["slug"] for spec in SOCIETIES]
LOGINS = [local for local, _role, _is_member in PEOPLE]
SUPERUSER = "admin@omov.example.org"


@pytest.fixture(scope="module")
def demo(demo_data, django_db_blocker):
    """seed_demo loaded once, officers enrolled in two-factor authentication; rolled back after."""
    with django_db_blocker.unblock():
        enrol_demo_logins()


@pytest.mark.parametrize("login", LOGINS)
@pytest.mark.parametrize("slug", SLUGS)
def test_every_page_a_demo_login_can_reach_works(demo, db, slug, login):
    # Too-large numbers go to the forms of one society: the forms are the same in every one.
    posting = slug == SLUGS[0]
    crawl = crawl_as(demo_email(login, slug), f"/s/{slug}/", f"/s/{slug}/", post_numbers=posting)
    assert crawl.problems == []
    assert crawl.pages > 3, "the crawl reached the society's pages"
    if login == "secretary" and posting:
        assert crawl.posted, "the crawl sent numbers to the secretary's forms"


def test_every_platform_page_works_for_the_superuser(demo, db):
    crawl = crawl_as(SUPERUSER, "/platform/", "/platform/societies/")
    assert crawl.problems == []
    assert crawl.pages >= 2, "the society list and the new-society form"


@pytest.mark.parametrize("login", [*LOGINS, "admin"])
def test_every_page_outside_the_societies_works(demo, db, login):
    """The site home, my societies and the account pages (the societies are crawled above)."""
    email = SUPERUSER if login == "admin" else demo_email(login, "millmead")
    crawl = crawl_as(email, "/", "/", skip=OUTSIDE_THE_CRAWL)
    assert crawl.problems == []
    assert {"/", "/societies/", "/accounts/email/"} <= crawl.seen


def test_a_visitor_who_is_not_signed_in_reaches_every_public_page(demo, db):
    starts = ["/", *(f"/s/{slug}/" for slug in SLUGS), *(f"/s/{slug}/members/apply/"
                                                         for slug in SLUGS)]
    for start in starts:
        crawl = crawl_as("", "/", start, skip=OUTSIDE_THE_CRAWL)
        assert crawl.problems == [], start
        assert "/accounts/login/" in crawl.seen


def test_the_crawl_reports_a_broken_link_and_a_page_without_landmarks(demo, db):
    missing = "/s/millmead/shares/members/00000000-0000-0000-0000-000000000000/"
    crawl = crawl_as(demo_email("secretary", "millmead"), "/s/millmead/", missing)
    assert crawl.problems == [f"404 {missing} (linked from (start))"]

    page = PageParser()
    page.feed("<html><head><title> </title></head><body><h1>A</h1><h1>B</h1></body></html>")
    assert (page.title.strip(), page.h1, page.main) == ("", 2, 0)


def test_the_crawl_finds_a_word_said_twice_but_not_across_cells_or_in_numbers():
    page = PageParser()
    page.feed("<html><head><title>Shares</title></head><body><main><h1>Shares</h1>"
              "<p>1 Membership <a href='/x'>share</a> share</p><p>The\nthe end</p>"
              "<p>Withdrawable share shares</p><p>shares share</p>"
              "<table><tr><th>Shares</th><td>Shares</td></tr></table><p>Ann (no. 12) 12 12</p>"
              "<script>var share = share;</script></main></body></html>")
    assert doubled_words(page.runs) == ["share share", "The\nthe", "share shares"]


def test_the_crawl_knows_a_broken_download():
    assert download_problem("application/pdf", b"%PDF-1.7 ...") == ""
    assert download_problem("application/pdf", b"<html>") != ""
    assert download_problem("text/csv; charset=utf-8", b"\xff\xfe") != ""
    assert download_problem("application/zip", b"PK") != ""
