"""Every page carries the security headers (config/security.py), and pages with personal data
are kept out of every cache; the society's public face may be cached."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django_scopes import scope

from societies.models import DocumentKind, SocietyDocument
from tests.conftest import make_user

# A page of each app, as the persona who opens it.
PAGES = [
    ("accounts", "member", "account_email", {}),
    ("societies", "secretary", "societies:settings", {"society": True}),
    ("members", "member", "members:my_record", {"society": True}),
    ("members register", "secretary", "members:register", {"society": True}),
    ("shares", "member", "shares:mine", {"society": True}),
    ("ballots", "member", "ballots:index", {"society": True}),
    ("ballotbox", "returning_officer", "ballotbox:boxes", {"society": True}),
    ("boards", "board_member", "boards:board", {"society": True}),
    ("notifications", "member", "notifications:inbox", {"society": True}),
    ("platform", "operator", "platform_societies", {}),
]


def _client(world, persona) -> Client:
    if persona != "operator":
        return world.client(persona)
    operator = make_user("operator@omov.test", mfa=True)
    operator.is_staff = operator.is_superuser = True
    operator.save()
    client = Client()
    client.force_login(operator)
    return client


def _get(world, persona, name, options):
    kwargs = {"society_slug": world.society.slug} if options.get("society") else {}
    return _client(world, persona).get(reverse(name, kwargs=kwargs))


def _directives(policy: str) -> dict[str, str]:
    return {part.split()[0]: part.split(" ", 1)[1] for part in
            (p.strip() for p in policy.split(";")) if part}


def _assert_security_headers(response):
    policy = _directives(response["Content-Security-Policy"])
    assert policy["default-src"] == "'self'"
    assert policy["script-src"] == "'self'" and policy["style-src"] == "'self'"
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert policy["frame-ancestors"] == "'none'" and policy["object-src"] == "'none'"
    assert policy["form-action"] == "'self'" and policy["base-uri"] == "'self'"
    permissions = response["Permissions-Policy"]
    for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
        assert f"{feature}=()" in permissions
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(("app", "persona", "name", "options"), PAGES,
                         ids=[page[0] for page in PAGES])
def test_a_page_of_each_app_carries_the_headers_and_is_not_stored(world, app, persona, name,
                                                                  options):
    response = _get(world, persona, name, options)

    assert response.status_code == 200
    _assert_security_headers(response)
    cache_control = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"private", "no-store"} <= cache_control


def test_anonymous_pages_carry_the_headers(world):
    client = Client()
    for url in (reverse("home"), reverse("account_login"),
                reverse("members:apply", kwargs={"society_slug": world.society.slug}),
                reverse("vote:vote", kwargs={"society_slug": world.society.slug})):
        response = client.get(url)
        assert response.status_code == 200, url
        _assert_security_headers(response)
    missing = client.get("/no-such-page/")
    assert missing.status_code == 404
    _assert_security_headers(missing)


def test_the_application_form_is_not_stored_but_the_public_page_may_be(world):
    client = Client()
    form = client.get(reverse("members:apply", kwargs={"society_slug": world.society.slug}))
    public = client.get(reverse("societies:home", kwargs={"society_slug": world.society.slug}))

    assert "no-store" in form["Cache-Control"]
    assert public.status_code == 200 and "no-store" not in public.get("Cache-Control", "")
    _assert_security_headers(public)


def test_the_public_page_seen_by_a_member_is_not_stored(world):
    response = world.client("member").get(
        reverse("societies:home", kwargs={"society_slug": world.society.slug}))
    assert "no-store" in response["Cache-Control"]


def test_an_uploaded_document_keeps_its_sandbox_policy(world):
    with scope(society=world.society):
        SocietyDocument.objects.create(
            society=world.society, kind=DocumentKind.RULES, version_label="Rules 2024",
            version_date="2024-01-01", content=b"%PDF-1.4\n%%EOF\n", size_bytes=15,
            sha256="0" * 64)
    response = Client().get(reverse("societies:document", kwargs={
        "society_slug": world.society.slug, "kind": "rules"}))
    assert response.status_code == 200
    assert response["Content-Security-Policy"] == "sandbox"
    assert "camera=()" in response["Permissions-Policy"]


def test_no_page_template_has_inline_script_or_style():
    """Email templates may style inline; pages may not (the policy would block it)."""
    root = Path(settings.BASE_DIR) / "templates"
    inline = re.compile(r"<style|\sstyle=|<script(?![^>]*\bsrc=)(?![^>]*application/json)|"
                        r"\son[a-z]+=\"|javascript:", re.IGNORECASE)
    offenders = [str(path.relative_to(root)) for path in root.rglob("*.html")
                 if not any("email" in part or part == "messages" for part in path.parts)
                 and path.name != "society_footer.html" and inline.search(path.read_text())]
    assert offenders == []
