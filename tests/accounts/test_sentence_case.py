"""The account pages django-allauth draws use sentence case, like the rest of the site."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

PO = Path(settings.BASE_DIR) / "locale" / "en_GB" / "LC_MESSAGES" / "django.po"


def catalogue() -> dict[str, str]:
    text = PO.read_text()
    pairs = re.findall(r'^msgid "(.+)"\nmsgstr "(.*)"$', text, re.M)
    return {msgid.replace('\\"', '"'): msgstr.replace('\\"', '"') for msgid, msgstr in pairs}


def test_the_compiled_catalogue_says_what_the_po_file_says():
    """A stale django.mo (the .po edited, msgfmt not run) fails here."""
    pairs = catalogue()
    assert pairs["Sign In"] == "Sign in"
    with translation.override("en-gb"):
        assert {msgid: translation.gettext(msgid) for msgid in pairs} == pairs


@pytest.mark.parametrize("name", ["account_login", "account_signup", "account_reset_password"])
def test_sign_in_pages_use_sentence_case(client, db, name):
    page = client.get(reverse(name)).content.decode()
    visible = re.sub(r"<[^>]+>", " ", page)
    assert not re.search(r"\bSign (In|Up)\b|Forgot Password|Reset My Password|Remember Me",
                         visible)
