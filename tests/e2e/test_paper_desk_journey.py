"""Every channel into one count, in a real browser: a member votes online with their code; a
scrutineer records another member's returned paper by typing its code at the desk, and a
paper whose code was already used online is set apart as tendered; that member's code then
no longer votes online; at the meeting the officer issues a paper in person; the officer
enters the papers (one spoilt) as a batch; the poll closes and counts; the officer signs
off, the scrutineer co-signs and downloads the certificate, which lists the spoilt paper
and the tendered one. Pages checked with axe. Time moves by the contest's windows."""

from datetime import timedelta

from django.utils import timezone
from django_scopes import scope
from playwright.sync_api import expect

from ballots.models import Contest, ContestState, VoterRollEntry
from ballots.tasks import close_due_polls
from societies.models import RoleGrant
from societies.permissions import Role
from tests.ballots.conftest import make_contest
from tests.conftest import build_society, make_user
from tests.e2e.helpers import assert_accessible
from tests.pdf import read_pdf


def _code(world, contest, member) -> str:
    with scope(society=world.society):
        return VoterRollEntry.objects.get(contest=contest, member=member).voting_code


def _vote_with_code(page, base: str, code: str, name: str) -> None:
    page.goto(f"{base}/vote/")
    page.get_by_label("Your voting code").fill(code)
    page.get_by_role("button", name="Show my ballot").click()
    page.get_by_label(name, exact=True).select_option("1")
    page.get_by_role("button", name="Cast my vote").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your vote is recorded")


def _record(page, code: str) -> None:
    page.get_by_label("Code or serial on the paper").fill(code)
    page.get_by_role("button", name="Record the paper").click()


def test_online_by_code_returned_papers_in_person_and_the_certificate(live_server, new_page,
                                                                      sign_in):
    world = build_society("millmead", "Millmead Children's Centre")
    scrutineer = make_user("sam@millmead.test", full_name="Sam Scrutineer", mfa=True)
    with scope(society=world.society):
        RoleGrant.objects.create(society=world.society, user=scrutineer, role=Role.SCRUTINEER)
    contest = make_contest(world, candidates=3)
    online, by_post, tendered, present = contest.voters[1:5]
    with scope(society=world.society):
        first, second = [c.name for c in contest.candidates.order_by("number")][:2]
    base = f"{live_server.url}/s/{world.society.slug}"
    ballots = f"{base}/ballots"

    # A member votes online with their code; another, who voted online too, also posts a paper.
    _vote_with_code(new_page(), base, _code(world, contest, online), first)
    _vote_with_code(new_page(), base, _code(world, contest, tendered), second)

    # The scrutineer works the desk.
    desk = sign_in(new_page(), scrutineer)
    desk.goto(f"{ballots}/scrutiny/contests/{contest.public_id}/")
    desk.get_by_role("link", name="Returned papers desk").click()
    expect(desk.get_by_role("heading", level=1)).to_contain_text("Returned papers")
    assert_accessible(desk)
    _record(desk, _code(world, contest, by_post))
    expect(desk.locator("#paper-voters")).to_have_text("1")
    _record(desk, _code(world, contest, tendered).lower())
    expect(desk.get_by_role("main")).to_contain_text("Tendered papers")
    expect(desk.get_by_role("main")).to_contain_text(f"member {tendered.member_number}")
    expect(desk.locator("#paper-voters")).to_have_text("1")
    assert_accessible(desk)

    # The postal voter's code no longer votes online.
    late_try = new_page()
    late_try.goto(f"{base}/vote/")
    late_try.get_by_label("Your voting code").fill(_code(world, contest, by_post))
    late_try.get_by_role("button", name="Show my ballot").click()
    expect(late_try.get_by_role("alert")).to_have_text("This code has already been used.")

    # At the meeting, the officer issues a paper in person, then enters the two papers.
    ro = sign_in(new_page(), world.users["returning_officer"])
    ro.goto(f"{ballots}/manage/contests/{contest.public_id}/returned-papers/")
    ro.get_by_label("Member number of the member present").fill(str(present.member_number))
    ro.get_by_role("button", name="Issue a ballot paper").click()
    expect(ro.locator("#paper-voters")).to_have_text("2")
    ro.get_by_role("link", name="Enter a batch of paper ballots").click()
    ro.get_by_label("Batch label").fill("Post and meeting")
    ro.get_by_label("Ballots, one per line").fill("1 2")
    ro.get_by_label("Spoilt papers: unmarked").fill("1")
    ro.get_by_role("button", name="Enter the batch").click()
    expect(ro.get_by_role("main")).to_contain_text("Post and meeting")

    # The close and the count (the worker's beat, run here), the sign-off and co-signature.
    with scope(society=world.society):
        Contest.objects.filter(pk=contest.pk).update(
            voting_opens=timezone.now() - timedelta(days=2),
            voting_closes=timezone.now() - timedelta(seconds=1))
    close_due_polls()
    with scope(society=world.society):
        assert Contest.objects.get(pk=contest.pk).state == ContestState.COUNTED
    ro.goto(f"{ballots}/manage/contests/{contest.public_id}/")
    ro.get_by_label("Your full name").fill("Rita Officer")
    ro.get_by_role("button", name="Sign off the result").click()
    expect(ro.get_by_role("main")).to_contain_text("Rita Officer")
    desk.goto(f"{ballots}/scrutiny/contests/{contest.public_id}/")
    desk.get_by_label("Your full name").fill("Sam Scrutineer")
    desk.get_by_role("button", name="Co-sign the result").click()
    link = desk.locator("#certificate-link")
    expect(link).to_be_visible()
    assert_accessible(desk)
    pdf = desk.request.get(live_server.url + link.get_attribute("href"))
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
    text = " ".join(read_pdf(pdf.body()).text.split())
    assert "Voted: 4 (" in text and "online 2, on paper 2" in text
    assert "Spoilt paper ballots, not counted, by reason: unmarked 1." in text
    assert "tendered (code already used) 1" in text
    assert "Co-signed by Sam Scrutineer, scrutineer" in text
