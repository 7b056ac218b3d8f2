"""The demo crawl's machinery, shared by tests/test_demo_crawl.py (every response, landmark
and word of every page a demo login reaches) and tests/e2e/test_demo_crawl_phone.py (every
kind of page at a phone's width in Chromium).
"""

import re
from collections import deque
from datetime import timedelta
from html.parser import HTMLParser
from urllib.parse import urlencode, urljoin, urlsplit, urlunsplit

from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from allauth.mfa.utils import is_mfa_enabled
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.urls import Resolver404, resolve
from django.utils import timezone
from django_scopes import scopes_disabled

from accounts.models import User

# Pages reached by one URL pattern with different ids (a member, a ballot, a meeting...) share a
# view and template: a few of each find what a wrong row would break, all of them only cost time.
SAMPLES_PER_ROUTE = 2
# Numbers too large for a small, a 32-bit and a 64-bit integer column.
TOO_LARGE = ("40000", "2147483648", "99999999999999999999")
# Signing out ends the crawl's session; the Django admin is Django's own.
OUTSIDE_THE_CRAWL = ("/accounts/logout/", "/admin/")
# A link may only lead to a page the site means to give this login: a link to a 403 offers a
# page the login may not open, a link to a 404 a page that is not there.
ALLOWED = {200, 302, 303}
# What each kind of download must start with (a PDF, a zip for XLSX, a calendar).
DOWNLOAD_STARTS = {"application/pdf": b"%PDF-", "application/vnd.openxml": b"PK",
                   "text/calendar": b"BEGIN:VCALENDAR", "text/csv": b"", "text/plain": b""}


# Elements that run on inside a line of text; any other tag ends a run of text, so that words
# in two table cells or two list items are never read as one phrase.
INLINE = {"a", "abbr", "b", "bdi", "bdo", "button", "cite", "code", "data", "dfn", "em", "i",
          "kbd", "label", "mark", "q", "s", "samp", "small", "span", "strong", "sub", "sup",
          "time", "u", "var"}
# Not text a person reads on the page.
UNREAD = {"head", "script", "style", "template"}
# A word said again at once, or again as its plural ("share share", "share shares").
DOUBLED = re.compile(r"\b([^\W\d_]+)\s+\1(?:s|es)?\b", re.IGNORECASE)


def doubled_words(runs) -> list[str]:
    """Words said twice in a row ("share share", "the The", "share shares") in runs of a
    page's text."""
    return [match.group(0) for run in runs for match in DOUBLED.finditer(run)]


def download_problem(content_type: str, body: bytes) -> str:
    kind = next((k for k in DOWNLOAD_STARTS if content_type.startswith(k)), None)
    if kind is None:
        return f"unknown download type {content_type!r}"
    if not body.startswith(DOWNLOAD_STARTS[kind]) or not body.strip():
        return f"a {kind} download that is empty or not one"
    if kind.startswith("text/"):
        try:
            body.decode("utf-8")
        except UnicodeDecodeError:
            return f"a {kind} download that is not UTF-8"
    return ""


def load_demo() -> None:
    """seed_demo, with every demo login enrolled in two-factor authentication so that the
    officers' pages open."""
    call_command("seed_demo", verbosity=0)
    enrol_demo_logins()


def enrol_demo_logins() -> None:
    """Every demo login enrolled in two-factor authentication."""
    with scopes_disabled():
        for user in User.objects.filter(email__endswith=".example.org"):
            if not is_mfa_enabled(user):
                TOTP.activate(user, generate_totp_secret())


def filled(kind: str) -> str:
    """What a person would type into an empty field of this type."""
    soon = timezone.localtime() + timedelta(days=2)
    return {"number": "1", "date": soon.date().isoformat(),
            "datetime-local": soon.strftime("%Y-%m-%dT%H:%M"),
            "email": "someone@example.org"}.get(kind, "Demo crawl")


class PageParser(HTMLParser):
    """Links, forms and the landmarks the accessible layout promises. GET forms keep what a
    person who typed nothing sends; POST forms are filled with plausible values."""

    def __init__(self):
        super().__init__()
        self.links, self.forms, self.post_forms = [], [], []
        self.runs, self._unread = [""], 0
        self.h1 = self.main = 0
        self.title = ""
        self._in_title = False
        self._form = None
        self._select = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self._text_boundary(tag, opening=True)
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        elif tag == "h1":
            self.h1 += 1
        elif tag == "main":
            self.main += 1
        elif tag == "title":
            self._in_title = True
        elif tag == "form":
            method = (attrs.get("method") or "get").lower()
            self._form = {"action": attrs.get("action") or "", "fields": [], "numbers": [],
                          "post": method == "post"}
        elif self._form is not None and tag in ("input", "select", "textarea", "option",
                                                "button"):
            self._field(tag, attrs)

    def _field(self, tag, attrs):
        name = attrs.get("name")
        kind = (attrs.get("type") or "text").lower()
        if tag == "input" and name and kind not in ("submit", "button", "reset", "image",
                                                    "file"):
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                return
            value = attrs.get("value") or ("on" if kind in ("checkbox", "radio") else "")
            if self._form["post"] and not value and kind != "hidden":
                value = filled(kind)
            if kind == "number":
                self._form["numbers"].append(name)
            self._form["fields"].append([name, value])
        elif tag == "textarea" and name:
            self._form["fields"].append([name, filled("text") if self._form["post"] else ""])
        elif tag == "select" and name:
            self._select = [name, None]
            self._form["fields"].append(self._select)
        elif tag == "option" and self._select is not None:
            value = attrs.get("value", "")
            if self._select[1] is None or "selected" in attrs or (
                    self._form["post"] and not self._select[1]):
                self._select[1] = value

    def _text_boundary(self, tag, opening):
        if tag in UNREAD:
            self._unread += 1 if opening else -1
        if tag not in INLINE:
            self.runs.append("")

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag in UNREAD:
            self._unread -= 1

    def handle_endtag(self, tag):
        self._text_boundary(tag, opening=False)
        if tag == "title":
            self._in_title = False
        elif tag == "select":
            if self._select is not None and self._select[1] is None:
                self._select[1] = ""
            self._select = None
        elif tag == "form" and self._form is not None:
            (self.post_forms if self._form["post"] else self.forms).append(self._form)
            self._form = None

    def handle_data(self, data):
        if self._in_title:
            self.title += data
        if not self._unread:
            self.runs[-1] += data


def route_of(path: str) -> str:
    try:
        return resolve(path).route
    except Resolver404:
        return path


class Crawl:
    """Breadth-first from `start` through every link and GET form under `prefix`, at most
    `samples` URLs of each route; `html_pages` lists the HTML pages reached, in order."""

    def __init__(self, client: Client, prefix: str, start: str, skip: tuple = (),
                 post_numbers: bool = False, samples: int = SAMPLES_PER_ROUTE):
        self.client, self.prefix, self.skip = client, prefix, skip
        self.post_numbers, self.posted = post_numbers, set()
        self.samples = samples
        self.queue = deque([(start, "(start)")])
        self.seen = {start}
        self.per_route = {}
        self.problems = []
        self.html_pages = []
        self.downloads = 0

    @property
    def pages(self) -> int:
        return len(self.html_pages)

    def add(self, href: str, base: str, origin: str):
        url = urljoin(base, href)
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https", "") or parts.netloc not in ("", "testserver"):
            return
        if not parts.path.startswith(self.prefix) or parts.path.startswith(self.skip):
            return
        url = urlunsplit(("", "", parts.path, parts.query, ""))
        if url in self.seen:
            return
        key = (route_of(parts.path), parts.query.split("=")[0])
        if self.per_route.get(key, 0) >= self.samples:
            return
        self.per_route[key] = self.per_route.get(key, 0) + 1
        self.seen.add(url)
        self.queue.append((url, origin))

    def run(self):
        while self.queue:
            url, origin = self.queue.popleft()
            self.visit(url, origin)
        return self

    def visit(self, url: str, origin: str):
        response = self.client.get(url)
        status = response.status_code
        where = f"{url} (linked from {origin})"
        if status not in ALLOWED:
            self.problems.append(f"{status} {where}")
            return
        if status in (302, 303):
            self.add(response["Location"], url, url)
            return
        content_type = response.get("Content-Type", "")
        if not content_type.startswith("text/html"):
            self.downloads += 1
            body = b"".join(response.streaming_content) if response.streaming else \
                response.content
            problem = download_problem(content_type, body) if status == 200 else ""
            if problem:
                self.problems.append(f"{problem}: {where}")
            return
        self.html_pages.append(url)
        parser = PageParser()
        parser.feed(response.content.decode())
        if not parser.title.strip():
            self.problems.append(f"no <title>: {where}")
        if parser.h1 != 1:
            self.problems.append(f"{parser.h1} <h1> elements: {where}")
        if parser.main != 1:
            self.problems.append(f"{parser.main} <main> elements: {where}")
        doubled = doubled_words(parser.runs)
        if doubled:
            self.problems.append(f"words said twice {doubled}: {where}")
        for href in parser.links:
            self.add(href, url, url)
        if self.post_numbers:
            for form in parser.post_forms:
                self.post_too_large_numbers(form, url)
        for form in parser.forms:
            action = urljoin(url, form["action"] or url)
            action = urlunsplit(urlsplit(action)._replace(query="", fragment=""))
            # As sent with its defaults, and with every field emptied.
            for values in ([(name, value or "") for name, value in form["fields"]],
                           [(name, "") for name, _value in form["fields"]]):
                query = urlencode(values)
                self.add(f"{action}?{query}" if query else action, url, f"a form on {url}")

    def post_too_large_numbers(self, form: dict, url: str):
        """Each number field of a POST form, in turn, too large for a small, a 32-bit and a
        64-bit integer column: a form error or an accepted value, never a 500. Each post is
        rolled back, so the crawl goes on through the demo as loaded."""
        action = urljoin(url, form["action"] or url)
        for name in form["numbers"]:
            for number in TOO_LARGE:
                key = (route_of(urlsplit(action).path), name, number)
                if key in self.posted:
                    continue
                self.posted.add(key)
                data = {**dict(form["fields"]), name: number}
                with transaction.atomic():
                    status = self.client.post(action, data).status_code
                    transaction.set_rollback(True)
                if status not in (200, 302, 303, 400):
                    self.problems.append(f"{status} POST {action} {name}={number} (from {url})")


def crawl_as(email: str, prefix: str, start: str, skip: tuple = (),
             post_numbers: bool = False, samples: int = SAMPLES_PER_ROUTE) -> Crawl:
    """The crawl as `email` signed in (force_login, as after two-factor), or as a visitor for
    an empty `email`; its `client` keeps the session."""
    client = Client()
    if email:
        with scopes_disabled():
            client.force_login(User.objects.get(email=email))
    return Crawl(client, prefix, start, skip, post_numbers, samples).run()
