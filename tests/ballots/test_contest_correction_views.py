"""The pages for correcting, reordering, cancelling and extending contests, and for paper
nominations and consents, driven as each persona would; bad input names the field."""

import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from django_scopes import scope
from pypdf import PdfReader

from ballots import services
from ballots.consent_form import public_form_token
from ballots.models import Contest, ContestState
from tests.ballots.conftest import make_contest
from tests.ballots.test_ballot_views import client_for, url
from tests.ballots.test_contest_corrections import snapshot
from tests.ballots.test_members_vote_on_applicant import (
    by_vote,  # noqa: F401 (a fixture)
    put_to_vote_from_the_page,
)
from tests.ballots.test_paper_nominations import PDF_BYTES, person

FMT = "%Y-%m-%dT%H:%M"


def local(dt) -> str:
    return timezone.localtime(dt).strftime(FMT)


def change_post(contest, **overrides) -> dict:
    """The change form as the page sends it back, with `overrides`."""
    data = {
        "change-title": contest.title, "change-method": contest.method,
        "change-seats": str(contest.seats), "change-record_date": contest.record_date.isoformat(),
        "change-min_age": str(contest.min_age),
        "change-nominations_open": local(contest.nominations_open),
        "change-nominations_close": local(contest.nominations_close),
        "change-statement_limit": str(contest.statement_limit),
        "change-voting_opens": local(contest.voting_opens),
        "change-voting_closes": local(contest.voting_closes),
        "change-ballot_order": contest.ballot_order, "change-results_hidden": "on",
    }
    data.update({f"change-{k}": v for k, v in overrides.items()})
    return data


def pages(world, contest, candidate=None):
    found = {name: url(world, name, public_id=contest.public_id)
             for name in ("change_contest", "cancel_contest", "extend_voting",
                          "candidate_order", "officer_nominate")}
    if candidate is not None:
        for name in ("paper_consent", "consent_form"):
            found[name] = url(world, name, public_id=contest.public_id,
                              candidate_id=candidate.public_id)
    return found


def test_the_set_up_pages_by_persona(world):
    contest = make_contest(world, open_now=False, candidates=2)
    with scope(society=world.society):
        candidate = contest.candidates.first()
    for name, address in pages(world, contest, candidate).items():
        assert world.client("returning_officer").get(address).status_code == 200, name
        for persona in ("member", "board_member", "auditor", "secretary"):
            assert world.client(persona).get(address).status_code == 403, (name, persona)
        assert world.client("outsider").get(address).status_code == 404, name
        assert world.client("anonymous").get(address).status_code == 302, name


def test_the_secretary_changes_and_cancels_a_resolution_not_a_contest(world):
    resolution = make_contest(world, method="resolution", open_now=False)
    secretary = world.client("secretary")
    listing = secretary.get(url(world, "index_resolutions")).content.decode()
    assert url(world, "change_contest", public_id=resolution.public_id) in listing
    page = secretary.get(url(world, "change_contest", public_id=resolution.public_id))
    assert page.status_code == 200 and b"That the accounts be received." in page.content
    response = secretary.post(url(world, "change_contest", public_id=resolution.public_id), {
        "change-title": "Accounts 2026", "change-resolution_kind": "ordinary",
        "change-fraction_numerator": "2", "change-fraction_denominator": "3",
        "change-resolution_text": "That the accounts for 2026 be received.",
        "change-record_date": resolution.record_date.isoformat(),
        "change-voting_opens": local(resolution.voting_opens),
        "change-voting_closes": local(resolution.voting_closes)})
    assert response.status_code == 302
    assert response["Location"] == url(world, "index_resolutions")
    with scope(society=world.society):
        resolution.refresh_from_db()
    assert resolution.title == "Accounts 2026"
    response = secretary.post(url(world, "cancel_contest", public_id=resolution.public_id),
                              {"reason": "Withdrawn by the board."})
    assert response.status_code == 302
    listing = secretary.get(url(world, "index_resolutions")).content.decode()
    assert "Cancelled on" in listing and "Withdrawn by the board." in listing
    # The wording of a resolution never speaks of nominations.
    ro_page = world.client("returning_officer").get(
        url(world, "election", public_id=resolution.election.public_id)).content.decode()
    assert "Accounts 2026</a> — resolution; cancelled" in ro_page and "1 seat" not in ro_page
    manage = world.client("returning_officer").get(
        url(world, "manage_contest", public_id=resolution.public_id)).content.decode()
    assert "nomination" not in manage.lower() and "nomination" not in listing.lower()


def test_the_returning_officer_changes_seats_and_sees_them(world):
    contest = make_contest(world, open_now=False, candidates=3)
    ro = world.client("returning_officer")
    manage = ro.get(url(world, "manage_contest", public_id=contest.public_id)).content.decode()
    assert url(world, "change_contest", public_id=contest.public_id) in manage
    response = ro.post(url(world, "change_contest", public_id=contest.public_id),
                       change_post(contest, seats="2", title="Parent seats"))
    assert response.status_code == 302, response.content
    page = ro.get(response["Location"]).content.decode()
    assert "2 changes saved." in page, page[page.find("messages"):][:400]
    assert "2 seats" in page and "Parent seats" in page


@pytest.mark.parametrize("overrides,message", [
    ({"seats": "0"}, "Seats: Ensure this value is greater than or equal to 1."),
    ({"seats": "99999999999"}, "Seats: Ensure this value is less than or equal to 100."),
    ({"method": "plurality", "seats": "2"}, "Seats: Plurality is for one seat"),
    ({"title": ""}, "Title: This field is required."),
    ({"voting_closes": "not a time"}, "Voting closes: Enter a valid date/time."),
    ({"stakeholder_classes": "999999"}, "Electorate: stakeholder classes: Select a valid"),
])
def test_a_bad_change_names_the_field_and_changes_nothing(world, overrides, message):
    contest = make_contest(world, open_now=False, candidates=2)
    before = snapshot(world)
    response = world.client("returning_officer").post(
        url(world, "change_contest", public_id=contest.public_id),
        change_post(contest, **overrides))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert snapshot(world) == before


def test_after_opening_a_change_is_refused_but_the_close_is_extended(world):
    contest = make_contest(world, candidates=3)
    ro = world.client("returning_officer")
    manage = ro.get(url(world, "manage_contest", public_id=contest.public_id)).content.decode()
    assert url(world, "change_contest", public_id=contest.public_id) not in manage
    assert url(world, "extend_voting", public_id=contest.public_id) in manage
    before = snapshot(world)
    response = ro.post(url(world, "change_contest", public_id=contest.public_id),
                       change_post(contest, seats="2"))
    assert response.status_code == 400 and b"Voting has opened" in response.content
    assert snapshot(world) == before
    extend = url(world, "extend_voting", public_id=contest.public_id)
    earlier = ro.post(extend, {"voting_closes": local(contest.voting_closes - timedelta(hours=2))})
    assert earlier.status_code == 400
    assert "New closing time: Choose a time later" in earlier.content.decode()
    assert snapshot(world) == before
    later = contest.voting_closes.replace(second=0, microsecond=0) + timedelta(days=2)
    response = ro.post(extend, {"voting_closes": local(later)})
    assert response.status_code == 302
    with scope(society=world.society):
        contest.refresh_from_db()
    assert contest.voting_closes == later


def test_a_cancelled_contest_is_shown_to_members_with_the_reason(world):
    contest = make_contest(world, open_now=False, candidates=2)
    ro = world.client("returning_officer")
    cancel = url(world, "cancel_contest", public_id=contest.public_id)
    page = ro.get(cancel).content.decode()
    assert "The 2 candidates nominated are told" in page
    empty = ro.post(cancel, {"reason": ""})
    assert empty.status_code == 400 and "Reason: This field is required." in empty.content.decode()
    assert ro.post(cancel, {"reason": "The seats were merged."}).status_code == 302
    member = client_for(world.members["member"])
    elections = member.get(url(world, "index")).content.decode()
    assert "Cancelled" in elections and "The seats were merged." in elections
    detail = member.get(url(world, "contest", public_id=contest.public_id)).content.decode()
    assert "was cancelled on" in detail and "The seats were merged." in detail
    assert "Cast my vote" not in detail and "Nominate a candidate" not in detail
    manage = ro.get(url(world, "manage_contest", public_id=contest.public_id)).content.decode()
    assert "Cancelled" in manage and url(world, "change_contest",
                                         public_id=contest.public_id) not in manage


def test_the_order_of_names_is_set_and_members_see_it(world):
    contest = make_contest(world, open_now=False, candidates=3, ballot_order="numbered")
    with scope(society=world.society):
        first, second, third = contest.candidates.order_by("number")
    ro = world.client("returning_officer")
    order = url(world, "candidate_order", public_id=contest.public_id)
    clash = ro.post(order, {f"place_{first.public_id}": "1", f"place_{second.public_id}": "1",
                            f"place_{third.public_id}": "2"})
    assert clash.status_code == 400
    assert f"{second.name}: Place 1 is already given to {first.name}" in clash.content.decode()
    response = ro.post(order, {f"place_{first.public_id}": "3",
                               f"place_{second.public_id}": "1",
                               f"place_{third.public_id}": "2"})
    assert response.status_code == 302
    shown = client_for(world.members["member"]).get(
        url(world, "contest", public_id=contest.public_id)).context["candidates"]
    assert [c.pk for c in shown] == [second.pk, third.pk, first.pk]


def test_a_paper_nomination_through_its_page(world):
    contest = make_contest(world, open_now=False, candidates=2)
    nell = person(world, 801, "Nell Paper")
    ro = world.client("returning_officer")
    page = url(world, "officer_nominate", public_id=contest.public_id)
    found = ro.get(page, {"q": "nell"})
    assert found.status_code == 200
    assert "<td>801</td><td>Nell Paper</td><td>Parent</td><td>Yes</td>" in found.content.decode()
    bad = ro.post(page, {"nom-candidate": "9999", "nom-proposer": "801",
                         "nom-seconder": str(contest.voters[-1].member_number)})
    assert bad.status_code == 400
    assert "Candidate&#x27;s member number: There is no current member number 9999" in (
        bad.content.decode())
    response = ro.post(page, {"nom-candidate": "801",
                              "nom-proposer": str(contest.voters[-1].member_number),
                              "nom-seconder": str(contest.voters[-2].member_number),
                              "nom-received_on": timezone.localdate().isoformat()})
    assert response.status_code == 302
    manage = ro.get(response["Location"]).content.decode()
    assert "Nell Paper is nominated, and is told by letter" in manage
    with scope(society=world.society):
        candidate = contest.candidates.get(member=nell)
    letter = url(world, "nominee_letter", public_id=contest.public_id,
                 candidate_id=candidate.public_id)
    assert letter in manage
    pdf = ro.get(letter)
    assert pdf["Content-Type"] == "application/pdf"
    assert len(PdfReader(io.BytesIO(pdf.content)).pages) == 2


def test_a_signed_consent_with_its_scan_through_its_page(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    contest = make_contest(world, open_now=False, candidates=2)
    nell = person(world, 801, "Nell Paper")
    with scope(society=world.society):
        candidate = services.record_paper_nomination(
            actor=world.users["returning_officer"], contest=contest, candidate=nell,
            proposer=contest.voters[-1], seconder=contest.voters[-2],
            received_on=timezone.localdate())
    ro = world.client("returning_officer")
    page = url(world, "paper_consent", public_id=contest.public_id,
               candidate_id=candidate.public_id)
    bad = ro.post(page, {"signed_on": timezone.localdate().isoformat(), "witness": "Jo Witness",
                         "scan": SimpleUploadedFile("form.pdf", b"MZ not a pdf")})
    assert bad.status_code == 400
    assert "Scanned form (optional): The scan must be a PDF, PNG or JPEG file." in (
        bad.content.decode())
    response = ro.post(page, {"signed_on": timezone.localdate().isoformat(),
                              "witness": "Jo Witness", "statement": "Listen first.",
                              "scan": SimpleUploadedFile("form.pdf", PDF_BYTES)})
    assert response.status_code == 302
    with scope(society=world.society):
        assert candidate in contest.standing()
    scan = url(world, "consent_scan", public_id=contest.public_id,
               candidate_id=candidate.public_id)
    assert scan in ro.get(url(world, "manage_contest", public_id=contest.public_id)
                          ).content.decode()
    download = ro.get(scan)
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert b"".join(download.streaming_content) == PDF_BYTES
    for persona in ("secretary", "member", "auditor"):
        assert world.client(persona).get(scan).status_code == 403


def test_the_emailed_link_to_the_consent_form_opens_without_signing_in(world):
    contest = make_contest(world, open_now=False, candidates=1)
    with scope(society=world.society):
        candidate = contest.candidates.first()
    link = url(world, "consent_form_public", token=public_form_token(candidate))
    response = Client().get(link)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert Client().get(link.replace("/consent-form/", "/consent-form/x")).status_code == 404
    # Once the contest is no longer being prepared, the link is dead.
    with scope(society=world.society):
        Contest.objects.filter(pk=contest.pk).update(
            state=ContestState.CANCELLED, cancelled_at=timezone.now(), cancellation_reason="x")
    assert Client().get(link).status_code == 404


def test_a_cancelled_members_vote_lets_the_applicant_be_put_to_the_vote_again(by_vote):  # noqa: F811
    world = by_vote
    contest = put_to_vote_from_the_page(world)
    response = world.client("returning_officer").post(
        url(world, "cancel_contest", public_id=contest.public_id),
        {"reason": "The voting window was wrong."})
    assert response.status_code == 302
    with scope(society=world.society):
        contest.refresh_from_db()
        assert contest.application is None and contest.state == ContestState.CANCELLED
    again = put_to_vote_from_the_page(world)
    assert again.pk != contest.pk


def test_turnout_speaks_of_one_voter_in_the_singular(world):
    contest = make_contest(world, candidates=3)
    with scope(society=world.society):
        services.strike_off_paper(actor=world.users["returning_officer"], contest=contest,
                                  member=contest.voters[0])
    page = world.client("returning_officer").get(
        url(world, "manage_contest", public_id=contest.public_id)).content.decode()
    assert '<span id="turnout">1</span> has voted' in page
    assert "8 members on the roll" in page
