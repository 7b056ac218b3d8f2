"""General meetings: agenda, notice, proxies, attendance, quorum, the combined vote on a
resolution, and minutes locked once approved."""

from datetime import date, timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from ballots import services as ballot_services
from ballots.models import ResolutionTally
from boards import services
from boards.models import (
    AgendaItem,
    Attendance,
    Decision,
    MeetingVote,
    Minutes,
    ProxyAppointment,
)
from boards.services import BoardError
from notifications.models import Message
from tests.audit_helpers import assert_one_audit_entry, last_audit_id
from tests.boards.conftest import open_and_vote


def actions(audit_entries, society):
    return [(e.action, e.actor_id) for e in audit_entries(society)]


# Agenda


def test_a_resolution_goes_on_the_agenda_through_ballots(agm_world, audit_entries):
    item = agm_world.item
    assert item.position == 1 and item.kind == "resolution"
    assert item.resolution.is_resolution and item.resolution.resolution_kind == "special"
    entries = audit_entries(agm_world.society)
    assert [e.action for e in entries[-3:]] == ["election.created", "resolution.proposed",
                                                 "board.agenda_item_added"]
    assert entries[-1].actor_id == agm_world.secretary.pk


def test_advance_voting_must_close_by_the_meeting(agm_world):
    with pytest.raises(BoardError, match="close by the time the meeting starts"):
        services.put_resolution_on_agenda(
            actor=agm_world.secretary, meeting=agm_world.meeting, title="Late",
            text="That…", voting_opens=timezone.now(),
            voting_closes=timezone.now() + timedelta(days=60), record_date=timezone.localdate())
    assert AgendaItem.objects.filter(meeting=agm_world.meeting).count() == 1


def test_agenda_items_take_the_next_position(agm_world, audit_entries):
    since = last_audit_id(agm_world.society)
    report = services.add_agenda_item(actor=agm_world.secretary, meeting=agm_world.meeting,
                                      kind="report", title="Annual report",
                                      paper_text="We had a good year.")
    assert report.position == 2
    assert_one_audit_entry(agm_world.society, "board.agenda_item_added",
                           actor=agm_world.secretary, target=report, since=since)
    with pytest.raises(BoardError, match="title"):
        services.add_agenda_item(actor=agm_world.secretary, meeting=agm_world.meeting,
                                 kind="report", title="  ")


# Notice


def test_serving_notice_writes_one_message_per_member_and_is_idempotent(agm_world,
                                                                        audit_entries):
    meeting = agm_world.meeting
    since = last_audit_id(agm_world.society)
    written = services.serve_notice(actor=agm_world.secretary, meeting=meeting)
    assert written == 8
    meeting.refresh_from_db()
    assert meeting.notice_served_at is not None
    messages = Message.objects.filter(notice=meeting.notice)
    assert messages.count() == 8
    body = messages.filter(recipient=agm_world.extra[0]).get().body_text
    assert "Special resolution (needs 2/3 of the votes cast)" in body
    assert "rule 12 be amended" in body
    assert f"/meetings/{meeting.public_id}/proxy/" in body
    assert_one_audit_entry(agm_world.society, "board.notice_served", actor=agm_world.secretary,
                           target=meeting, since=since)
    # Again: nobody gets a second copy.
    assert services.serve_notice(actor=agm_world.secretary, meeting=meeting) == 0
    assert Message.objects.filter(notice=meeting.notice).count() == 8


def test_notice_by_post_goes_as_a_letter(agm_world):
    services.serve_notice(actor=agm_world.secretary, meeting=agm_world.meeting)
    agm_world.meeting.refresh_from_db()
    letter = Message.objects.get(notice=agm_world.meeting.notice,
                                 recipient=agm_world.member("member"))
    assert letter.channel == "post"
    assert "PROXY FORM" in letter.body_text


def test_notice_is_refused_when_too_late_for_the_clear_days(agm_world):
    meeting = agm_world.meeting
    too_late = meeting.notice_served_by + timedelta(days=1)
    with pytest.raises(BoardError, match="Too late"):
        services.serve_notice(actor=agm_world.secretary, meeting=meeting, today=too_late)
    meeting.refresh_from_db()
    assert meeting.notice_id is None
    assert not Message.objects.filter(kind=services.MEETING_NOTICE_KIND).exists()


def test_notice_by_post_is_refused_after_the_posting_date(agm_world):
    meeting = agm_world.meeting
    with pytest.raises(BoardError, match="by post"):
        services.serve_notice(actor=agm_world.secretary, meeting=meeting,
                              today=meeting.notice_served_by)


def test_no_resolution_is_added_after_notice(agm_world):
    services.serve_notice(actor=agm_world.secretary, meeting=agm_world.meeting)
    with pytest.raises(BoardError, match="Notice of this meeting has been served"):
        services.put_resolution_on_agenda(
            actor=agm_world.secretary, meeting=agm_world.meeting, title="Late",
            text="That…", voting_opens=timezone.now(),
            voting_closes=timezone.now() + timedelta(days=1), record_date=timezone.localdate())


# Proxies


def appoint(agm, appointer, holder=None, instruction="for", **kwargs):
    return services.appoint_proxy(actor=appointer.user, meeting=agm.meeting,
                                  appointer=appointer, holder=holder,
                                  instructions={agm.item.public_id: instruction}, **kwargs)


def test_a_member_appoints_a_proxy_with_an_instruction(agm_world, audit_entries):
    ann, ben = agm_world.extra[:2]
    since = last_audit_id(agm_world.society)
    appointment = appoint(agm_world, ann, ben, "against")
    assert appointment.holder == ben
    instruction = appointment.instructions.get()
    assert (instruction.agenda_item, instruction.instruction) == (agm_world.item, "against")
    entry = assert_one_audit_entry(agm_world.society, "board.proxy_appointed", actor=ann.user,
                                   target=appointment, since=since)
    assert entry.data["holder"] == ben.member_number


def test_the_chair_may_be_the_proxy_and_a_missing_instruction_is_discretion(agm_world):
    ann = agm_world.extra[0]
    appointment = services.appoint_proxy(actor=None, meeting=agm_world.meeting,
                                         appointer=ann, instructions={})
    assert appointment.holder_display == "The chair of the meeting"
    assert appointment.instructions.get().instruction == "discretion"


def test_an_instruction_for_another_meeting_is_refused(agm_world):
    other = services.schedule_meeting(actor=agm_world.secretary, society=agm_world.society,
                                      kind="special",
                                      held_on=agm_world.meeting.held_on + timedelta(days=7))
    other_item = services.add_agenda_item(actor=agm_world.secretary, meeting=other,
                                          kind="other", title="Any other business")
    with pytest.raises(BoardError, match="not on this meeting's agenda"):
        services.appoint_proxy(actor=None, meeting=agm_world.meeting,
                               appointer=agm_world.extra[0],
                               instructions={other_item.public_id: "for"})
    assert not ProxyAppointment.objects.exists()


def test_proxies_close_at_the_deadline(agm_world):
    deadline = services.proxy_deadline(agm_world.meeting)
    assert deadline == services.meeting_starts_at(agm_world.meeting) - timedelta(hours=48)
    appoint(agm_world, agm_world.extra[0], now=deadline - timedelta(minutes=1))
    with pytest.raises(BoardError, match="Too late"):
        appoint(agm_world, agm_world.extra[1], now=deadline)
    assert ProxyAppointment.objects.count() == 1


def test_a_new_appointment_replaces_the_old_and_revoking_ends_it(agm_world, audit_entries):
    ann, ben, cat = agm_world.extra[:3]
    first = appoint(agm_world, ann, ben)
    second = appoint(agm_world, ann, cat)
    first.refresh_from_db()
    assert first.revoked_reason == "replaced"
    since = last_audit_id(agm_world.society)
    services.revoke_proxy(actor=ann.user, appointment=second)
    second.refresh_from_db()
    assert second.revoked_reason == "revoked" and second.revoked_at is not None
    assert_one_audit_entry(agm_world.society, "board.proxy_revoked", actor=ann.user,
                           target=second, since=since)
    with pytest.raises(BoardError, match="already ended"):
        services.revoke_proxy(actor=ann.user, appointment=second)


def test_the_database_allows_one_live_appointment_per_member(agm_world):
    ann = agm_world.extra[0]
    appoint(agm_world, ann)
    with pytest.raises(IntegrityError), transaction.atomic():
        ProxyAppointment.objects.create(society=agm_world.society, meeting=agm_world.meeting,
                                        appointer=ann)


def test_a_member_cannot_be_their_own_proxy(agm_world):
    ann = agm_world.extra[0]
    with pytest.raises(BoardError, match="own proxy"):
        appoint(agm_world, ann, ann)


def test_a_holder_carries_at_most_the_cap(agm_world):
    society = agm_world.society
    society.proxy_max_per_holder = 2
    society.save()
    agm_world.meeting.society.refresh_from_db()
    eve = agm_world.extra[4]
    for appointer in agm_world.extra[:2]:
        appoint(agm_world, appointer, eve)
    with pytest.raises(BoardError, match="already holds 2 proxies"):
        appoint(agm_world, agm_world.extra[2], eve)
    # The chair is not capped.
    for appointer in agm_world.extra[2:4]:
        appoint(agm_world, appointer, None)
    assert ProxyAppointment.objects.filter(holder=eve, revoked_at__isnull=True).count() == 2


def test_attending_in_person_revokes_the_proxy(agm_world, audit_entries):
    ann, ben = agm_world.extra[:2]
    appointment = appoint(agm_world, ann, ben)
    since = last_audit_id(agm_world.society)
    services.record_attendance(today=agm_world.meeting.held_on,
                               actor=agm_world.secretary, meeting=agm_world.meeting,
                               member=ann, mode="in_person")
    appointment.refresh_from_db()
    assert appointment.revoked_reason == "attended"
    entry = assert_one_audit_entry(agm_world.society, "board.attendance_recorded",
                                   actor=agm_world.secretary, since=since)
    assert entry.data["proxy_revoked"] == [str(appointment.public_id)]
    with pytest.raises(BoardError, match="votes in person"):
        appoint(agm_world, ann, ben)


def test_apologies_keep_the_proxy(agm_world):
    ann, ben = agm_world.extra[:2]
    appointment = appoint(agm_world, ann, ben)
    services.record_attendance(today=agm_world.meeting.held_on,
                               actor=agm_world.secretary, meeting=agm_world.meeting,
                               member=ann, mode="apologies")
    appointment.refresh_from_db()
    assert appointment.revoked_at is None


# Attendance and quorum


def test_attendance_is_one_row_per_member_and_changes_in_place(agm_world):
    ann = agm_world.extra[0]
    for mode in ("apologies", "online"):
        services.record_attendance(today=agm_world.meeting.held_on,
                               actor=agm_world.secretary, meeting=agm_world.meeting,
                                   member=ann, mode=mode)
    assert Attendance.objects.get(meeting=agm_world.meeting, member=ann).mode == "online"


def test_quorum_counts_proxies_only_where_the_rules_say(agm_world):
    society = agm_world.society
    society.quorum_minimum_members = 3
    society.save()
    ann, ben, cat = agm_world.extra[:3]
    appoint(agm_world, cat, None)
    for member in (ann, ben):
        services.record_attendance(today=agm_world.meeting.held_on,
                               actor=agm_world.secretary, meeting=agm_world.meeting,
                                   member=member, mode="in_person")
    meeting = type(agm_world.meeting).objects.get(pk=agm_world.meeting.pk)
    assert services.meeting_quorum(meeting).quorate
    society.quorum_counts_proxies = False
    society.save()
    meeting = type(agm_world.meeting).objects.get(pk=agm_world.meeting.pk)
    quorum = services.meeting_quorum(meeting)
    assert not quorum.quorate and quorum.required == 3 and quorum.present == 2


def test_quorum_percentage_of_the_roll(agm_world):
    society = agm_world.society
    society.quorum_minimum_members, society.quorum_percent = 1, 50
    society.save()
    meeting = type(agm_world.meeting).objects.get(pk=agm_world.meeting.pk)
    assert services.meeting_quorum(meeting).required == 4  # half of 8


# The vote


def quorate(agm, members):
    for member in members:
        services.record_attendance(today=agm.meeting.held_on, actor=agm.secretary,
                                   meeting=agm.meeting, member=member,
                                   mode="in_person")


def test_no_vote_without_a_quorum(agm_world):
    open_and_vote(agm_world, {})
    quorate(agm_world, agm_world.extra[:1])  # 1 present, 3 needed
    with pytest.raises(BoardError, match="No vote without a quorum"):
        services.vote_on_resolution(today=agm_world.meeting.held_on,
                                    actor=agm_world.secretary, item=agm_world.item,
                                    room_for=1, room_against=0)
    assert not Decision.objects.exists()
    assert not MeetingVote.objects.exists()


def test_no_vote_while_advance_voting_is_open(agm_world):
    ballot_services.open_voting(actor=agm_world.secretary, contest=agm_world.contest)
    quorate(agm_world, agm_world.extra[:3])
    with pytest.raises(BoardError, match="still open"):
        services.vote_on_resolution(today=agm_world.meeting.held_on,
                                    actor=agm_world.secretary, item=agm_world.item,
                                    room_for=3, room_against=0)
    assert not Decision.objects.exists()


def test_advance_proxy_and_room_votes_combine_into_one_decision(agm_world, audit_entries):
    ann, ben, cat, dan, eve = agm_world.extra
    member, board_member = agm_world.member("member"), agm_world.member("board_member")
    # Advance: 1 for, 1 against. Proxies: dan for (held by the chair), eve at discretion.
    appoint(agm_world, dan, None, "for")
    appoint(agm_world, eve, ann, "discretion")
    open_and_vote(agm_world, {member: "for", board_member: "against"})
    quorate(agm_world, [ann, ben, cat])
    since = last_audit_id(agm_world.society)
    vote = services.vote_on_resolution(
        today=agm_world.meeting.held_on, actor=agm_world.secretary, item=agm_world.item,
        room_for=3, room_against=0, room_abstain=0, discretion_for=1)
    assert (vote.online_for, vote.online_against) == (1, 1)
    assert (vote.proxy_for, vote.proxy_against) == (2, 0)
    assert (vote.room_for, vote.room_against) == (3, 0)
    decision = vote.decision
    assert (decision.votes_for, decision.votes_against) == (6, 1)
    assert decision.outcome == "carried" and decision.meeting == agm_world.meeting
    assert decision.text.startswith("Special resolution")
    assert (vote.quorum_present, vote.quorum_required) == (5, 3)
    tallies = {t.source: (t.votes_for, t.votes_against)
               for t in ResolutionTally.objects.filter(contest=agm_world.contest)}
    assert tallies == {"proxy": (2, 0), "meeting": (3, 0)}
    entry = assert_one_audit_entry(agm_world.society, "board.resolution_voted",
                                   actor=agm_world.secretary, target=vote, since=since)
    assert entry.data["decision"] == decision.number
    with pytest.raises(BoardError, match="already been voted"):
        services.vote_on_resolution(today=agm_world.meeting.held_on,
                                    actor=agm_world.secretary, item=agm_world.item,
                                    room_for=1, room_against=0)


def test_a_special_resolution_fails_short_of_its_fraction(agm_world):
    open_and_vote(agm_world, {})
    quorate(agm_world, agm_world.extra + [agm_world.member(p) for p in
                                          ("secretary", "member", "board_member")])
    vote = services.vote_on_resolution(today=agm_world.meeting.held_on,
                                    actor=agm_world.secretary, item=agm_world.item,
                                       room_for=5, room_against=3)
    assert vote.decision.outcome == "not_carried"  # 5/8 < 2/3


def test_instructions_go_to_the_right_resolution(agm_world):
    second = services.put_resolution_on_agenda(
        actor=agm_world.secretary, meeting=agm_world.meeting, title="Accounts",
        text="That the accounts be received.", voting_opens=timezone.now(),
        voting_closes=timezone.now() + timedelta(days=1), record_date=timezone.localdate())
    dan = agm_world.extra[3]
    services.appoint_proxy(actor=None, meeting=agm_world.meeting, appointer=dan,
                           instructions={agm_world.item.public_id: "against",
                                         second.public_id: "for"})
    assert services.instructed_proxy_votes(agm_world.item)["against"] == 1
    assert services.instructed_proxy_votes(agm_world.item)["for"] == 0
    assert services.instructed_proxy_votes(second)["for"] == 1


def test_a_proxy_of_a_member_who_voted_in_advance_is_not_counted_again(agm_world):
    member = agm_world.member("member")
    appoint(agm_world, member, None, "for")
    open_and_vote(agm_world, {member: "against"})
    assert services.instructed_proxy_votes(agm_world.item)["for"] == 0


def test_a_proxy_whose_holder_is_absent_is_not_counted(agm_world):
    ann, ben = agm_world.extra[:2]
    appoint(agm_world, ann, ben, "for")
    assert services.instructed_proxy_votes(agm_world.item)["for"] == 0
    quorate(agm_world, [ben])
    assert services.instructed_proxy_votes(agm_world.item)["for"] == 1


def test_discretionary_votes_cannot_exceed_the_discretionary_proxies(agm_world):
    open_and_vote(agm_world, {})
    quorate(agm_world, agm_world.extra[:3])
    with pytest.raises(BoardError, match="at the holder's discretion"):
        services.vote_on_resolution(today=agm_world.meeting.held_on,
                                    actor=agm_world.secretary, item=agm_world.item,
                                    room_for=2, room_against=0, discretion_for=1)
    assert not Decision.objects.exists()


def test_the_casting_vote_only_where_the_rules_give_one(agm_world):
    agm_world.contest.resolution_kind = "ordinary"
    agm_world.contest.save()
    open_and_vote(agm_world, {})
    quorate(agm_world, agm_world.extra[:3])
    society = agm_world.society
    quorate(agm_world, agm_world.extra[3:4])  # four present: two for, two against
    society.chair_casting_vote = False
    society.save()
    item = AgendaItem.objects.get(pk=agm_world.item.pk)
    with pytest.raises(BoardError, match="no casting vote"):
        services.vote_on_resolution(today=agm_world.meeting.held_on,
                                    actor=agm_world.secretary, item=item, room_for=2,
                                    room_against=2, casting_vote="for")
    society.chair_casting_vote = True
    society.save()
    item = AgendaItem.objects.get(pk=agm_world.item.pk)
    vote = services.vote_on_resolution(today=agm_world.meeting.held_on,
                                    actor=agm_world.secretary, item=item, room_for=2,
                                       room_against=2, casting_vote="for")
    assert vote.decision.outcome == "carried" and vote.decision.casting_vote_used


def test_no_revoking_once_voting_has_begun(agm_world):
    ann = agm_world.extra[0]
    appointment = appoint(agm_world, ann, None)
    open_and_vote(agm_world, {})
    quorate(agm_world, agm_world.extra[1:4])
    services.vote_on_resolution(today=agm_world.meeting.held_on,
                                    actor=agm_world.secretary, item=agm_world.item, room_for=3,
                                room_against=0)
    with pytest.raises(BoardError, match="Voting at the meeting has begun"):
        services.revoke_proxy(actor=ann.user, appointment=appointment)


# Minutes


def test_minutes_are_drafted_from_the_record(held_meetings, board_world, audit_entries):
    first, _ = held_meetings
    services.add_agenda_item(actor=board_world.secretary, meeting=first, kind="report",
                             title="Chair's report")
    services.record_attendance(actor=board_world.secretary, meeting=first,
                               member=board_world.member("member"), mode="in_person")
    services.record_attendance(actor=board_world.secretary, meeting=first,
                               member=board_world.member("board_member"), mode="apologies")
    since = last_audit_id(board_world.society)
    minutes = services.draft_minutes(actor=board_world.secretary, meeting=first)
    assert "Present (1):" in minutes.text and "Apologies (1):" in minutes.text
    assert "1. Chair's report (Report)" in minutes.text
    assert "Quorum:" in minutes.text
    assert_one_audit_entry(board_world.society, "board.minutes_drafted",
                           actor=board_world.secretary, target=minutes, since=since)
    with pytest.raises(BoardError, match="already drafted"):
        services.draft_minutes(actor=board_world.secretary, meeting=first)


def approved(board_world, held_meetings):
    first, later = held_meetings
    minutes = services.draft_minutes(actor=board_world.secretary, meeting=first)
    services.edit_minutes(actor=board_world.secretary, minutes=minutes, text="Edited text")
    return services.approve_minutes(actor=board_world.secretary, minutes=minutes,
                                    at_meeting=later, proposer="Ann")


def test_approval_records_a_decision_of_the_later_meeting(held_meetings, board_world,
                                                          audit_entries):
    since = last_audit_id(board_world.society)
    minutes = approved(board_world, held_meetings)
    first, later = held_meetings
    assert minutes.approved_on == later.held_on
    decision = minutes.approval_decision
    assert decision.meeting == later and decision.outcome == "carried"
    assert str(first) in decision.text
    # approved() drafts and edits the minutes first: the approval is the last entry.
    entry = assert_one_audit_entry(board_world.society, "board.minutes_approved",
                                   actor=board_world.secretary, target=minutes, since=since,
                                   alone=False)
    assert audit_entries(board_world.society)[-1] == entry


def test_minutes_are_approved_only_at_a_later_meeting_already_held(held_meetings, board_world):
    first, later = held_meetings
    minutes = services.draft_minutes(actor=board_world.secretary, meeting=later)
    with pytest.raises(BoardError, match="later meeting"):
        services.approve_minutes(actor=board_world.secretary, minutes=minutes,
                                 at_meeting=first)
    future = services.schedule_meeting(actor=board_world.secretary,
                                       society=board_world.society, kind="special",
                                       held_on=timezone.localdate() + timedelta(days=30))
    with pytest.raises(BoardError, match="not been held"):
        services.approve_minutes(actor=board_world.secretary, minutes=minutes,
                                 at_meeting=future)
    minutes.refresh_from_db()
    assert minutes.approved_on is None


def test_approved_minutes_refuse_the_service(held_meetings, board_world):
    minutes = approved(board_world, held_meetings)
    with pytest.raises(BoardError, match="locked"):
        services.edit_minutes(actor=board_world.secretary, minutes=minutes, text="New")
    with pytest.raises(BoardError, match="locked"):
        services.approve_minutes(actor=board_world.secretary, minutes=minutes,
                                 at_meeting=held_meetings[1])


def test_approved_minutes_refuse_save_and_delete(held_meetings, board_world):
    minutes = approved(board_world, held_meetings)
    fresh = Minutes.objects.get(pk=minutes.pk)
    fresh.text = "Quietly changed"
    with pytest.raises(ValueError, match="locked"):
        fresh.save()
    with pytest.raises(ValueError, match="locked"):
        fresh.delete()
    # Even an instance loaded before approval cannot be saved over the approved row.
    assert Minutes.objects.get(pk=minutes.pk).text == "Edited text\n"


def test_an_instance_loaded_before_approval_cannot_overwrite(held_meetings, board_world):
    first, later = held_meetings
    minutes = services.draft_minutes(actor=board_world.secretary, meeting=first)
    stale = Minutes.objects.get(pk=minutes.pk)
    services.approve_minutes(actor=board_world.secretary, minutes=minutes, at_meeting=later)
    stale.text = "Overwrite"
    with pytest.raises(ValueError, match="locked"):
        stale.save()


def test_approved_minutes_refuse_queryset_update_and_delete(held_meetings, board_world):
    minutes = approved(board_world, held_meetings)
    with pytest.raises(ValueError, match="locked"):
        Minutes.objects.filter(pk=minutes.pk).update(text="Bulk change")
    with pytest.raises(ValueError, match="locked"):
        Minutes.objects.filter(pk=minutes.pk).delete()
    assert Minutes.objects.get(pk=minutes.pk).text == "Edited text\n"


def test_draft_minutes_can_still_be_updated_in_bulk(held_meetings, board_world):
    minutes = services.draft_minutes(actor=board_world.secretary, meeting=held_meetings[0])
    assert Minutes.objects.filter(pk=minutes.pk).update(text="Draft two") == 1


@pytest.mark.skipif(connection.vendor != "postgresql",
                    reason="the trigger is PostgreSQL's: runs in CI's PostgreSQL leg")
@pytest.mark.django_db(transaction=True)
def test_the_database_refuses_raw_changes_to_approved_minutes(held_meetings, board_world):
    from django.db import DatabaseError

    minutes = approved(board_world, held_meetings)
    for sql in ("UPDATE boards_minutes SET text = 'raw' WHERE id = %s",
                "DELETE FROM boards_minutes WHERE id = %s"):
        with pytest.raises(DatabaseError, match="approved minutes are locked"), \
                transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [minutes.pk])
    assert Minutes.objects.get(pk=minutes.pk).text == "Edited text\n"


def test_the_database_lets_draft_minutes_change(held_meetings, board_world):
    minutes = services.draft_minutes(actor=board_world.secretary, meeting=held_meetings[0])
    with connection.cursor() as cursor:
        cursor.execute("UPDATE boards_minutes SET text = 'raw' WHERE id = %s", [minutes.pk])
    assert Minutes.objects.get(pk=minutes.pk).text == "raw"


# Meeting rules


def test_meeting_rules_are_set_with_an_audit_entry(board_world, audit_entries):
    since = last_audit_id(board_world.society)
    society = services.set_meeting_rules(
        actor=board_world.secretary, society=board_world.society, quorum_minimum_members=10,
        quorum_percent=5, quorum_counts_proxies=False, proxy_deadline_hours=72,
        proxy_max_per_holder=None, chair_casting_vote=False)
    assert society.quorum_minimum_members == 10 and society.proxy_max_per_holder is None
    assert_one_audit_entry(society, "board.meeting_rules_set", actor=board_world.secretary,
                           target=society, since=since)
    with pytest.raises(BoardError, match="percentage"):
        services.set_meeting_rules(
            actor=board_world.secretary, society=society, quorum_minimum_members=10,
            quorum_percent=150, quorum_counts_proxies=False, proxy_deadline_hours=72,
            proxy_max_per_holder=None, chair_casting_vote=False)


def test_decisions_link_to_the_member_they_admit(board_world):
    member = board_world.member("member")
    decision = services.record_decision(
        actor=board_world.secretary, society=board_world.society,
        text="Admit Mo Member", decided_on=date(2026, 1, 5), outcome="carried", member=member)
    assert list(member.decisions.all()) == [decision]


def test_approved_minutes_cannot_change_in_the_admin(held_meetings, board_world, client):
    from django.urls import reverse

    from tests.conftest import make_user

    minutes = approved(board_world, held_meetings)
    operator = make_user("operator@omov.test", mfa=True)
    operator.is_staff = operator.is_superuser = True
    operator.save()
    client.force_login(operator)
    change = reverse("admin:boards_minutes_change", args=[minutes.pk])
    assert client.get(change).status_code == 200  # a view of the record
    assert client.post(change, {"text": "Changed"}).status_code == 403
    delete = reverse("admin:boards_minutes_delete", args=[minutes.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert Minutes.objects.get(pk=minutes.pk).text == "Edited text\n"


def test_a_board_meeting_takes_no_members_resolution(agm_world):
    board_meeting = services.schedule_meeting(
        actor=agm_world.secretary, society=agm_world.society, kind="board",
        body=agm_world.board_world.board, held_on=timezone.localdate() + timedelta(days=3))
    with pytest.raises(BoardError, match="belong to general meetings"):
        services.add_agenda_item(actor=agm_world.secretary, meeting=board_meeting,
                                 kind="resolution", title="Rules",
                                 resolution=agm_world.contest)
    assert not board_meeting.agenda_items.exists()
