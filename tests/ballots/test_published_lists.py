"""What is published after a count: the receipt codes, and apart from them the anonymous
ballots. A receipt shows that a ballot was counted, never what it says; the ballot-set hash
fingerprints exactly the two lists as downloaded (docs/elections.md, Verification)."""

import hashlib
import re

import pytest
from django.test import Client
from django.utils import timezone
from django_scopes import scope

from ballots import services
from ballots.models import CastBallot
from tests.ballots.conftest import close_contest, make_contest
from tests.ballots.test_ballot_services import ids
from tests.ballots.test_ballot_views import client_for, url


def publish(world, contest):
    ro = world.users["returning_officer"]
    close_contest(contest, world)
    with scope(society=world.society):
        services.sign_off(actor=ro, contest=contest, name="Rita Officer",
                          on=timezone.localdate())
        services.publish_result(actor=ro, contest=contest)
        contest.refresh_from_db()
    return contest


@pytest.fixture
def published(world):
    """A published STV contest: four online ballots (one blank) and one on paper."""
    contest = make_contest(world, candidates=3)
    ro = world.users["returning_officer"]
    ballots = [(2, 0), (0,), (0, 1, 2), ()]
    with scope(society=world.society):
        contest.receipts = [
            services.cast_ballot(actor=v.user, contest=contest, member=v,
                                 choices=ids(contest, *b))
            for v, b in zip(contest.voters, ballots, strict=False)]
        paper = contest.voters[len(ballots)]
        services.strike_off_paper(actor=ro, contest=contest, member=paper)
        services.enter_paper_ballots(actor=ro, contest=contest, label="Box 1",
                                     ballots=[ids(contest, 1)])
    return publish(world, contest)


def lines(response) -> list[str]:
    return b"".join(response.streaming_content).decode().splitlines(keepends=True)


def test_the_receipt_list_holds_codes_only_and_the_ballots_no_codes(world, published):
    viewer = client_for(world.members["member"])
    with scope(society=world.society):
        stored = list(CastBallot.objects.values_list("receipt", "choices"))
        names = [c.name for c in published.candidates.all()]
    codes = [r for r, _ in stored]
    receipts = lines(viewer.get(url(world, "receipts_text", public_id=published.public_id)))
    assert receipts == [f"{code}\n" for code in sorted(codes)]
    ballots = lines(viewer.get(url(world, "ballots_text", public_id=published.public_id)))
    assert ballots == sorted(f"{c or '-'}\n" for _, c in stored)
    assert ballots == ["-\n", "1\n", "1,2,3\n", "2\n", "3,1\n"]
    page = viewer.get(url(world, "counted_ballots", public_id=published.public_id))
    html = page.content.decode()
    assert page.status_code == 200
    assert not any(code in html for code in codes)
    assert f"{names[2]}, {names[0]}" in html and "(blank)" in html
    assert page.context["rows"][-1] == ("3,1", f"{names[2]}, {names[0]}", 1)
    listing = viewer.get(url(world, "receipts", public_id=published.public_id))
    assert all(code in listing.content.decode() for code in codes)
    assert not any(name in listing.content.decode() for name in names)


def test_the_ballot_set_hash_is_the_hash_of_the_two_downloads(world, published):
    viewer = client_for(world.members["member"])
    receipts = viewer.get(url(world, "receipts_text", public_id=published.public_id))
    ballots = viewer.get(url(world, "ballots_text", public_id=published.public_id))
    both = b"".join(receipts.streaming_content) + b"".join(ballots.streaming_content)
    assert hashlib.sha256(both).hexdigest() == published.ballot_set_hash
    result = viewer.get(url(world, "result", public_id=published.public_id)).content.decode()
    assert f'<code id="ballot-set-hash">{published.ballot_set_hash}</code>' in result
    assert f"{published.public_id}.blt" in viewer.get(
        url(world, "blt", public_id=published.public_id))["Content-Disposition"]


def test_a_receipt_look_up_says_counted_and_never_what_the_ballot_says(world, published):
    viewer = client_for(world.members["member"])
    target = url(world, "receipts", public_id=published.public_id)
    with scope(society=world.society):
        names = [c.name for c in published.candidates.all()]
    found = viewer.post(target, {"receipt": f"  {published.receipts[0].lower()} "})
    html = found.content.decode()
    assert found.status_code == 200
    assert re.search(r'id="receipt-found">Receipt ' + published.receipts[0], html)
    assert not any(name in html for name in names)
    assert "3,1" not in html
    assert found["Cache-Control"].startswith("max-age=0")
    missing = viewer.post(target, {"receipt": "2222-2222-2222-2222"})
    assert missing.status_code == 200 and 'id="receipt-missing"' in missing.content.decode()
    empty = viewer.post(target, {"receipt": ""})
    assert empty.status_code == 400 and "receipt-found" not in empty.content.decode()


def test_a_receipt_in_the_url_is_never_looked_up(world, published):
    viewer = client_for(world.members["member"])
    page = viewer.get(url(world, "receipts", public_id=published.public_id),
                      {"receipt": published.receipts[0]})
    html = page.content.decode()
    assert page.status_code == 200 and page.context["found"] is None
    assert "receipt-found" not in html and "receipt-missing" not in html
    assert '<form method="post"' in html and "csrfmiddlewaretoken" in html


def test_a_receipt_look_up_needs_the_forms_csrf_token(world, published):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users["member"])
    target = url(world, "receipts", public_id=published.public_id)
    assert client.post(target, {"receipt": published.receipts[0]}).status_code == 403
    page = client.get(target).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1]
    answer = client.post(target, {"csrfmiddlewaretoken": token,
                                  "receipt": published.receipts[0]})
    assert answer.status_code == 200 and 'id="receipt-found"' in answer.content.decode()


def test_a_resolutions_ballots_are_published_as_answers(world):
    contest = make_contest(world, method="resolution", candidates=0)
    with scope(society=world.society):
        for voter, answer in zip(contest.voters, ["for", "against", "for"], strict=False):
            services.cast_ballot(actor=voter.user, contest=contest, member=voter,
                                 choices=answer)
    contest = publish(world, contest)
    viewer = client_for(world.members["member"])
    ballots = lines(viewer.get(url(world, "ballots_text", public_id=contest.public_id)))
    assert ballots == ["against\n", "for\n", "for\n"]
    page = viewer.get(url(world, "counted_ballots", public_id=contest.public_id))
    assert page.context["rows"] == [("against", "Against", 1), ("for", "For", 2)]
    assert viewer.get(url(world, "blt", public_id=contest.public_id)).status_code == 404


@pytest.mark.parametrize("name", ["receipts", "receipts_text", "counted_ballots",
                                  "ballots_text"])
def test_the_lists_are_for_the_societys_members_once_published(world, published, name):
    target = url(world, name, public_id=published.public_id)
    for persona in ("member", "board_member"):
        assert world.client(persona).get(target).status_code == 200, persona
    assert world.client("outsider").get(target).status_code == 404


def test_the_page_answering_a_vote_shows_the_code_and_never_the_choices(world):
    from tests.ballots.test_ballot_views import rank_post, receipt_on

    contest = make_contest(world, candidates=3)
    with scope(society=world.society):
        names = [c.name for c in contest.candidates.all()]
    response = client_for(contest.voters[-1]).post(
        url(world, "contest", public_id=contest.public_id), rank_post(contest, 3, 1))
    html = response.content.decode()
    assert response.status_code == 200 and receipt_on(response)
    assert not any(name in html for name in names)
    assert "does not show how you voted" in html
