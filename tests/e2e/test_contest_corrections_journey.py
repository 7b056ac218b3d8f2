"""Mistakes before a poll opens, in a real browser: the returning officer changes a contest's
seats and the order of names and sees the change, cancels another contest with a reason that a
member then reads; once voting opens a change is refused, but the close is extended."""

from datetime import timedelta

from django.utils import timezone
from django_scopes import scope
from playwright.sync_api import expect

from ballots import services
from ballots.models import Contest, ContestState
from notifications.models import Message
from tests.ballots.conftest import add_members
from tests.conftest import build_society
from tests.e2e.helpers import assert_accessible

FMT = "%Y-%m-%dT%H:%M"


def local(dt) -> str:
    return timezone.localtime(dt).strftime(FMT)


def set_up(world):
    """Two contests being prepared; the first with three consented candidates."""
    ro, now = world.users["returning_officer"], timezone.now()
    voters = add_members(world, 6, start=50)
    with scope(society=world.society):
        election = services.create_election(actor=ro, society=world.society,
                                            title="2027 board election")
        window = {"record_date": timezone.localdate(),
                  "nominations_open": now - timedelta(days=2),
                  "nominations_close": now + timedelta(hours=1),
                  "voting_opens": now + timedelta(hours=2),
                  "voting_closes": now + timedelta(days=7)}
        first = services.create_contest(actor=ro, election=election, values={
            "title": "Community seats", "method": "ers97", "seats": 1, **window})
        second = services.create_contest(actor=ro, election=election, values={
            "title": "Staff seats", "method": "ers97", "seats": 1, **window})
        for voter in voters[:3]:
            candidate = services.nominate(actor=ro, contest=first, nominated_by=None,
                                          candidate=voter, proposer=voters[4],
                                          seconder=voters[5], by_officer=True)
            services.consent_to_stand(actor=voter.user, candidate=candidate, member=voter,
                                      statement="")
    return first, second, voters


def test_edit_and_cancel_before_opening_then_only_extend(live_server, new_page, sign_in):
    world = build_society("millmead", "Millmead Children's Centre")
    first, second, voters = set_up(world)
    base = f"{live_server.url}/s/{world.society.slug}/ballots"

    # 1. The returning officer changes the seats and shows names in the order they set.
    ro = sign_in(new_page(), world.users["returning_officer"])
    ro.goto(f"{base}/manage/contests/{first.public_id}/")
    expect(ro.get_by_role("heading", level=1)).to_have_text(
        "2027 board election: Community seats")
    ro.get_by_role("link", name="Change the contest").click()
    expect(ro.get_by_role("heading", level=1)).to_contain_text("Change the contest")
    assert_accessible(ro)
    ro.get_by_label("Seats", exact=True).fill("2")
    ro.get_by_label("Order of names on the ballot paper").select_option("numbered")
    ro.get_by_role("button", name="Save the changes").click()
    expect(ro.get_by_role("status")).to_contain_text("2 changes saved.")
    expect(ro.locator("main")).to_contain_text("2 seats, STV, ERS97 rules")

    with ro.expect_navigation():
        ro.get_by_role("link", name="Change the order of names on the ballot paper").click()
    assert_accessible(ro)
    new_order = [voters[2], voters[0], voters[1]]
    for place, voter in enumerate(new_order, start=1):
        ro.get_by_label(voter.full_name).fill(str(place))
    ro.get_by_role("button", name="Save the order").click()
    expect(ro.get_by_role("status")).to_contain_text("order of names")
    rows = ro.locator("table").first.locator("tbody tr")
    for place, voter in enumerate(new_order, start=1):
        expect(rows.nth(place - 1)).to_contain_text(f"{place}{voter.full_name}")
    member = sign_in(new_page(), world.users["member"])
    member.goto(f"{base}/contests/{first.public_id}/")
    expect(member.locator("section.candidate h3")).to_have_text(
        [v.full_name for v in new_order])

    # 2. The other contest is cancelled, with the reason; a member sees it cancelled.
    ro.goto(f"{base}/manage/contests/{second.public_id}/")
    ro.get_by_role("link", name="Cancel the contest").click()
    expect(ro.get_by_role("heading", level=1)).to_contain_text("Cancel the contest")
    assert_accessible(ro)
    ro.get_by_role("button", name="Cancel the contest").click()
    expect(ro.locator(".errorlist")).to_contain_text("Reason: This field is required.")
    ro.get_by_label("Reason").fill("The staff seats were merged into the community seats.")
    ro.get_by_role("button", name="Cancel the contest").click()
    expect(ro.get_by_role("status")).to_contain_text("Staff seats is cancelled.")
    expect(ro.locator("#contest-state")).to_have_text("Cancelled")
    expect(ro.get_by_role("link", name="Change the contest")).to_have_count(0)

    member.goto(f"{base}/")
    expect(member.get_by_role("heading", name="Cancelled")).to_be_visible()
    member.get_by_role("link", name="2027 board election: Staff seats").click()
    expect(member.locator("#cancelled")).to_contain_text("were merged into the community seats")
    expect(member.get_by_role("button", name="Cast my vote")).to_have_count(0)
    assert_accessible(member)

    # 3. Voting opens on the first: a change is refused, but the close can be extended.
    with scope(society=world.society):
        Contest.objects.filter(pk=first.pk).update(
            nominations_close=timezone.now() - timedelta(minutes=2),
            voting_opens=timezone.now() - timedelta(minutes=1))
        first.refresh_from_db()
        services.open_voting(actor=world.users["returning_officer"], contest=first)
        first.refresh_from_db()
        second.refresh_from_db()
    assert second.state == ContestState.CANCELLED
    ro.goto(f"{base}/manage/contests/{first.public_id}/")
    expect(ro.get_by_role("link", name="Change the contest")).to_have_count(0)
    ro.goto(f"{base}/manage/contests/{first.public_id}/change/")
    expect(ro.get_by_role("alert")).to_contain_text("Voting has opened")
    expect(ro.get_by_role("button", name="Save the changes")).to_have_count(0)

    ro.goto(f"{base}/manage/contests/{first.public_id}/")
    with ro.expect_navigation():
        ro.get_by_role("link", name="Extend voting (move the close later)").click()
    assert_accessible(ro)
    ro.get_by_label("New closing time").fill(local(first.voting_closes - timedelta(days=1)))
    ro.get_by_role("button", name="Extend voting").click()
    expect(ro.locator(".errorlist")).to_contain_text("never shortened")
    later = first.voting_closes + timedelta(days=3)
    ro.get_by_label("New closing time").fill(local(later))
    ro.get_by_role("button", name="Extend voting").click()
    expect(ro.get_by_role("status")).to_contain_text("Voting is extended")
    expect(ro.locator("main")).to_contain_text(timezone.localtime(later).strftime("%-d %B %Y"))
    with scope(society=world.society):
        told = Message.objects.filter(notice__kind="ballots.poll_extended")
        assert told.count() == first.roll_size
