"""Minutes: drafted from the meeting's record, edited, and approved at a later meeting (then
locked)."""

from django.db import transaction
from django.utils import timezone

from accounts.acting import user_or_none
from boards.models import Meeting, Minutes, Outcome
from boards.services.common import BoardError, check_same_society, locked_meeting
from boards.services.decisions import enter_decision
from boards.services.reads import minutes_from_record
from societies import audit


@transaction.atomic
def draft_minutes(*, actor, meeting: Meeting) -> Minutes:
    meeting = locked_meeting(meeting)
    if Minutes.objects.filter(meeting=meeting).exists():
        raise BoardError("Minutes of this meeting are already drafted: edit them.")
    minutes = Minutes.objects.create(
        society=meeting.society, meeting=meeting, text=minutes_from_record(meeting),
        drafted_by=user_or_none(actor))
    audit.record(meeting.society, actor, "board.minutes_drafted", minutes,
                 {"meeting": str(meeting.public_id)})
    return minutes


def _locked_minutes(minutes: Minutes) -> Minutes:
    minutes = Minutes.objects.select_for_update(of=("self",)).get(pk=minutes.pk)
    if minutes.approved_on is not None:
        raise BoardError("These minutes were approved and are locked: record a correcting "
                         "decision instead.")
    return minutes


@transaction.atomic
def edit_minutes(*, actor, minutes: Minutes, text: str) -> Minutes:
    minutes = _locked_minutes(minutes)
    if not text.strip():
        raise BoardError("The minutes cannot be empty.")
    minutes.text, minutes.edited_at = text.strip() + "\n", timezone.now()
    minutes.save(update_fields=["text", "edited_at"])
    audit.record(minutes.society, actor, "board.minutes_edited", minutes,
                 {"meeting": str(minutes.meeting.public_id), "length": len(minutes.text)})
    return minutes


@transaction.atomic
def approve_minutes(*, actor, minutes: Minutes, at_meeting: Meeting,
                    proposer: str = "", seconder: str = "") -> Minutes:
    """Approved at a later meeting (recorded as its decision); then locked for good."""
    minutes = _locked_minutes(minutes)
    society = minutes.society
    check_same_society(society, at_meeting)
    meeting = minutes.meeting
    if at_meeting.pk == meeting.pk or at_meeting.held_on <= meeting.held_on:
        raise BoardError("Minutes are approved at a later meeting.")
    if at_meeting.held_on > timezone.localdate():
        raise BoardError(f"The {at_meeting} has not been held yet.")
    if meeting.is_general != at_meeting.is_general or (
            not meeting.is_general and meeting.body_id != at_meeting.body_id):
        raise BoardError("Minutes are approved at a later meeting of the same body.")
    decision = enter_decision(
        actor, society, body=at_meeting.body, meeting=at_meeting,
        meeting_label=str(at_meeting), decided_on=at_meeting.held_on,
        text=f"That the minutes of the {meeting} be approved as a correct record.",
        proposer=proposer.strip(), seconder=seconder.strip(), outcome=Outcome.CARRIED)
    minutes.approved_at_meeting, minutes.approved_on = at_meeting, at_meeting.held_on
    minutes.approval_decision = decision
    minutes.save(update_fields=["approved_at_meeting", "approved_on", "approval_decision"])
    audit.record(society, actor, "board.minutes_approved", minutes, {
        "meeting": str(meeting.public_id), "at_meeting": str(at_meeting.public_id),
        "decision": decision.number,
    })
    return minutes
