"""An election in a real browser: the returning officer sets it up, members are nominated and
consent, three members vote online and one on paper, the count runs, the officer signs off and
publishes, and a member finds their receipt in the published list of codes (which says the
ballot was counted, not what it says) and the ballots listed apart."""

from datetime import timedelta

from django.utils import timezone
from django_scopes import scope
from playwright.sync_api import expect

from ballots.models import Contest
from tests.ballots.conftest import add_members
from tests.conftest import build_society
from tests.e2e.helpers import assert_accessible

FMT = "%Y-%m-%dT%H:%M"


def local(dt) -> str:
    return timezone.localtime(dt).strftime(FMT)


def test_set_up_nominate_vote_online_and_on_paper_count_sign_and_verify(
        live_server, new_page, sign_in):
    world = build_society("millmead", "Millmead Children's Centre")
    voters = add_members(world, 3, start=50)
    slug = world.society.slug
    base = f"{live_server.url}/s/{slug}/ballots"
    now = timezone.now()

    # 1. The returning officer creates the election and its contest.
    ro = sign_in(new_page(), world.users["returning_officer"])
    ro.goto(f"{live_server.url}/s/{slug}/")
    ro.get_by_role("navigation", name=world.society.name).get_by_role(
        "link", name="Run elections").click()
    expect(ro.get_by_role("heading", level=1)).to_have_text("Run elections")
    assert_accessible(ro)
    ro.get_by_label("Title").fill("2027 board election")
    ro.get_by_role("button", name="Create the election").click()
    expect(ro.get_by_role("heading", level=1)).to_have_text("2027 board election")
    ro.locator("#id_title").fill("Community seats")
    ro.get_by_label("Counting method").select_option("ers97")
    ro.get_by_label("Parent").check()
    ro.get_by_label("Nominations open").fill(local(now - timedelta(days=1)))
    ro.get_by_label("Nominations close").fill(local(now + timedelta(hours=1)))
    ro.get_by_label("Voting opens", exact=True).fill(local(now + timedelta(hours=2)))
    ro.get_by_label("Voting closes", exact=True).fill(local(now + timedelta(days=7)))
    assert_accessible(ro)
    ro.get_by_role("button", name="Add the contest").click()
    expect(ro.get_by_role("status")).to_contain_text("Contest Community seats added.")
    expect(ro.locator("#contest-state")).to_contain_text("Being prepared")
    contest_url = ro.url

    # 2. Nominations: the officer enters one from a paper form; a member nominates another.
    ro.get_by_role("link", name="Record a nomination received on paper").click()
    ro.locator("#id_nom-candidate").fill(str(voters[0].member_number))
    ro.locator("#id_nom-proposer").fill(str(voters[1].member_number))
    ro.locator("#id_nom-seconder").fill(str(voters[2].member_number))
    ro.get_by_role("button", name="Record the nomination").click()
    expect(ro.get_by_role("status")).to_contain_text("is nominated")
    with scope(society=world.society):
        contest = Contest.objects.get()
    nominator = sign_in(new_page(), world.users["member"])
    nominator.goto(f"{base}/contests/{contest.public_id}/")
    nominator.get_by_role("link", name="Nominate a candidate").click()
    nominator.get_by_label("Candidate's member number").fill(str(voters[1].member_number))
    nominator.get_by_label("Proposer's member number").fill(str(voters[2].member_number))
    nominator.get_by_label("Seconder's member number").fill(
        str(world.members["member"].member_number))
    assert_accessible(nominator)
    nominator.get_by_role("button", name="Nominate").click()
    expect(nominator.get_by_role("status")).to_contain_text("is nominated")

    # 3. Both candidates consent and write a statement.
    for voter in voters[:2]:
        page = sign_in(new_page(), voter.user)
        page.goto(f"{base}/contests/{contest.public_id}/")
        page.get_by_role("link", name="Your candidacy").click()
        page.get_by_label("Your election statement").fill(f"I am {voter.full_name}.")
        page.get_by_label("I consent to stand").check()
        page.get_by_role("button", name="Save").click()
        expect(page.get_by_role("status")).to_contain_text("consent and statement are recorded")

    # 4. Time passes: nominations close and voting opens (the officer opens it on time).
    with scope(society=world.society):
        Contest.objects.filter(pk=contest.pk).update(
            nominations_close=now - timedelta(minutes=2), voting_opens=now - timedelta(minutes=1))
    ro.goto(contest_url)
    ro.get_by_role("button", name="Freeze the roll and open voting now").click()
    expect(ro.locator("#contest-state")).to_contain_text("voting")

    # 5. Three members vote online.
    receipts = {}
    for persona, first in (("member", voters[0]), ("board_member", voters[0]),
                           ("secretary", voters[1])):
        page = sign_in(new_page(), world.users[persona])
        page.goto(f"{base}/")
        page.get_by_role("link", name="2027 board election: Community seats").click()
        page.get_by_label(first.full_name).select_option("1")
        if persona == "member":
            assert_accessible(page)
        page.get_by_role("button", name="Cast my vote").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Your vote is recorded")
        receipts[persona] = page.locator("#receipt-code").inner_text()

    # 6. One votes on paper: struck off on the roll, then the ballot entered in a batch.
    ro.goto(contest_url)
    ro.get_by_label("Member number on the paper ballot's envelope").fill(
        str(voters[2].member_number))
    ro.get_by_role("button", name="Strike off as voted on paper").click()
    expect(ro.get_by_role("status")).to_contain_text("struck off")
    ro.get_by_role("link", name="Enter a batch of paper ballots").click()
    with scope(society=world.society):
        first_number = contest.candidates.get(member=voters[0]).number
    ro.get_by_label("Batch label").fill("Box 1")
    ro.get_by_label("Ballots, one per line").fill(str(first_number))
    ro.get_by_role("button", name="Enter the batch").click()
    expect(ro.get_by_role("status")).to_contain_text("1 paper ballot entered")
    expect(ro.locator("#turnout")).to_have_text("4")

    # 7. Voting closes; the count runs; the officer reviews, signs off and publishes.
    with scope(society=world.society):
        Contest.objects.filter(pk=contest.pk).update(voting_closes=timezone.now())
    ro.goto(contest_url)
    ro.get_by_role("button", name="Close voting and count").click()
    expect(ro.locator("#count-report")).to_contain_text(voters[0].full_name)
    ro.get_by_label("Your full name").fill("Rita Officer")
    ro.get_by_role("button", name="Sign off the result").click()
    ro.get_by_role("button", name="Publish the result").click()
    expect(ro.get_by_role("status")).to_contain_text("published")

    # 8. A member reads the result and finds their receipt in the published list.
    member = sign_in(new_page(), world.users["member"])
    member.goto(f"{base}/")
    member.get_by_role("link", name="2027 board election: Community seats").click()
    expect(member.get_by_role("heading", level=1)).to_contain_text("Result")
    expect(member.locator(".outcome")).to_contain_text(voters[0].full_name)
    expect(member.locator("svg.chart")).to_be_visible()
    assert_accessible(member)
    # The look-up says the ballot was counted, never what it says; it is posted, by keyboard.
    member.get_by_role("link", name="Check your receipt in the list of receipt codes").click()
    member.get_by_label("Your receipt code").fill(receipts["member"])
    member.get_by_label("Your receipt code").press("Enter")
    expect(member.locator("#receipt-found")).to_contain_text(
        f"Receipt {receipts['member']} is in the list")
    expect(member.locator("#receipt-found")).not_to_contain_text(voters[0].full_name)
    assert "receipt=" not in member.url and receipts["member"] not in member.url
    assert_accessible(member)
    # The anonymous ballots are listed apart, with no codes.
    member.get_by_role("link", name="the anonymous ballots").click()
    expect(member.get_by_role("heading", level=1)).to_contain_text("The ballots counted")
    expect(member.locator("table")).to_contain_text(voters[0].full_name)
    expect(member.locator("table")).not_to_contain_text(receipts["member"])
    assert_accessible(member)
