"""In a real browser (Chromium through Playwright, axe-core on every page): the returning
officer links a contest to board seats and starts the winners' terms from the published
result; the secretary records the AGM's decision on a co-optee; the secretary puts an
application to the members' vote."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_scopes import scope
from playwright.sync_api import expect

from ballots import services as ballots
from ballots.models import Contest
from boards import services as boards
from boards.models import Term
from members import services as members
from societies.models import Society
from tests.ballots.conftest import add_members
from tests.conftest import build_society
from tests.e2e.helpers import assert_accessible
from tests.members.conftest import application_values

pytestmark = pytest.mark.e2e
FMT = "%Y-%m-%dT%H:%M"


def test_a_result_starts_board_terms_and_the_agm_decides_a_co_option(
        live_server, new_page, sign_in):
    world = build_society("millmead", "Millmead Children's Centre")
    society, ro = world.society, world.users["returning_officer"]
    voters = add_members(world, 6, start=50)
    now, today = timezone.now(), timezone.localdate()
    with scope(society=society):
        body = boards.define_body(actor=None, society=society, name="Management board",
                                  kind="board")
        seats = boards.define_seat_category(actor=None, body=body, name="Parent seats",
                                            seats=2, filled_by="elected", term_years=3)
        co_opted = boards.define_seat_category(actor=None, body=body, name="Co-opted",
                                               seats=1, filled_by="co_opted")
        co_optee = boards.start_term(actor=None, seat_category=co_opted, member=voters[5],
                                     started_on=today - timedelta(days=30))
        election = ballots.create_election(actor=ro, society=society, title="2026 election")
        contest = ballots.create_contest(actor=ro, election=election, values={
            "title": "Parent seats", "method": "block", "seats": 2, "record_date": today,
            "voting_opens": now + timedelta(hours=1), "voting_closes": now + timedelta(days=7)})
        for candidate in voters[:3]:
            nominee = ballots.nominate(actor=ro, contest=contest, nominated_by=None,
                                       candidate=candidate, proposer=voters[4],
                                       seconder=voters[5], by_officer=True)
            ballots.consent_to_stand(actor=candidate.user, candidate=nominee,
                                     member=candidate, statement="")
    base = f"{live_server.url}/s/{society.slug}"

    # The returning officer links the contest to the parent seats on its manage page.
    officer = sign_in(new_page(), ro)
    officer.goto(f"{base}/ballots/manage/contests/{contest.public_id}/")
    officer.get_by_label("Board seats this contest fills").select_option(
        label="Management board: Parent seats")
    officer.get_by_role("button", name="Save the board seats").click()
    expect(officer.get_by_role("status")).to_contain_text("fills the Parent seats")
    assert_accessible(officer)

    with scope(society=society):
        Contest.objects.filter(pk=contest.pk).update(voting_opens=now - timedelta(minutes=1))
        ballots.open_voting(actor=None, contest=contest)
        first, second = contest.candidates.order_by("number")[:2]
        for voter in voters[3:]:
            ballots.cast_ballot(actor=voter.user, contest=contest, member=voter,
                                choices=[str(first.public_id), str(second.public_id)])
        Contest.objects.filter(pk=contest.pk).update(voting_closes=timezone.now())
        ballots.close_voting(actor=None, contest=contest)
        contest.refresh_from_db()
        if contest.state == "closed":
            ballots.count_contest(actor=None, contest=contest)
        ballots.sign_off(actor=None, contest=contest, name="Rita Officer", on=today)
        ballots.publish_result(actor=None, contest=contest)

    # The officer previews the terms, then starts them.
    officer.goto(f"{base}/ballots/manage/contests/{contest.public_id}/")
    officer.get_by_role("link", name="Start the winners' terms from this result").click()
    expect(officer.locator("main")).to_contain_text(voters[0].full_name)
    expect(officer.locator("main")).to_contain_text(voters[1].full_name)
    assert_accessible(officer)
    officer.get_by_role("button", name="Start the terms").click()
    expect(officer.get_by_role("status")).to_contain_text("2 terms started")
    with scope(society=society):
        assert set(Term.objects.filter(seat_category=seats).values_list(
            "member", flat=True)) == {voters[0].pk, voters[1].pk}

    # The secretary records that the AGM did not ratify the co-option.
    secretary = sign_in(new_page(), world.users["secretary"])
    secretary.goto(f"{base}/boards/")
    secretary.get_by_role("link", name="Co-optees awaiting ratification").click()
    expect(secretary.locator("main")).to_contain_text(co_optee.holder_name)
    assert_accessible(secretary)
    secretary.get_by_label("The meeting's decision").select_option("not_ratified")
    secretary.get_by_role("button", name="Record the decision").click()
    expect(secretary.get_by_role("status")).to_contain_text("was not ratified")
    expect(secretary.locator("main")).to_contain_text("No co-optee is awaiting ratification")
    co_optee.refresh_from_db()
    assert co_optee.end_reason == "not_ratified"


def test_the_secretary_puts_an_application_to_the_members_vote(
        live_server, new_page, sign_in):
    world = build_society("sunshine", "Sunshine Care")
    society = world.society
    Society.objects.filter(pk=society.pk).update(admission_method="members_vote")
    with scope(society=society):
        application = members.submit_application(actor=None, society=society,
                                                 values=application_values(world))
        members.admit_application(actor=world.users["secretary"], application=application,
                                  decided_on=timezone.localdate(), decision_reference="Board 9")
    page = sign_in(new_page(), world.users["secretary"])
    page.goto(f"{live_server.url}/s/{society.slug}/members/applications/"
              f"{application.public_id}/")
    with page.expect_navigation():
        page.get_by_role("link", name="Put this application to the members' vote").click()
    assert_accessible(page)
    later = timezone.localtime() + timedelta(days=1)
    page.get_by_label("Voting opens").fill(later.strftime(FMT))
    page.get_by_label("Voting closes").fill((later - timedelta(hours=2)).strftime(FMT))
    page.get_by_role("button", name="Put to the members' vote").click()
    expect(page.locator(".errorlist")).to_contain_text("Voting closes: Voting must close")
    assert_accessible(page)
    page.get_by_label("Voting closes").fill((later + timedelta(days=7)).strftime(FMT))
    page.get_by_role("button", name="Put to the members' vote").click()
    expect(page.get_by_role("status")).to_contain_text("put to the members' vote")
    expect(page.locator("main")).to_contain_text("Put to the members' vote in Admission of")
    with scope(society=society):
        assert Contest.objects.get(application=application).is_resolution
