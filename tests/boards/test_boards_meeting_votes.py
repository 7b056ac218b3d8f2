"""A meeting's vote cannot record the impossible: it waits for the meeting (its day, attendance
taken), the figures fit those present and the proxies held, a confirmed plan is re-checked
under the row locks, and a wrong entry is corrected by a reversing entry, never an edit.
Attendance is taken many members at a time, all or nothing."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction

from ballots import services as ballot_services
from ballots.models import ResolutionTally
from boards import changes, rules, services
from boards.models import (
    Attendance,
    Decision,
    MeetingVote,
    ProxyAppointment,
)
from boards.services import BoardError, VoteCountError, VoteFiguresChanged
from members.models import Member
from societies.models import AuditEntry
from tests.boards.conftest import close_advance_voting


@pytest.fixture
def agm(agm_world):
    """The AGM with advance voting closed (no ballots) and its day come: `agm.day`."""
    close_advance_voting(agm_world)
    agm_world.day = agm_world.meeting.held_on
    return agm_world


def present(agm, members, mode="in_person"):
    return services.record_attendance_many(actor=agm.secretary, meeting=agm.meeting,
                                           members=members, mode=mode, today=agm.day)


def vote(agm, **figures):
    figures.setdefault("room_against", 0)
    return services.vote_on_resolution(actor=agm.secretary, item=agm.item, today=agm.day,
                                       **figures)


def everyone(agm):
    return agm.extra + [agm.member(p) for p in ("secretary", "member", "board_member")]


def unchanged(before):
    """Nothing written: no decision, no vote, no tally, no audit entry since `before`."""
    assert not Decision.objects.exists() and not MeetingVote.objects.exists()
    assert not ResolutionTally.objects.exists()
    assert AuditEntry.objects.count() == before


# --- The meeting must have begun -----------------------------------------------------------


def test_no_vote_for_a_meeting_in_the_future(agm):
    present(agm, agm.extra[:3])
    before = AuditEntry.objects.count()
    with pytest.raises(BoardError, match="has not started: it is on"):
        services.vote_on_resolution(actor=agm.secretary, item=agm.item, room_for=3,
                                    room_against=0, today=agm.day - timedelta(days=1))
    unchanged(before)


def test_no_vote_before_the_attendance_is_taken(agm):
    before = AuditEntry.objects.count()
    with pytest.raises(BoardError, match="Take the attendance first"):
        vote(agm, room_for=1)
    unchanged(before)


def test_a_cancelled_meeting_never_votes(agm):
    changes.cancel_meeting(actor=agm.secretary, meeting=agm.meeting, reason="Hall flooded",
                           today=agm.day - timedelta(days=3))
    agm.item.meeting.refresh_from_db()
    before = AuditEntry.objects.count()
    with pytest.raises(BoardError, match="cancelled"):
        vote(agm, room_for=1)
    unchanged(before)


# --- The figures fit the room --------------------------------------------------------------


def test_forty_for_with_five_present_is_refused_and_nothing_is_written(agm):
    ann, ben = agm.extra[:2]
    for appointer in (agm.member("member"), agm.member("board_member")):
        services.appoint_proxy(actor=None, meeting=agm.meeting, appointer=appointer,
                               holder=ann, instructions={agm.item: "discretion"})
    present(agm, [ann, ben, *agm.extra[2:5]])
    before = AuditEntry.objects.count()
    with pytest.raises(VoteCountError) as refused:
        vote(agm, room_for=40)
    assert str(refused.value) == ("40 votes for, but only 5 members are present and 2 proxies "
                                  "held at the holders' discretion: at most 7 votes can be "
                                  "cast.")
    [problem] = refused.value.problems
    assert (problem.source, problem.answer) == ("room", "for")
    unchanged(before)
    # Every vote there is fits: 5 in the room, 2 proxies as their holder voted them.
    assert vote(agm, room_for=4, room_abstain=1, discretion_for=1,
                discretion_against=1).decision.votes_for == 5


def test_a_member_who_voted_in_advance_has_no_second_vote_in_the_room(agm_world):
    ann, ben, cat = agm_world.extra[:3]
    contest = agm_world.contest
    ballot_services.open_voting(actor=agm_world.secretary, contest=contest)
    ballot_services.cast_ballot(actor=ann.user, contest=contest, member=ann, choices="for")
    close_advance_voting(agm_world)
    agm_world.day = agm_world.meeting.held_on
    present(agm_world, [ann, ben, cat])
    voters = services.voters_at_meeting(agm_world.item)
    assert (voters.present, voters.voted_in_advance) == (2, 1)
    with pytest.raises(VoteCountError, match="1 member present voted in advance"):
        vote(agm_world, room_for=3)
    recorded = vote(agm_world, room_for=2)
    assert (recorded.online_for, recorded.room_for, recorded.decision.votes_for) == (1, 2, 3)


def test_apologies_are_not_present(agm):
    present(agm, agm.extra[:3])
    present(agm, agm.extra[3:], mode="apologies")
    with pytest.raises(VoteCountError, match="only 3 members are present"):
        vote(agm, room_for=5)


# --- Planning, then confirming ---------------------------------------------------------------


def test_planning_writes_nothing_and_gives_the_result(agm):
    present(agm, agm.extra[:4])
    before = AuditEntry.objects.count()
    plan = services.plan_vote(agm.item, room=rules.Count(2, 1, 1), discretion=rules.Count(),
                              today=agm.day)
    assert plan.result.passed and plan.total == rules.Count(2, 1, 1)
    assert plan.result.threshold == "at least two-thirds of the votes cast"
    unchanged(before)


def test_confirming_after_the_record_changed_is_refused_with_the_new_plan(agm):
    present(agm, agm.extra[:3])
    plan = services.plan_vote(agm.item, room=rules.Count(3), discretion=rules.Count(),
                              today=agm.day)
    present(agm, agm.extra[3:4])  # one more arrives before the secretary confirms
    before = AuditEntry.objects.count()
    with pytest.raises(VoteFiguresChanged) as changed:
        vote(agm, room_for=3, expected=plan.fingerprint)
    assert changed.value.plan.voters.present == 4
    unchanged(before)
    recorded = vote(agm, room_for=3, expected=changed.value.plan.fingerprint)
    assert recorded.decision.outcome == "carried"


def test_a_vote_writes_one_audit_entry_and_the_decision_reads_once(agm, audit_entries):
    agm.contest.title = agm.item.title = "Adopt a safeguarding policy"
    agm.contest.resolution_text = "Adopt a safeguarding policy."
    agm.contest.save()
    present(agm, agm.extra[:3])
    before = len(audit_entries(agm.society))
    recorded = vote(agm, room_for=3)
    entries = audit_entries(agm.society)[before:]
    assert [(e.action, e.actor_id) for e in entries] == [("board.resolution_voted",
                                                          agm.secretary.pk)]
    assert entries[0].data["room"] == {"for": 3, "against": 0, "abstain": 0}
    assert recorded.decision.text == "Special resolution — Adopt a safeguarding policy."


# --- Correcting by a reversing entry ---------------------------------------------------------


def correct(agm, wrong, reason="The tellers counted the front row twice.", **figures):
    figures.setdefault("room_against", 0)
    return services.correct_meeting_vote(actor=agm.secretary, vote=wrong, reason=reason,
                                         today=agm.day, **figures)


def test_a_wrong_entry_is_reversed_and_the_corrected_result_stands(agm, audit_entries):
    present(agm, everyone(agm))
    wrong = vote(agm, room_for=6, room_against=2)  # carried: 6 of 8 is at least 2/3
    before = len(audit_entries(agm.society))
    fixed = correct(agm, wrong, room_for=4, room_against=4)
    # The register: the original untouched, a reversal naming it, the corrected result.
    original, reversal, corrected = Decision.objects.order_by("number")
    assert (original.number, original.votes_for, original.outcome) == (1, 6, "carried")
    assert reversal.outcome == "reversed" and reversal.corrects == original
    assert "Decision 1 is reversed: it was entered in error (for 6, against 2" in reversal.text
    assert "The chair's reason: The tellers counted the front row twice." in reversal.text
    assert reversal.recorded_by == agm.secretary and reversal.meeting == agm.meeting
    assert (corrected.corrects, corrected.votes_for, corrected.votes_against,
            corrected.outcome) == (original, 4, 4, "not_carried")
    # The vote in force is the correction; the first vote stays, unchanged, in history.
    assert fixed.corrects == wrong and fixed.reversal == reversal
    assert agm.item.current_vote == fixed
    wrong = MeetingVote.objects.get(pk=wrong.pk)
    assert (wrong.room_for, wrong.decision) == (6, original)
    tallies = {t.source: (t.votes_for, t.votes_against)
               for t in ResolutionTally.objects.filter(contest=agm.contest)}
    assert tallies == {"meeting": (4, 4), "proxy": (0, 0)}
    entries = audit_entries(agm.society)[before:]
    assert [(e.action, e.actor_id) for e in entries] == [
        ("board.resolution_vote_corrected", agm.secretary.pk)]
    assert entries[0].data["before"]["room"] == {"for": 6, "against": 2, "abstain": 0}
    assert entries[0].data["after"]["room"] == {"for": 4, "against": 4, "abstain": 0}
    assert (entries[0].data["reversed"], entries[0].data["reversal"],
            entries[0].data["decision"]) == (1, 2, 3)


def test_a_correction_can_itself_be_corrected(agm):
    present(agm, everyone(agm))
    first = vote(agm, room_for=6, room_against=2)
    second = correct(agm, first, room_for=4, room_against=4)
    with pytest.raises(BoardError, match="already corrected"):
        correct(agm, first, room_for=5, room_against=3)
    third = correct(agm, second, room_for=6, room_against=1)
    assert agm.item.current_vote == third and third.corrects == second
    assert Decision.objects.count() == 5


@pytest.mark.parametrize("figures,reason,message", [
    ({"room_for": 6, "room_against": 2}, "A reason", "nothing to correct"),
    ({"room_for": 4, "room_against": 4}, "   ", "the chair's reason"),
    ({"room_for": 40}, "A reason", "at most 8 votes can be cast"),
    ({"room_for": -1}, "A reason", "none below zero"),
])
def test_a_refused_correction_writes_nothing(agm, figures, reason, message):
    present(agm, everyone(agm))
    wrong = vote(agm, room_for=6, room_against=2)
    before = (AuditEntry.objects.count(), Decision.objects.count(),
              MeetingVote.objects.count())
    with pytest.raises(BoardError, match=message):
        correct(agm, wrong, reason=reason, **figures)
    assert (AuditEntry.objects.count(), Decision.objects.count(),
            MeetingVote.objects.count()) == before
    assert ResolutionTally.objects.get(contest=agm.contest, source="meeting").votes_for == 6


def test_no_correction_here_once_the_minutes_are_approved(agm, board_world):
    present(agm, everyone(agm))
    wrong = vote(agm, room_for=6, room_against=2)
    minutes = services.draft_minutes(actor=agm.secretary, meeting=agm.meeting)
    later = services.schedule_meeting(actor=agm.secretary, society=agm.society, kind="special",
                                      held_on=agm.day + timedelta(days=60),
                                      today=agm.day)
    type(later).objects.filter(pk=later.pk).update(held_on=agm.day + timedelta(days=1))
    later.refresh_from_db()
    type(minutes).objects.filter(pk=minutes.pk).update(approved_at_meeting=later,
                                                       approved_on=later.held_on)
    with pytest.raises(BoardError, match="minutes of this meeting were approved"):
        correct(agm, wrong, room_for=4, room_against=4)
    assert Decision.objects.count() == 1


def test_the_minutes_drafted_after_a_correction_tell_it(agm):
    present(agm, everyone(agm))
    wrong = vote(agm, room_for=6, room_against=2)
    correct(agm, wrong, room_for=4, room_against=4)
    text = services.draft_minutes(actor=agm.secretary, meeting=agm.meeting).text
    assert "Decision 3: Not carried. For 4, against 4" in text
    assert "This corrects decision 1, entered in error and reversed by decision 2." in text
    assert "Other decisions:" not in text


def test_a_meeting_vote_is_never_changed_in_place(agm):
    present(agm, agm.extra[:3])
    recorded = vote(agm, room_for=3)
    recorded.room_for = 30
    with pytest.raises(ValueError, match="never changed"):
        recorded.save()
    with pytest.raises(ValueError, match="never changed"):
        recorded.delete()


def test_the_database_keeps_one_vote_per_item_and_a_reason_with_each_correction(agm):
    present(agm, agm.extra[:3])
    recorded = vote(agm, room_for=3)
    fields = {"society": agm.society, "agenda_item": agm.item, "quorum_present": 3,
              "quorum_required": 3, "explanation": "-"}
    decision = services.enter_decision(None, agm.society, decided_on=agm.day, text="x",
                                       outcome="carried")
    with pytest.raises(IntegrityError), transaction.atomic():
        MeetingVote.objects.create(decision=decision, **fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        MeetingVote.objects.create(decision=decision, corrects=recorded, **fields)


# --- Attendance, many at once --------------------------------------------------------------


def test_many_members_are_recorded_at_once_with_one_audit_entry_and_history(agm,
                                                                            audit_entries):
    ann, ben, cat = agm.extra[:3]
    proxy = services.appoint_proxy(actor=None, meeting=agm.meeting, appointer=ann,
                                   instructions={})
    services.record_attendance(actor=agm.secretary, meeting=agm.meeting, member=ben,
                               mode="apologies", today=agm.day - timedelta(days=9))
    before = len(audit_entries(agm.society))
    done = present(agm, [ann, ben, cat, cat])
    assert (done["added"], done["changed"]) == (2, 1)
    assert done["proxy_revoked"] == [str(proxy.public_id)]
    assert {a.member: a.mode for a in Attendance.objects.filter(meeting=agm.meeting)} == {
        ann: "in_person", ben: "in_person", cat: "in_person"}
    proxy.refresh_from_db()
    assert proxy.revoked_reason == "attended"
    assert proxy.history.count() == 2
    assert Attendance.history.filter(member=ben).count() == 2
    [entry] = audit_entries(agm.society)[before:]
    assert (entry.action, entry.actor_id) == ("board.attendance_recorded_many",
                                              agm.secretary.pk)
    assert entry.data["members"] == sorted([ann.member_number, ben.member_number,
                                            cat.member_number])


def test_present_only_from_the_meeting_day_but_apologies_before(agm):
    early = agm.day - timedelta(days=1)
    with pytest.raises(BoardError, match="has not started"):
        services.record_attendance_many(actor=agm.secretary, meeting=agm.meeting,
                                        members=agm.extra[:2], mode="online", today=early)
    assert not Attendance.objects.exists()
    services.record_attendance_many(actor=agm.secretary, meeting=agm.meeting,
                                    members=agm.extra[:2], mode="apologies", today=early)
    assert Attendance.objects.count() == 2
    assert not changes.has_begun(agm.meeting, today=early)  # apologies start nothing


def test_a_list_with_one_non_member_records_nobody(agm):
    gone = agm.extra[4]
    Member.objects.filter(pk=gone.pk).update(ceased_on=agm.day - timedelta(days=1),
                                             cessation_reason="resigned")
    gone.refresh_from_db()
    before = AuditEntry.objects.count()
    with pytest.raises(BoardError, match=r"Not members on .*Eve East \(no. 14\)\. Nobody"):
        present(agm, agm.extra)
    assert not Attendance.objects.exists() and AuditEntry.objects.count() == before


def test_recording_many_takes_the_same_few_queries_for_ten_or_a_hundred(
        agm, django_assert_max_num_queries):
    crowd = [agm.board_world.new_member(1000 + i, f"Member {i:03}") for i in range(110)]
    services.appoint_proxy(actor=None, meeting=agm.meeting, appointer=crowd[0],
                           instructions={})
    with django_assert_max_num_queries(20):
        present(agm, crowd[:10])
    with django_assert_max_num_queries(20):
        present(agm, crowd[10:110])
    assert Attendance.objects.count() == 110
    assert ProxyAppointment.objects.get(appointer=crowd[0]).revoked_reason == "attended"
