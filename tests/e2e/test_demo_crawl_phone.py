"""Every kind of page of the demo fits a phone 390 px wide, as each demo login reaches it.

The demo crawl (tests/demo_crawl.py, as in tests/test_demo_crawl.py) collects the HTML pages
each login reaches, one page of each URL route: Millmead as each of its five demo logins,
Baywind (members with hundreds of shares) as its secretary and a member, an officer's own
account pages, a new account setting up two-factor, the superuser's platform pages and a
visitor who is not signed in. Chromium opens each at 390 x 844 with that login's session.
The page itself must not be wider than the screen: a table scrolls inside its box
(`.table-scroll`, a focusable, labelled region) and a count report inside its `pre`, never
the page. A failure lists every page too wide, with its width and the element that reaches
furthest right. Headings, landmarks and wording are tests/test_demo_crawl.py's to check.
"""

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.test import Client

from accounts.models import User
from demo.management.commands.seed_demo import PEOPLE, demo_email
from tests.demo_crawl import OUTSIDE_THE_CRAWL, Crawl, crawl_as, load_demo

PHONE = {"width": 390, "height": 844}
# Millmead as every demo login; Baywind, where members hold hundreds of shares, as its
# secretary and a member.
LOGINS = [*((local, "millmead") for local, _role, _is_member in PEOPLE),
          ("secretary", "baywind"), ("member", "baywind")]
SUPERUSER = "admin@omov.example.org"
NEW_ACCOUNT = "newcomer@example.net"
NEW_PASSWORD = "a long phrase nobody guesses"  # noqa: S105 - a test account's

# The element reaching furthest right, of those not inside a box that scrolls or clips them
# (a table in its .table-scroll box widens the box's scrolling area, not the page).
WIDEST = """() => {
  const limit = document.documentElement.clientWidth;
  const clipped = el => {
    for (let box = el.parentElement; box && box !== document.body; box = box.parentElement) {
      if (getComputedStyle(box).overflowX !== 'visible') return true;
    }
    return false;
  };
  let widest = null, right = limit;
  for (const el of document.body.querySelectorAll('*')) {
    const edge = el.getBoundingClientRect().right;
    if (edge > right && !clipped(el)) { widest = el; right = edge; }
  }
  if (!widest) return 'no element found';
  const name = widest.tagName.toLowerCase() + (widest.id ? '#' + widest.id : '')
    + [...widest.classList].map(c => '.' + c).join('');
  const text = widest.textContent.replace(/\\s+/g, ' ').trim().slice(0, 60);
  return `${name} reaches ${Math.round(right)} px: "${text}"`;
}"""

UNLABELLED = """() => [...document.querySelectorAll('.table-scroll')].filter(box =>
  box.getAttribute('role') !== 'region' || box.getAttribute('tabindex') !== '0'
  || !(box.getAttribute('aria-label') || box.getAttribute('aria-labelledby'))).length"""


def too_wide(page) -> str:
    """'' if the page fits the screen, else its width and what sticks out."""
    width = page.evaluate("document.documentElement.scrollWidth")
    if width <= PHONE["width"]:
        return ""
    return f"{width} px wide, {page.evaluate(WIDEST)}"


def unlabelled_boxes(page) -> str:
    """'' if every scrolling box is a labelled region that takes focus (so it scrolls by
    keyboard and a screen reader names it), else how many are not."""
    count = page.evaluate(UNLABELLED)
    return f"{count} table box(es) not a focusable, labelled region" if count else ""


def signed_in_newcomer() -> Client:
    """A client signed in, its password confirmed just now as setting up two-factor asks."""
    newcomer = User.objects.create_user(NEW_ACCOUNT, NEW_PASSWORD, full_name="Nadia Newcomer")
    EmailAddress.objects.create(user=newcomer, email=NEW_ACCOUNT, verified=True, primary=True)
    client = Client()
    client.force_login(newcomer)
    response = client.post("/accounts/reauthenticate/", {"password": NEW_PASSWORD})
    assert response.status_code == 302, "the newcomer confirmed their password"
    return client


def check_pages(open_page, base_url: str, who: str, crawl) -> list[str]:
    """Open each HTML page the crawl reached, with its client's session: what does not fit."""
    page = open_page(viewport=PHONE)
    session = crawl.client.cookies.get(settings.SESSION_COOKIE_NAME)
    if session is not None:
        page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME,
                                   "value": session.value, "url": base_url}])
    problems = []
    for path in crawl.html_pages:
        response = page.goto(base_url + path)
        assert response.ok, f"{response.status} {path} as {who}"
        problem = too_wide(page) or unlabelled_boxes(page)
        if problem:
            problems.append(f"{path} as {who}: {problem}")
    return problems


def test_every_kind_of_demo_page_fits_a_phone(live_server, new_page):
    load_demo()
    crawls = {f"{local} of {slug}": crawl_as(demo_email(local, slug), f"/s/{slug}/",
                                             f"/s/{slug}/", samples=1)
              for local, slug in LOGINS}
    # The pages outside the societies: an officer's account (email, two-factor, recovery
    # codes), a new account setting up two-factor (its key and QR code), the platform's.
    outside = (*OUTSIDE_THE_CRAWL, "/s/")
    crawls["secretary of millmead, own account"] = crawl_as(
        demo_email("secretary", "millmead"), "/", "/", skip=outside, samples=1)
    crawls["a new account"] = Crawl(signed_in_newcomer(), "/", "/", outside, samples=1).run()
    assert "/accounts/2fa/totp/activate/" in crawls["a new account"].html_pages
    crawls["the superuser"] = crawl_as(SUPERUSER, "/platform/", "/platform/societies/",
                                       samples=1)
    visitor = crawl_as("", "/", "/s/millmead/", skip=OUTSIDE_THE_CRAWL, samples=1)
    crawls["a visitor"] = visitor
    assert "/s/millmead/members/apply/" in visitor.html_pages, "the visitor reached joining"
    # What tests/test_demo_crawl.py checks; a broken page here would hide a wide one.
    assert [f"{who}: {p}" for who, crawl in crawls.items() for p in crawl.problems] == []

    problems = []
    for who, crawl in crawls.items():
        problems += check_pages(new_page, live_server.url, who, crawl)
    assert sum(crawl.pages for crawl in crawls.values()) > 200, "the crawl reached the demo"
    assert problems == [], f"{len(problems)} page(s) do not fit a phone:\n" + "\n".join(problems)


@pytest.mark.parametrize(("body", "culprit"), [
    ("<p>fits</p>", ""),
    ("<div style='overflow-x:auto'><table><tr><td style='min-width:900px'>cell</td></tr>"
     "</table></div>", ""),
    (f"<p>{'a' * 30}</p><p><code>{'9f' * 60}</code></p>", "code reaches"),
])
def test_the_width_check_names_what_sticks_out(page, body, culprit):
    page.set_viewport_size(PHONE)
    page.set_content(f"<!DOCTYPE html><html><head><meta name='viewport' "
                     f"content='width=device-width'></head><body>{body}</body></html>")
    problem = too_wide(page)
    assert culprit in problem and bool(problem) == bool(culprit), problem


def test_a_table_box_must_be_a_labelled_region(page):
    page.set_content("<main><div class='table-scroll' role='region' aria-label='Shares' "
                     "tabindex='0'><table></table></div><div class='table-scroll'><table>"
                     "</table></div></main>")
    assert unlabelled_boxes(page) == "1 table box(es) not a focusable, labelled region"
