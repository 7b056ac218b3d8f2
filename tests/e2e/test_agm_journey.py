"""An AGM in a real browser: the secretary schedules it and puts a special resolution and the
board election on the agenda, serves notice on every member, a member appoints a proxy with an
instruction, attendance is taken until the meeting is quorate, the resolution passes on
advance, proxy and in-room votes combined, the board election's result starts the winner's
term, and the minutes are drafted from the record and approved (and locked) at a later
meeting."""

from datetime import timedelta

from django.utils import timezone
from django_scopes import scope
from playwright.sync_api import expect

from ballots import services as ballots
from ballots.models import Contest, ContestState
from ballots.models import Election as BallotElection
from boards import services as boards
from boards.models import Meeting, Minutes, Term
from notifications.models import Message
from tests.ballots.conftest import add_members
from tests.conftest import build_society
from tests.e2e.helpers import assert_accessible

FMT = "%Y-%m-%dT%H:%M"


def _board_election(world, seats, candidates, electors):
    """A board election with two consented candidates for one seat (nominations by the
    returning officer), voting not yet open."""
    ro = world.users["returning_officer"]
    now = timezone.now()
    election = ballots.create_election(actor=ro, society=world.society,
                                       title="2026 board election")
    contest = ballots.create_contest(actor=ro, election=election, values={
        "title": "Community representative", "method": "plurality", "seats": 1,
        "record_date": timezone.localdate(), "voting_opens": now + timedelta(hours=1),
        "voting_closes": now + timedelta(days=7)})
    ballots.link_seat_category(actor=ro, contest=contest, seat_category=seats)
    for candidate in candidates:
        nominee = ballots.nominate(actor=ro, contest=contest, nominated_by=None,
                                   candidate=candidate, proposer=electors[0],
                                   seconder=electors[1], by_officer=True)
        ballots.consent_to_stand(actor=candidate.user, candidate=nominee, member=candidate,
                                 statement=f"{candidate.full_name} will listen to parents.")
    return election, contest


def test_an_agm_from_notice_to_approved_minutes(live_server, new_page, sign_in):
    world = build_society("millmead", "Millmead Children's Centre")
    society = world.society
    members = add_members(world, 8, start=50)
    ann, ben, cat = members[:3]
    slug = society.slug
    base = f"{live_server.url}/s/{slug}/boards"
    today = timezone.localdate()
    held_on = today + timedelta(days=20)
    society.quorum_minimum_members = 6
    society.save()
    with scope(society=society):
        body = boards.define_body(actor=None, society=society, name="Management board",
                                  kind="board")
        seats = boards.define_seat_category(actor=None, body=body, name="Community seats",
                                            seats=3, filled_by="elected", term_years=3)
        election, board_contest = _board_election(world, seats, [cat, members[3]],
                                                  members[4:6])

    # 1. The secretary schedules the AGM.
    sec = sign_in(new_page(), world.users["secretary"])
    sec.goto(f"{base}/meetings/new/")
    sec.locator("#id_kind").select_option("agm")
    sec.locator("#id_held_on").fill(held_on.isoformat())
    sec.locator("#id_start_time").fill("19:00")
    sec.locator("#id_place").fill("Millmead Village Hall")
    sec.locator("#id_chair_name").fill("Ann Chair")
    sec.get_by_role("button", name="Save").click()
    expect(sec.get_by_role("status")).to_contain_text("Meeting scheduled.")
    sec.get_by_role("link", name="Annual general meeting").click()
    expect(sec.get_by_role("heading", level=1)).to_contain_text("Annual general meeting")
    meeting_url = sec.url

    # 2. The special resolution (advance online voting until the meeting starts) and the
    #    board election go on the agenda.
    sec.get_by_role("link", name="Put a resolution on the agenda").click()
    sec.get_by_label("Title").fill("New rules")
    sec.get_by_label("Resolution text").fill("That the society adopt the new rules.")
    sec.get_by_label("Kind of resolution").select_option("special")
    sec.get_by_label("Advance online voting opens").fill(
        timezone.localtime().strftime(FMT))
    assert_accessible(sec)
    sec.get_by_role("button", name="Save").click()
    expect(sec.get_by_role("status")).to_contain_text("Resolution put on the agenda.")
    sec.get_by_role("link", name="Add an item").click()
    sec.locator("#id_kind").select_option("election")
    sec.get_by_label("Title").fill("Election of the board")
    sec.locator("#id_election").select_option(label="2026 board election")
    sec.get_by_role("button", name="Save").click()
    expect(sec.get_by_role("status")).to_contain_text("Item added to the agenda.")
    expect(sec.locator("ol.agenda")).to_contain_text("Special resolution (needs 3/4")
    assert_accessible(sec)
    with scope(society=society):
        meeting = Meeting.objects.get()
        contest = Contest.objects.get(method="resolution")

    # 3. Notice is served on every member.
    sec.get_by_role("button", name="Serve notice on every member").click()
    expect(sec.get_by_role("status")).to_contain_text("Notice served: 11 new messages")
    with scope(society=society):
        notice = Message.objects.filter(notice__meeting=meeting, recipient=ann).get()
    assert "Special resolution (needs 3/4 of the votes cast)" in notice.body_text
    assert f"{cat.full_name} will listen to parents." in notice.body_text
    assert f"/meetings/{meeting.public_id}/proxy/" in notice.body_text

    # 4. A member who cannot attend appoints Ann as proxy, instructed to vote for.
    member = sign_in(new_page(), world.users["member"])
    member.goto(meeting_url)
    member.get_by_role("link", name="Appoint a proxy").click()
    member.get_by_label("Another member").check()
    member.get_by_label("Your proxy's member number").fill(str(ann.member_number))
    member.get_by_role("group", name="1. New rules").get_by_label("For", exact=True).check()
    assert_accessible(member)
    member.get_by_role("button", name="Appoint my proxy").click()
    expect(member.get_by_role("status")).to_contain_text("Your proxy is appointed.")
    expect(member.locator("#proxy-h + p")).to_contain_text(ann.full_name)

    # 5. Advance voting: three for and one against online; it closes at the meeting.
    with scope(society=society):
        ballots.open_voting(actor=None, contest=contest)
        for voter, answer in zip(members[4:8], ["for", "for", "for", "against"], strict=True):
            ballots.cast_ballot(actor=voter.user, contest=contest, member=voter,
                                choices=answer)
        Contest.objects.filter(pk=contest.pk).update(voting_closes=timezone.now())
        ballots.close_voting(actor=None, contest=contest)

    # 6. The meeting's day comes (moved in the database); attendance is taken, the members
    #    present pasted as a list, until quorate (6 needed: 5 present + 1 by proxy).
    with scope(society=society):
        Meeting.objects.filter(pk=meeting.pk).update(held_on=today)
    sec.goto(meeting_url)
    sec.get_by_role("link", name="Attendance").click()
    expect(sec.locator("#quorum")).to_contain_text("Not quorate")
    present = (ann, ben, cat, world.members["secretary"], world.members["board_member"])
    numbers = "\n".join(str(person.member_number) for person in present)
    sec.get_by_label("Member numbers", exact=True).fill(numbers)
    sec.get_by_role("button", name="Record these members").click()
    expect(sec.get_by_role("status")).to_contain_text("5 members recorded")
    expect(sec.locator("#quorum")).to_contain_text("Quorate: 5 present in person and 1 by proxy")
    assert_accessible(sec)

    # 7. The vote: 3-1 in advance, 1 by proxy, 4-1 in the room: 8 to 2, at least 3/4;
    #    checked and shown first, recorded once confirmed.
    sec.goto(meeting_url)
    sec.get_by_role("link", name="Take the vote on “New rules”").click()
    sec.get_by_label("In the room: for").fill("4")
    sec.get_by_label("In the room: against").fill("1")
    assert_accessible(sec)
    sec.get_by_role("button", name="Check the figures").click()
    expect(sec.locator("#outcome")).to_contain_text("Carried: 8 for, 2 against")
    sec.get_by_role("button", name="Confirm and record").click()
    expect(sec.get_by_role("status")).to_contain_text("is entered in the decision register")
    expect(sec.locator("ol.agenda")).to_contain_text("Carried — for 8, against 2")

    # 8. The board election's result (counted by the returning officer) starts the term.
    with scope(society=society):
        board_contest.refresh_from_db()
        Contest.objects.filter(pk=board_contest.pk).update(
            voting_opens=timezone.now() - timedelta(minutes=1))
        ballots.open_voting(actor=None, contest=board_contest)
        winner = board_contest.candidates.get(member=cat)
        for voter in members[4:7]:
            ballots.cast_ballot(actor=voter.user, contest=board_contest, member=voter,
                                choices=[str(winner.public_id)])
        Contest.objects.filter(pk=board_contest.pk).update(voting_closes=timezone.now())
        ballots.close_voting(actor=None, contest=board_contest)
        board_contest.refresh_from_db()
        if board_contest.state == ContestState.CLOSED:
            ballots.count_contest(actor=None, contest=board_contest)
        ballots.sign_off(actor=None, contest=board_contest, name="Rita Officer", on=today)
        ballots.publish_result(actor=None, contest=board_contest)
    sec.goto(f"{base}/")
    sec.get_by_role("link", name="2026 board election: Community representative").click()
    sec.get_by_role("button", name="Start the terms").click()
    expect(sec.get_by_role("status")).to_contain_text("1 term started")
    expect(sec.locator("main")).to_contain_text(cat.full_name)
    with scope(society=society):
        assert Term.objects.get(member=cat).seat_category == seats

    # 9. Minutes drafted from the record, then edited.
    sec.goto(meeting_url)
    sec.get_by_role("button", name="Draft the minutes from the meeting's record").click()
    expect(sec.locator("pre.minutes")).to_contain_text("Present (5):")
    expect(sec.locator("pre.minutes")).to_contain_text(f"- {members[0].full_name}")
    expect(sec.locator("pre.minutes")).to_contain_text(
        f"Proxies held (1):\n- {world.members['member'].full_name}, held by {ann.full_name}")
    expect(sec.locator("pre.minutes")).to_contain_text("Carried. For 8, against 2")
    assert_accessible(sec)
    sec.get_by_role("link", name="Edit the minutes").click()
    text = sec.get_by_label("Minutes").input_value()
    sec.get_by_label("Minutes").fill(text + "\nThe chair thanked the retiring board.")
    sec.get_by_role("button", name="Save").click()
    expect(sec.get_by_role("status")).to_contain_text("Minutes saved.")

    # 10. A year on (time moved on in the database), the next AGM approves the minutes.
    with scope(society=society):
        Meeting.objects.filter(pk=meeting.pk).update(held_on=today - timedelta(days=365))
        later = boards.schedule_meeting(actor=None, society=society, kind="agm",
                                        held_on=today, today=today - timedelta(days=30))
    sec.goto(f"{meeting_url}minutes/")
    sec.get_by_role("link", name="Record approval at a later meeting").click()
    sec.get_by_label("Approved at the meeting of").select_option(str(later.pk))
    sec.get_by_label("Proposer").fill("Ben Baker")
    sec.get_by_role("button", name="Save").click()
    expect(sec.get_by_role("status")).to_contain_text("Minutes approved and locked.")

    # 11. Members read the approved minutes; nothing offers to change them.
    member.goto(f"{meeting_url}minutes/")
    expect(member.locator("pre.minutes")).to_contain_text("thanked the retiring board")
    expect(member.locator("main")).to_contain_text("Approved at the")
    assert_accessible(member)
    sec.goto(f"{meeting_url}minutes/")
    expect(sec.get_by_role("link", name="Edit the minutes")).to_have_count(0)
    with scope(society=society):
        minutes = Minutes.objects.get(meeting=meeting)
        assert minutes.approved_on == today and minutes.approval_decision.meeting == later
        assert BallotElection.objects.count() == 2
