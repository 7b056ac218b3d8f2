"""The page answering a vote stands alone (no full layout) but is still a whole, accessible
page: title, skip link, one h1 in main, the receipt, the way back and a working sign out."""

import re

from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils.html import escape
from django_scopes import scope

from ballots.models import CastBallot


def cast(world, contest):
    voter = contest.voters[0]
    client = Client(enforce_csrf_checks=True)
    client.force_login(voter.user)
    target = reverse("ballots:contest", kwargs={"society_slug": world.society.slug,
                                                "public_id": contest.public_id})
    page = client.get(target).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1]
    with scope(society=world.society):
        first = contest.candidates.get(number=1)
    response = client.post(target, {"csrfmiddlewaretoken": token,
                                    f"rank_{first.public_id}": "1"})
    return client, response


def test_the_receipt_page_is_a_whole_accessible_page(world, contest):
    _, response = cast(world, contest)
    assert response.status_code == 200
    html = response.content.decode()
    name = escape(world.society.name)
    assert f"<title>Your vote is recorded — {name} — OMOV</title>" in html
    assert html.count("<h1>") == 1 and html.count("<main ") == 1
    assert '<html lang="en-GB">' in html and 'href="#main"' in html
    with scope(society=world.society):
        receipt = CastBallot.objects.get().receipt
    assert f'<strong id="receipt-code">{receipt}</strong>' in html
    elections = reverse("ballots:index", kwargs={"society_slug": world.society.slug})
    assert f'<a href="{elections}">Back to elections</a>' in html
    assert response["Cache-Control"].startswith("max-age=0")


def test_sign_out_from_the_receipt_page_ends_the_session(world, contest):
    client, response = cast(world, contest)
    html = response.content.decode()
    sign_out = reverse("account_logout")
    assert f'<a href="{sign_out}">Sign out</a>' in html
    # The link leads to the sign-out page, whose button signs out.
    page = client.get(sign_out).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1]
    key = client.cookies["sessionid"].value
    assert client.post(sign_out, {"csrfmiddlewaretoken": token}).status_code == 302
    assert not Session.objects.filter(session_key=key).exists()


def test_the_receipt_links_follow_the_society(world, contest):
    from ballots.views import _receipt_links

    here = _receipt_links(world.society.slug)
    there = _receipt_links(world.other.society.slug)
    assert here["elections"] == f"/s/{world.society.slug}/ballots/"
    assert there["elections"] == f"/s/{world.other.society.slug}/ballots/"
    assert here["home"] == there["home"]
