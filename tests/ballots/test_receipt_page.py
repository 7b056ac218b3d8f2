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


def test_the_page_is_made_once_per_society_and_contest_and_shows_only_this_vote(world, contest):
    from ballots.views import _receipt_page

    _receipt_page.cache_clear()
    _, first = cast(world, contest)
    assert _receipt_page.cache_info().currsize == 1
    with scope(society=world.society):
        receipt = CastBallot.objects.get().receipt
    html = first.content.decode()
    assert html.count(receipt) == 1 and "\x00" not in html
    assert f"/s/{world.society.slug}/ballots/" in html
    # A second voter gets the same page around their own code, and never the first code.
    voter = contest.voters[1]
    client = Client()
    client.force_login(voter.user)
    with scope(society=world.society):
        first_candidate = contest.candidates.get(number=1)
    target = reverse("ballots:contest", kwargs={"society_slug": world.society.slug,
                                                "public_id": contest.public_id})
    second = client.post(target, {f"rank_{first_candidate.public_id}": "1"}).content.decode()
    with scope(society=world.society):
        codes = set(CastBallot.objects.values_list("receipt", flat=True))
    (other,) = codes - {receipt}
    assert other in second and receipt not in second
    assert _receipt_page.cache_info().currsize == 1


def test_the_page_follows_the_society_and_contest_it_is_for(world, contest):
    from ballots.views import _receipt_page

    here = "".join(_receipt_page(world.society.slug, "Millmead", "Community seats"))
    there = "".join(_receipt_page(world.other.society.slug, "Other & Co", "Staff <seats>"))
    assert f"/s/{world.society.slug}/ballots/" in here and "Millmead" in here
    assert f"/s/{world.other.society.slug}/ballots/" in there
    assert "Other &amp; Co" in there and "Staff &lt;seats&gt;" in there
    assert world.society.slug not in there
