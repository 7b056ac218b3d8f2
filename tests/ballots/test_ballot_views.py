"""The election pages, driven as each persona would."""

import re
from datetime import timedelta

from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope

from ballots.models import CastBallot, Contest, ContestState, Election
from counting import count, read_blt_text
from tests.ballots.conftest import close_contest, make_contest
from tests.conftest import typed_datetime


def url(world, name, **kwargs):
    return reverse(f"ballots:{name}", kwargs={"society_slug": world.society.slug, **kwargs})


def client_for(member):
    from django.test import Client

    client = Client()
    client.force_login(member.user)
    return client


def receipt_on(response) -> str:
    """The receipt code shown on the page answering a vote."""
    return re.search(r'<strong id="receipt-code">([^<]+)</strong>',
                     response.content.decode())[1]


def rank_post(contest, *numbers):
    with scope(society=contest.society):
        cands = {c.number: c for c in contest.candidates.all()}
    return {f"rank_{cands[n].public_id}": str(i) for i, n in enumerate(numbers, start=1)}


def test_a_member_votes_and_gets_a_receipt_kept_nowhere_with_them(world):
    contest = make_contest(world)
    voter = contest.voters[0]
    client = client_for(voter)
    page = client.get(url(world, "contest", public_id=contest.public_id))
    assert page.status_code == 200
    assert b"Number the candidates" in page.content
    response = client.post(url(world, "contest", public_id=contest.public_id),
                           rank_post(contest, 2, 3, 1))
    assert response.status_code == 200
    receipt = receipt_on(response)
    assert receipt.encode() in response.content
    with scope(society=world.society):
        assert CastBallot.objects.get().choices == "2,3,1"
    # Neither the session (database sessions) nor any later page holds the receipt.
    for session in Session.objects.all():
        assert receipt not in str(session.get_decoded())
    again = client.get(url(world, "contest", public_id=contest.public_id))
    assert b"You have voted" in again.content and receipt.encode() not in again.content
    second = client.post(url(world, "contest", public_id=contest.public_id),
                         rank_post(contest, 1))
    assert second.status_code == 400 and b"already voted" in second.content
    with scope(society=world.society):
        assert CastBallot.objects.count() == 1


def test_tampered_forms_are_refused_with_a_message_and_nothing_stored(world):
    contest = make_contest(world)
    other = make_contest(world, title="Staff seats")
    voter = contest.voters[0]
    client = client_for(voter)
    target = url(world, "contest", public_id=contest.public_id)
    with scope(society=world.society):
        foreign = other.candidates.first().public_id
    duplicate = rank_post(contest, 1, 2)
    duplicate[next(iter(duplicate))] = "2"
    for data, message in [
        (duplicate, b"without repeating"),
        ({f"rank_{foreign}": "1"}, b"not a candidate"),
        ({"rank_nonsense": "1"}, b"not a candidate"),
        ({next(iter(duplicate)): "x"}, b"whole numbers"),
    ]:
        response = client.post(target, data)
        assert response.status_code == 400
        assert message in response.content
    with scope(society=world.society):
        assert CastBallot.objects.count() == 0
        assert contest.roll.get(member=voter).voted_on is None


def test_too_many_marks_through_the_form_are_refused(world):
    contest = make_contest(world, method="plurality", candidates=3)
    voter = contest.voters[-1]
    with scope(society=world.society):
        marks = [str(c.public_id) for c in contest.candidates.all()[:2]]
    response = client_for(voter).post(url(world, "contest", public_id=contest.public_id),
                                      {"mark": marks})
    assert response.status_code == 400 and b"at most 1" in response.content
    with scope(society=world.society):
        assert CastBallot.objects.count() == 0


def test_random_ballot_order_is_stable_per_voter(world):
    contest = make_contest(world, candidates=6, ballot_order="random")
    first = client_for(contest.voters[-1])
    order = [c.pk for c in first.get(url(world, "contest", public_id=contest.public_id))
             .context["candidates"]]
    again = [c.pk for c in first.get(url(world, "contest", public_id=contest.public_id))
             .context["candidates"]]
    assert order == again
    orders = {tuple(c.pk for c in client_for(m).get(
        url(world, "contest", public_id=contest.public_id)).context["candidates"])
        for m in contest.voters}
    assert len(orders) > 1


def test_turnout_shows_numbers_only_to_officers(world):
    contest = make_contest(world)
    voter = contest.voters[0]
    client_for(voter).post(url(world, "contest", public_id=contest.public_id),
                           rank_post(contest, 1))
    for persona in ("returning_officer", "secretary"):
        page = world.client(persona).get(url(world, "turnout", public_id=contest.public_id))
        assert page.status_code == 200
        assert page.context["turnout"]["voted"] == 1
        assert voter.full_name.encode() not in page.content
    assert world.client("member").get(
        url(world, "turnout", public_id=contest.public_id)).status_code == 403


def test_results_are_hidden_until_published(world):
    contest = make_contest(world)
    for name in ("result", "receipts", "receipts_text", "counted_ballots", "ballots_text",
                 "blt"):
        assert world.client("member").get(
            url(world, name, public_id=contest.public_id)).status_code == 404


def test_returning_officer_runs_an_election_through_the_pages(
        world, django_capture_on_commit_callbacks):
    ro = world.client("returning_officer")
    now = timezone.now()
    response = ro.post(url(world, "manage"), {"title": "2027 board election"})
    assert response.status_code == 302
    with scope(society=world.society):
        election = Election.objects.get()
    response = ro.post(url(world, "election", public_id=election.public_id), {
        "title": "Community seats", "method": "ers97", "seats": 1,
        "stakeholder_classes": [world.classes["Parent"].pk],
        "record_date": timezone.localdate().isoformat(), "min_age": 0,
        "nominations_open": typed_datetime(now - timedelta(days=1), earlier=True),
        "nominations_close": typed_datetime(now + timedelta(hours=1)),
        "statement_limit": 1500,
        "voting_opens": typed_datetime(now + timedelta(hours=2)),
        "voting_closes": typed_datetime(now + timedelta(days=3)),
        "ballot_order": "alphabetical", "results_hidden": "on",
    })
    assert response.status_code == 302, response.content
    with scope(society=world.society):
        contest = Contest.objects.get()
    secretary, board, member = (world.members[p] for p in ("secretary", "board_member",
                                                          "member"))
    # A member nominates the board member, with the secretary and themselves as proposer and
    # seconder; the board member consents.
    page = client_for(member).post(url(world, "nominate", public_id=contest.public_id),
                                   {"candidate": board.member_number,
                                    "proposer": secretary.member_number,
                                    "seconder": member.member_number})
    assert page.status_code == 302, page.content
    ro.post(url(world, "officer_nominate", public_id=contest.public_id), {
        "nom-candidate": secretary.member_number, "nom-proposer": member.member_number,
        "nom-seconder": board.member_number})
    with scope(society=world.society):
        cands = list(contest.candidates.order_by("number"))
    assert len(cands) == 2
    for cand, person in zip(cands, (board, secretary), strict=True):
        response = client_for(person).post(
            url(world, "consent", public_id=contest.public_id, candidate_id=cand.public_id),
            {"statement": f"Vote for {person.full_name}", "consent": "on"})
        assert response.status_code == 302
    with scope(society=world.society):
        Contest.objects.filter(pk=contest.pk).update(
            nominations_close=now - timedelta(minutes=5), voting_opens=now - timedelta(minutes=1))
    assert ro.post(url(world, "open", public_id=contest.public_id)).status_code == 302
    with scope(society=world.society):
        contest.refresh_from_db()
    assert contest.state == ContestState.OPEN and contest.roll_size == 3
    receipt = receipt_on(client_for(member).post(
        url(world, "contest", public_id=contest.public_id), rank_post(contest, 1, 2)))
    client_for(board).post(url(world, "contest", public_id=contest.public_id),
                           rank_post(contest, 1))
    ro.post(url(world, "strike_off", public_id=contest.public_id),
            {"strike-member_number": secretary.member_number})
    response = ro.post(url(world, "paper_batch", public_id=contest.public_id),
                       {"label": "Box 1", "ballots": "2 1"})
    assert response.status_code == 302, response.content
    with scope(society=world.society):
        Contest.objects.filter(pk=contest.pk).update(voting_closes=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        assert ro.post(url(world, "close", public_id=contest.public_id)).status_code == 302
    page = ro.get(url(world, "manage_contest", public_id=contest.public_id))
    assert b"Count report" in page.content
    ro.post(url(world, "sign_off", public_id=contest.public_id),
            {"sign-name": "Rita Officer", "sign-on": timezone.localdate().isoformat()})
    ro.post(url(world, "publish", public_id=contest.public_id))
    with scope(society=world.society):
        contest.refresh_from_db()
    assert contest.state == ContestState.PUBLISHED
    # A member reads the result, finds their receipt and recounts from the BLT file.
    viewer = client_for(member)
    result = viewer.get(url(world, "result", public_id=contest.public_id))
    assert result.status_code == 200
    assert b"<svg" in result.content and contest.roll_fingerprint.encode() in result.content
    assert contest.ballot_set_hash.encode() in result.content
    found = viewer.post(url(world, "receipts", public_id=contest.public_id),
                        {"receipt": receipt.lower()})
    assert b"the ballot it was given for was counted" in found.content
    blt = viewer.get(url(world, "blt", public_id=contest.public_id))
    recount = count("ers97", read_blt_text(blt.content.decode()))
    assert recount.elected_names == contest.result["elected"]


def test_secretary_puts_a_resolution_and_members_vote(world):
    now = timezone.now()
    response = world.client("secretary").post(url(world, "propose_resolution"), {
        "title": "Accounts", "resolution_kind": "special", "fraction_numerator": 3,
        "fraction_denominator": 4, "resolution_text": "That the accounts be received.",
        "record_date": timezone.localdate().isoformat(),
        "voting_opens": typed_datetime(now - timedelta(minutes=1), earlier=True),
        "voting_closes": typed_datetime(now + timedelta(days=1)),
    })
    assert response.status_code == 302, response.content
    with scope(society=world.society):
        contest = Contest.objects.get()
        from ballots import services

        services.open_voting(actor=None, contest=contest)
    response = world.client("member").post(url(world, "contest", public_id=contest.public_id),
                                           {"answer": "for"})
    assert response.status_code == 200 and "receipt" in response.context
    close_contest(contest, world)
    with scope(society=world.society):
        contest.refresh_from_db()
    assert contest.result["for"] == 1 and contest.result["passed"] is True


def test_officers_see_turnout_as_numbers_and_no_list_of_who_voted(world):
    from ballots import services
    from tests.ballots.conftest import add_members

    contest = make_contest(world)
    online, paper = add_members(world, 2, start=900)
    with scope(society=world.society):
        for member in (online, paper):
            contest.roll.create(society=world.society, member=member)
    client_for(online).post(url(world, "contest", public_id=contest.public_id),
                            rank_post(contest, 1))
    with scope(society=world.society):
        services.strike_off_paper(actor=world.users["returning_officer"], contest=contest,
                                  member=paper)
    for name, persona in (("manage_contest", "returning_officer"),
                          ("turnout", "returning_officer"), ("turnout", "secretary")):
        page = world.client(persona).get(url(world, name, public_id=contest.public_id))
        html = page.content.decode()
        assert page.status_code == 200
        assert page.context["turnout"]["voted"] == 2
        assert page.context["turnout"]["online"] == page.context["turnout"]["paper"] == 1
        for member in (online, paper):
            assert member.full_name not in html and f">{member.member_number}<" not in html
