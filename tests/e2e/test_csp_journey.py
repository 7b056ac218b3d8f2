"""No page breaks under the Content-Security-Policy (config/security.py): Chromium opens the
demo's pages as a visitor, a member, the secretary, a board member, the returning officer, a
new account setting up two-factor (its QR code, passkeys) and the superuser, and none reports
a policy violation, an unreadable policy header or a script error. The scripts pages do use
still run: the emailed voting link fills in its code.
"""

from django.conf import settings

from demo.management.commands.seed_demo import demo_email
from tests.demo_crawl import OUTSIDE_THE_CRAWL, Crawl, crawl_as, load_demo
from tests.e2e.test_demo_crawl_phone import SUPERUSER, signed_in_newcomer

# Every violation the page reports, kept where the test can read it. An init script runs
# through the browser's DevTools protocol, before the page's own, and no policy stops it.
LISTEN = """
window.__policyViolations = [];
document.addEventListener('securitypolicyviolation', event => {
  window.__policyViolations.push(
    `${event.effectiveDirective} blocked ${event.blockedURI || 'inline'} ` +
    `at ${event.sourceFile || '?'}:${event.lineNumber}`);
});
"""
WARNINGS = ("Content Security Policy", "Content-Security-Policy", "Permissions-Policy",
            "Permissions policy")


def _open(new_page, base_url: str, client=None):
    """A page that records policy violations and policy or script errors, signed in as the
    client's session if given."""
    page = new_page()
    page.context.add_init_script(LISTEN)
    page.reported = []
    page.on("console", lambda message: page.reported.append(message.text)
            if any(w in message.text for w in WARNINGS) or message.type == "error" else None)
    page.on("pageerror", lambda error: page.reported.append(f"script error: {error}"))
    session = client.cookies.get(settings.SESSION_COOKIE_NAME) if client else None
    if session is not None:
        page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME,
                                   "value": session.value, "url": base_url}])
    return page


def _problems(page, path: str) -> list[str]:
    page.wait_for_load_state("load")
    found = page.evaluate("() => window.__policyViolations") + page.reported
    page.reported.clear()
    return [f"{path}: {problem}" for problem in found]


def test_the_demo_pages_run_under_the_policy_without_a_violation(live_server, new_page):
    load_demo()
    crawls = {
        "a visitor": crawl_as("", "/", "/s/millmead/", skip=OUTSIDE_THE_CRAWL, samples=1),
        "a member": crawl_as(demo_email("member", "millmead"), "/s/millmead/",
                             "/s/millmead/", samples=1),
        "the secretary": crawl_as(demo_email("secretary", "millmead"), "/s/millmead/",
                                  "/s/millmead/", samples=1),
        "a board member": crawl_as(demo_email("board", "millmead"), "/s/millmead/",
                                   "/s/millmead/", samples=1),
        "the returning officer": crawl_as(demo_email("returning-officer", "millmead"),
                                          "/s/millmead/", "/s/millmead/", samples=1),
        "the secretary's own account": crawl_as(
            demo_email("secretary", "millmead"), "/", "/",
            skip=(*OUTSIDE_THE_CRAWL, "/s/"), samples=1),
        "a new account": Crawl(signed_in_newcomer(), "/", "/", (*OUTSIDE_THE_CRAWL, "/s/"),
                               samples=1).run(),
        "the superuser": crawl_as(SUPERUSER, "/platform/", "/platform/societies/", samples=1),
    }
    assert "/accounts/2fa/totp/activate/" in crawls["a new account"].html_pages
    assert "/s/millmead/members/apply/" in crawls["a visitor"].html_pages

    problems, opened = [], 0
    for who, crawl in crawls.items():
        page = _open(new_page, live_server.url, crawl.client)
        for path in crawl.html_pages:
            response = page.goto(live_server.url + path)
            assert response.ok, f"{response.status} {path} as {who}"
            assert "'unsafe-inline'" not in response.headers["content-security-policy"]
            problems += [f"as {who}, {problem}" for problem in _problems(page, path)]
            opened += 1
    assert opened > 100, "the crawl reached the demo"
    assert problems == [], f"{len(problems)} problem(s):\n" + "\n".join(problems)


def test_the_voting_link_still_fills_in_its_code(live_server, new_page):
    load_demo()
    page = _open(new_page, live_server.url)
    path = "/s/millmead/vote/"
    page.goto(f"{live_server.url}{path}#code=7KQ4-XM2P-H9RT-3WCB")
    page.wait_for_function("() => document.getElementById('code').value !== ''")
    assert page.input_value("#code") == "7KQ4-XM2P-H9RT-3WCB"
    assert page.evaluate("() => window.location.hash") == ""  # dropped from the address bar
    assert _problems(page, path) == []


def test_the_policy_check_sees_an_inline_script_refused(live_server, new_page):
    """The listener works: a script slipped into a page is refused and reported."""
    page = _open(new_page, live_server.url)
    page.goto(live_server.url + "/accounts/login/")
    page.evaluate("""() => { const s = document.createElement('script');
                             s.textContent = 'window.ran = true'; document.body.append(s); }""")
    page.wait_for_function("() => window.__policyViolations.length > 0")
    assert page.evaluate("() => window.ran") is None
    assert any("script-src" in problem for problem in _problems(page, "/accounts/login/"))
