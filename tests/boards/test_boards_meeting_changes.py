"""Cancelling, postponing, adjourning a meeting and editing its details (boards/changes.py):
audited, a notice of the change to every member once notice was served (one message per member
per change), and nothing changes a meeting already held."""

from datetime import time, timedelta

import pytest
from django.urls import reverse

from boards import changes, services
from boards.models import Attendance, MeetingChange
from boards.services import BoardError
from notifications.models import Message

PERSONAS = ["secretary", "returning_officer", "board_member", "auditor", "member", "outsider"]


def serve(agm):
    services.serve_notice(actor=agm.secretary, meeting=agm.meeting)
    agm.meeting.refresh_from_db()
    return Message.objects.filter(notice=agm.meeting.notice).count()


def change_messages(change):
    return Message.objects.filter(notice=change.notice)


def test_cancelling_before_notice_records_it_and_sends_nothing(agm_world, audit_entries):
    change = changes.cancel_meeting(actor=agm_world.secretary, meeting=agm_world.meeting,
                                    reason="The hall flooded.")
    agm_world.meeting.refresh_from_db()
    assert agm_world.meeting.is_cancelled
    assert agm_world.meeting.cancellation_reason == "The hall flooded."
    assert change.kind == "cancelled" and change.notice is None
    entry = audit_entries(agm_world.society)[-1]
    assert (entry.action, entry.actor_id) == ("board.meeting_cancelled", agm_world.secretary.pk)
    assert entry.data["messages"] == 0


def test_a_cancelled_meeting_takes_no_more_business(agm_world):
    changes.cancel_meeting(actor=agm_world.secretary, meeting=agm_world.meeting,
                           reason="Called off.")
    agm_world.meeting.refresh_from_db()
    member = agm_world.extra[0]
    with pytest.raises(BoardError, match="cancelled"):
        services.serve_notice(actor=agm_world.secretary, meeting=agm_world.meeting)
    with pytest.raises(BoardError, match="cancelled"):
        services.appoint_proxy(actor=member.user, meeting=agm_world.meeting, appointer=member,
                               instructions={})
    with pytest.raises(BoardError, match="cancelled"):
        services.add_agenda_item(actor=agm_world.secretary, meeting=agm_world.meeting,
                                 kind="report", title="Report")
    with pytest.raises(BoardError, match="cancelled"):
        changes.postpone_meeting(actor=agm_world.secretary, meeting=agm_world.meeting,
                                 held_on=agm_world.meeting.held_on + timedelta(days=7))
    with pytest.raises(BoardError, match="cancelled"):
        services.record_attendance(actor=agm_world.secretary, meeting=agm_world.meeting,
                                   member=member, mode="in_person")


def test_a_cancellation_needs_a_reason(agm_world):
    with pytest.raises(BoardError, match="reason"):
        changes.cancel_meeting(actor=agm_world.secretary, meeting=agm_world.meeting,
                               reason="  ")
    agm_world.meeting.refresh_from_db()
    assert not agm_world.meeting.is_cancelled and not MeetingChange.objects.exists()


def test_after_notice_each_change_sends_every_member_one_notice(agm_world, audit_entries):
    served = serve(agm_world)
    first = changes.edit_meeting_details(actor=agm_world.secretary, meeting=agm_world.meeting,
                                         values={"place": "Church Hall, Mill Lane"},
                                         reason="The village hall is being repaired.")
    assert first.notice is not None and first.notice.kind == "boards.meeting_changed"
    assert change_messages(first).count() == served
    body = change_messages(first).filter(recipient=agm_world.extra[0]).get().body_text
    assert "Place: Church Hall, Mill Lane." in body and "being repaired" in body
    assert audit_entries(agm_world.society)[-1].data["messages"] == served
    second = changes.postpone_meeting(actor=agm_world.secretary, meeting=agm_world.meeting,
                                      held_on=agm_world.meeting.held_on + timedelta(days=7))
    assert second.notice_id != first.notice_id
    assert change_messages(second).count() == served
    # One message per member per change: the dedup keys differ between changes only.
    keys = list(Message.objects.filter(recipient=agm_world.extra[0],
                                       kind="boards.meeting_changed")
                .values_list("dedup_key", flat=True))
    assert len(keys) == len(set(keys)) == 2


def test_postponing_moves_the_day_and_the_proxy_deadline_and_keeps_proxies(agm_world,
                                                                           audit_entries):
    member = agm_world.extra[0]
    proxy = services.appoint_proxy(actor=member.user, meeting=agm_world.meeting,
                                   appointer=member, instructions={})
    old_deadline = services.proxy_deadline(agm_world.meeting)
    new_day = agm_world.meeting.held_on + timedelta(days=14)
    change = changes.postpone_meeting(actor=agm_world.secretary, meeting=agm_world.meeting,
                                      held_on=new_day, start_time=time(18, 30))
    agm_world.meeting.refresh_from_db()
    assert agm_world.meeting.held_on == new_day
    assert agm_world.meeting.start_time == time(18, 30)
    assert services.proxy_deadline(agm_world.meeting) > old_deadline
    proxy.refresh_from_db()
    assert proxy.is_live
    assert change.before["held_on"] == (new_day - timedelta(days=14)).isoformat()
    assert change.notice is None  # notice not yet served: nobody to tell
    entry = audit_entries(agm_world.society)[-1]
    assert (entry.action, entry.actor_id) == ("board.meeting_postponed", agm_world.secretary.pk)


def test_postponing_only_to_a_later_day(agm_world):
    day = agm_world.meeting.held_on
    for bad in (day, day - timedelta(days=3)):
        with pytest.raises(BoardError, match="Postpone to a day after"):
            changes.postpone_meeting(actor=agm_world.secretary, meeting=agm_world.meeting,
                                     held_on=bad)
    agm_world.meeting.refresh_from_db()
    assert agm_world.meeting.held_on == day


def test_a_held_meeting_cannot_be_changed(agm_world):
    meeting = agm_world.meeting
    after = meeting.held_on + timedelta(days=1)
    with pytest.raises(BoardError, match="held"):
        changes.edit_meeting_details(actor=agm_world.secretary, meeting=meeting,
                                     values={"place": "Elsewhere"}, today=after)
    with pytest.raises(BoardError, match="held"):
        changes.cancel_meeting(actor=agm_world.secretary, meeting=meeting, reason="x",
                               today=after)
    with pytest.raises(BoardError, match="held"):
        changes.postpone_meeting(actor=agm_world.secretary, meeting=meeting,
                                 held_on=after + timedelta(days=7), today=after)
    # Attendance recorded means the meeting is being held, whatever the date.
    services.record_attendance(actor=agm_world.secretary, meeting=meeting,
                               member=agm_world.extra[0], mode="in_person",
                               today=meeting.held_on)
    with pytest.raises(BoardError, match="held"):
        changes.edit_meeting_details(actor=agm_world.secretary, meeting=meeting,
                                     values={"place": "Elsewhere"})
    meeting.refresh_from_db()
    assert meeting.place == "Village Hall" and not MeetingChange.objects.exists()


def test_a_new_chair_is_recorded_without_a_notice(agm_world):
    serve(agm_world)
    change = changes.edit_meeting_details(actor=agm_world.secretary, meeting=agm_world.meeting,
                                          values={"chair_name": "Ben Baker"})
    assert change.notice is None and "In the chair: Ben Baker." in change.summary
    assert changes.edit_meeting_details(actor=agm_world.secretary, meeting=agm_world.meeting,
                                        values={"chair_name": "Ben Baker"}) is None


def test_the_start_cannot_move_before_advance_voting_closes(agm_world):
    contest = agm_world.item.resolution
    contest.voting_closes = services.meeting_starts_at(agm_world.meeting) - timedelta(hours=1)
    contest.save(update_fields=["voting_closes"])
    with pytest.raises(BoardError, match="cannot start before it closes"):
        changes.edit_meeting_details(actor=agm_world.secretary, meeting=agm_world.meeting,
                                     values={"start_time": time(17)})
    agm_world.meeting.refresh_from_db()
    assert agm_world.meeting.start_time == time(19)


def test_adjourning_resumes_the_same_meeting_with_attendance_taken_afresh(agm_world,
                                                                         audit_entries):
    meeting = agm_world.meeting
    day = meeting.held_on
    giver, present = agm_world.extra[0], agm_world.extra[1]
    proxy = services.appoint_proxy(actor=giver.user, meeting=meeting, appointer=giver,
                                   holder=None, instructions={agm_world.item: "for"})
    services.record_attendance(actor=agm_world.secretary, meeting=meeting, member=present,
                               mode="in_person", today=day)
    with pytest.raises(BoardError, match="postpone it"):
        changes.adjourn_meeting(actor=agm_world.secretary, meeting=meeting,
                                held_on=day + timedelta(days=7), today=day - timedelta(days=1))
    change = changes.adjourn_meeting(actor=agm_world.secretary, meeting=meeting,
                                     held_on=day + timedelta(days=7), today=day,
                                     reason="Not quorate.")
    meeting.refresh_from_db()
    assert meeting.adjourned_from == day and meeting.held_on == day + timedelta(days=7)
    assert not Attendance.objects.filter(meeting=meeting).exists()
    assert change.before["attendance"] == [{"member": present.member_number,
                                            "mode": "in_person"}]
    proxy.refresh_from_db()
    assert proxy.is_live
    entry = audit_entries(agm_world.society)[-1]
    assert (entry.action, entry.actor_id) == ("board.meeting_adjourned", agm_world.secretary.pk)
    # Adjourned again: it still first met on the original day.
    changes.adjourn_meeting(actor=agm_world.secretary, meeting=meeting,
                            held_on=day + timedelta(days=14), today=day + timedelta(days=7))
    meeting.refresh_from_db()
    assert meeting.adjourned_from == day


def test_adjourning_to_a_day_not_after_today_is_refused(agm_world):
    day = agm_world.meeting.held_on
    with pytest.raises(BoardError, match="later day"):
        changes.adjourn_meeting(actor=agm_world.secretary, meeting=agm_world.meeting,
                                held_on=day, today=day)
    agm_world.meeting.refresh_from_db()
    assert agm_world.meeting.adjourned_from is None


# Pages


def murl(agm, name):
    return reverse(f"boards:{name}", kwargs={"society_slug": agm.society.slug,
                                             "public_id": agm.meeting.public_id})


@pytest.mark.parametrize("name", ["meeting_cancel", "meeting_postpone", "meeting_adjourn",
                                  "meeting_edit"])
def test_the_change_pages_by_persona(agm_world, name):
    world = agm_world.board_world.world
    assert {p: world.client(p).get(murl(agm_world, name)).status_code for p in PERSONAS} == {
        "secretary": 200, "returning_officer": 403, "board_member": 403, "auditor": 403,
        "member": 403, "outsider": 404}


def test_the_secretary_cancels_and_the_page_says_so(agm_world):
    client = agm_world.board_world.world.client("secretary")
    page = client.get(murl(agm_world, "meeting")).content.decode()
    assert "Cancel the meeting" in page and "Postpone" in page
    response = client.post(murl(agm_world, "meeting_cancel"), {"reason": "Snowed in."})
    assert response.status_code == 302
    page = client.get(murl(agm_world, "meeting")).content.decode()
    assert "Cancelled" in page and "Snowed in." in page and "Cancel the meeting" not in page
    member_page = agm_world.board_world.world.client("member").get(
        murl(agm_world, "meeting")).content.decode()
    assert "Snowed in." in member_page and "Appoint a proxy" not in member_page


def test_bad_input_names_the_field_and_changes_nothing(agm_world):
    client = agm_world.board_world.world.client("secretary")
    response = client.post(murl(agm_world, "meeting_cancel"), {"reason": ""})
    assert response.status_code == 400 and "This field is required." in response.content.decode()
    response = client.post(murl(agm_world, "meeting_postpone"), {"held_on": "next week"})
    assert response.status_code == 400 and "Enter a valid date." in response.content.decode()
    response = client.post(murl(agm_world, "meeting_edit"), {
        "start_time": "19:00", "place": "Village Hall", "duration_minutes": "0"})
    assert response.status_code == 400
    response = client.post(murl(agm_world, "meeting_postpone"), {
        "held_on": (agm_world.meeting.held_on - timedelta(days=1)).isoformat()})
    assert response.status_code == 400 and "Postpone to a day after" in response.content.decode()
    agm_world.meeting.refresh_from_db()
    assert not agm_world.meeting.is_cancelled and not MeetingChange.objects.exists()


def test_the_secretary_edits_the_details(agm_world):
    client = agm_world.board_world.world.client("secretary")
    response = client.post(murl(agm_world, "meeting_edit"), {
        "start_time": "19:00", "place": "Church Hall", "online_link": "",
        "chair_name": "Ann Able", "duration_minutes": "90", "reason": ""})
    assert response.status_code == 302
    agm_world.meeting.refresh_from_db()
    assert agm_world.meeting.place == "Church Hall"
    assert agm_world.meeting.duration_minutes == 90
    page = client.get(murl(agm_world, "meeting")).content.decode()
    assert "Changes since it was called" in page and "Place: Church Hall." in page


def test_the_calendar_file_carries_the_change(agm_world):
    client = agm_world.board_world.world.client("member")
    before = client.get(murl(agm_world, "meeting_ics")).content.decode()
    assert "SEQUENCE:0" in before and "STATUS:CONFIRMED" in before
    changes.cancel_meeting(actor=agm_world.secretary, meeting=agm_world.meeting,
                           reason="Called off.")
    after = client.get(murl(agm_world, "meeting_ics")).content.decode()
    assert "SEQUENCE:1" in after and "STATUS:CANCELLED" in after
    listing = client.get(reverse("boards:meetings", kwargs={
        "society_slug": agm_world.society.slug})).content.decode()
    assert "(cancelled)" in listing
