"""A general meeting's vote in a real browser: attendance taken many at a time (a pasted list,
refused whole for one bad line, then a member found and ticked); a show of hands claiming more
votes than those present is refused, naming the numbers; the figures that fit are checked,
shown with the outcome the rules give, and only then confirmed; a wrong result is corrected by
a reversing entry with the chair's reason (without JavaScript), and the decision log shows the
original, the reversal and the corrected result. Axe on each page."""

from datetime import time, timedelta

from django.utils import timezone
from django_scopes import scope
from playwright.sync_api import expect

from ballots.models import Contest, ContestState
from boards import services as boards
from boards.models import Decision, MeetingVote
from tests.ballots.conftest import add_members
from tests.conftest import build_society
from tests.e2e.helpers import assert_accessible

TITLE = "Adopt a safeguarding policy"


def _meeting_today(world, members):
    """An AGM today with one ordinary resolution, advance voting closed with no ballots, and
    the chair holding one proxy at discretion."""
    society = world.society
    today = timezone.localdate()
    with scope(society=society):
        meeting = boards.schedule_meeting(actor=None, society=society, kind="agm",
                                          held_on=today, start_time=time(23, 59),
                                          place="Village hall", chair_name="Ann Chair",
                                          today=today - timedelta(days=40))
        starts = boards.meeting_starts_at(meeting)
        item = boards.put_resolution_on_agenda(
            actor=None, meeting=meeting, title=TITLE, text=f"{TITLE}.", kind="ordinary",
            voting_opens=starts - timedelta(days=10), voting_closes=starts - timedelta(days=1),
            record_date=today - timedelta(days=20))
        Contest.objects.filter(pk=item.resolution_id).update(state=ContestState.CLOSED)
        boards.appoint_proxy(actor=None, meeting=meeting, appointer=members[-1],
                             instructions={}, now=starts - timedelta(days=5))
    return meeting


def test_a_vote_refused_then_confirmed_then_corrected(live_server, new_page, sign_in):
    world = build_society("millmead", "Millmead Children's Centre")
    members = add_members(world, 8, start=50)
    meeting = _meeting_today(world, members)
    meeting_url = f"{live_server.url}/s/millmead/boards/meetings/{meeting.public_id}/"

    # 1. Attendance: a pasted list with a wrong line records nobody; then it records all.
    sec = sign_in(new_page(), world.users["secretary"])
    sec.goto(meeting_url)
    sec.get_by_role("link", name="Attendance").click()
    sec.get_by_label("Member numbers", exact=True).fill("50\n51\n9999\n52")
    sec.get_by_role("button", name="Record these members").click()
    expect(sec.locator("main")).to_contain_text("line 3: no member numbered 9999")
    expect(sec.locator("main")).to_contain_text("No one recorded yet.")
    assert_accessible(sec)
    sec.get_by_label("Member numbers", exact=True).fill("50\n51, 52\n53")
    sec.get_by_role("button", name="Record these members").click()
    expect(sec.get_by_role("status")).to_contain_text("4 members recorded: present in person.")
    # One more, found by name and ticked.
    sec.get_by_label("Name or member number").fill("Voter 54")
    sec.get_by_role("button", name="Find").click()
    sec.get_by_label("Voter 54").check()
    sec.get_by_label("Record the ticked members as").select_option("online")
    assert_accessible(sec)
    sec.get_by_role("button", name="Record the ticked members").click()
    expect(sec.get_by_role("status")).to_contain_text("1 member recorded: present online.")
    expect(sec.locator("#quorum")).to_contain_text("Quorate: 5 present in person and 1 by proxy")

    # 2. Forty for with five present: refused, naming the numbers; nothing recorded.
    sec.goto(meeting_url)
    sec.get_by_role("link", name=f"Take the vote on “{TITLE}”").click()
    expect(sec.locator("#voters")).to_contain_text("Present and able to vote in the room: 5")
    expect(sec.locator("main")).not_to_contain_text(f"“{TITLE}.”")  # the text repeats the title
    sec.get_by_label("In the room: for").fill("40")
    sec.get_by_role("button", name="Check the figures").click()
    expect(sec.locator("main")).to_contain_text(
        "40 votes for, but only 5 members are present and 1 proxy held at the holders' "
        "discretion: at most 6 votes can be cast.")
    assert_accessible(sec)
    with scope(society=world.society):
        assert not Decision.objects.exists()

    # 3. The figures that fit: checked, shown with the outcome, then confirmed.
    sec.get_by_label("In the room: for").fill("4")
    sec.get_by_label("In the room: against").fill("1")
    sec.get_by_label("Discretionary proxies: for").fill("1")
    sec.get_by_role("button", name="Check the figures").click()
    expect(sec.locator("#outcome")).to_contain_text("Carried: 5 for, 1 against")
    expect(sec.locator("#outcome")).to_contain_text("more votes for than against")
    assert_accessible(sec)
    with scope(society=world.society):
        assert not Decision.objects.exists()  # nothing before the confirmation
    sec.get_by_role("button", name="Confirm and record").click()
    expect(sec.get_by_role("status")).to_contain_text("Decision 1 is entered")
    expect(sec.locator("ol.agenda")).to_contain_text("Decision 1: Carried — for 5, against 1")

    # 4. The tellers were wrong: corrected by a reversing entry, without JavaScript.
    correct = sec.get_by_role("link", name=f"Correct the result on “{TITLE}”")
    correct_url = live_server.url + correct.get_attribute("href")
    correct.click()
    expect(sec.locator("main")).to_contain_text("A wrong entry is never changed.")
    assert_accessible(sec)
    nojs = sign_in(new_page(java_script_enabled=False), world.users["secretary"])
    nojs.goto(correct_url)
    reason = "The tellers counted the front row twice."
    nojs.get_by_label("The chair's reason for the correction").fill(reason)
    nojs.get_by_label("In the room: for").fill("1")
    nojs.get_by_label("In the room: against").fill("4")
    nojs.get_by_label("Discretionary proxies: against").fill("1")
    nojs.get_by_role("button", name="Check the figures").click()
    expect(nojs.locator("#outcome")).to_contain_text("Not carried: 1 for, 5 against")
    expect(nojs.locator("main")).to_contain_text("Decision 1 will be reversed")
    nojs.get_by_role("button", name="Confirm and record").click()
    expect(nojs.get_by_role("status")).to_contain_text(
        "Decision 2 reverses decision 1; the corrected result is decision 3: not carried.")
    expect(nojs.locator("ol.agenda")).to_contain_text("Decision 3: Not carried — for 1, "
                                                      "against 5")
    expect(nojs.locator("ol.agenda")).to_contain_text(f"The chair's reason: {reason}")

    # 5. The decision log shows the original, the reversal and the corrected result.
    member = sign_in(new_page(), world.users["member"])
    member.goto(f"{live_server.url}/s/millmead/boards/decisions/")
    log = member.locator("table")
    expect(member.locator("#decision-1")).to_contain_text("Reversed by decision 2")
    expect(member.locator("#decision-1")).to_contain_text("Corrected by decision 3")
    expect(member.locator("#decision-2")).to_contain_text("Reversed: entered in error")
    expect(member.locator("#decision-2")).to_contain_text(reason)
    expect(member.locator("#decision-3")).to_contain_text("Corrects decision 1")
    expect(log).not_to_contain_text(f"{TITLE}: {TITLE}")
    assert_accessible(member)
    with scope(society=world.society):
        assert MeetingVote.objects.count() == 2 and Decision.objects.count() == 3

    # 6. The minutes, drafted from the record, tell it and wrap on a phone.
    sec.goto(meeting_url)
    sec.get_by_role("button", name="Draft the minutes from the meeting's record").click()
    expect(sec.locator("pre.minutes")).to_contain_text("This corrects decision 1")
    phone = sign_in(new_page(viewport={"width": 390, "height": 800}), world.users["secretary"])
    phone.goto(sec.url)
    fits = phone.locator("pre.minutes").evaluate("el => el.scrollWidth <= el.clientWidth")
    assert fits
    assert_accessible(phone)
    with phone.expect_download() as download:
        phone.get_by_role("link", name="Download the minutes (PDF, marked DRAFT)").click()
    assert download.value.suggested_filename.startswith("minutes-draft-")
