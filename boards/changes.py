"""Changing a meeting after it was scheduled: cancel, postpone, adjourn, or edit its details.

Each service runs in one transaction under the meeting's row lock, writes one `MeetingChange`
and one audit entry. When notice of a general meeting has been served, the members are told of
the change through notifications: one `Notice` per change (kind `boards.meeting_changed`),
so its dedup key is per member per change. Rules and choices: docs/boards.md.
"""

from datetime import date, time

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.acting import user_or_none
from boards import services
from boards.models import (
    AgendaItemKind,
    Attendance,
    AttendanceMode,
    Meeting,
    MeetingChange,
    MeetingChangeKind,
    MeetingVote,
)
from boards.services import BoardError
from boards.services.common import check_not_cancelled, locked_meeting
from societies import audit

CHANGE_NOTICE_KIND = "boards.meeting_changed"
DETAILS = ("start_time", "place", "online_link", "chair_name", "duration_minutes")
# Changes the members are told of (the chair's name and the length are not).
NOTIFIED_DETAILS = ("start_time", "place", "online_link")


def has_begun(meeting: Meeting, today: date | None = None) -> bool:
    """Held (or being held): its day has passed, or someone is recorded present, or a vote is
    recorded. Apologies sent before the day do not start a meeting."""
    today = today or timezone.localdate()
    return (meeting.held_on < today
            or meeting.attendance.exclude(mode=AttendanceMode.APOLOGIES).exists()
            or MeetingVote.objects.filter(agenda_item__meeting=meeting).exists())


def _snapshot(meeting: Meeting) -> dict:
    return {"held_on": meeting.held_on.isoformat(),
            "start_time": meeting.start_time.strftime("%H:%M") if meeting.start_time else "",
            "place": meeting.place, "online_link": meeting.online_link,
            "chair_name": meeting.chair_name, "duration_minutes": meeting.duration_minutes}


def _when(held_on: date, start_time: time | None) -> str:
    day = f"{held_on:%A} {held_on.day} {held_on:%B %Y}"
    return f"{day} at {start_time:%H:%M}" if start_time else day


def _check_advance_voting(meeting: Meeting, start_time) -> None:
    """Advance voting on a resolution must close by the time the meeting starts."""
    probe = Meeting(held_on=meeting.held_on, start_time=start_time)
    starts = services.meeting_starts_at(probe)
    for item in meeting.agenda_items.filter(kind=AgendaItemKind.RESOLUTION).select_related(
            "resolution"):
        if item.resolution.voting_closes > starts:
            raise BoardError(f"Advance voting on {item.resolution.title!r} closes after "
                             f"{starts:%H:%M}: the meeting cannot start before it closes.")


def _record(actor, meeting: Meeting, kind: str, summary: str, reason: str, before: dict,
            action: str, notify: bool = True) -> MeetingChange:
    """The change, the notice of it to every member (if notice was served), the audit entry."""
    from members.models import Member
    from notifications.services import NotificationError, create_notice, notify_members

    society = meeting.society
    change = MeetingChange.objects.create(
        society=society, meeting=meeting, kind=kind, summary=summary, reason=reason.strip(),
        before=before, made_by=user_or_none(actor))
    written = 0
    if notify and meeting.is_general and meeting.notice_id:
        try:
            change.notice = create_notice(
                society=society, kind=CHANGE_NOTICE_KIND,
                title=f"{change.get_kind_display()}: {meeting}"[:300], audience="All members",
                created_by=actor)
            change.save(update_fields=["notice"])
            written = notify_members(
                notice=change.notice,
                members=Member.objects.filter(society=society, ceased_on__isnull=True),
                context={"meeting": str(meeting), "change": change.get_kind_display(),
                         "summary": summary, "reason": change.reason,
                         "cancelled": kind == MeetingChangeKind.CANCELLED,
                         "meeting_path": reverse("boards:meeting", kwargs={
                             "society_slug": society.slug, "public_id": meeting.public_id})})
        except NotificationError as error:
            raise BoardError(str(error)) from None
    audit.record(society, actor, action, meeting, {
        "change": str(change.public_id), "before": before, "after": _snapshot(meeting),
        "reason": change.reason, "messages": written,
    })
    return change


@transaction.atomic
def cancel_meeting(*, actor, meeting: Meeting, reason: str,
                   today: date | None = None) -> MeetingChange:
    """Call the meeting off before it is held (a reason is required: the members are told)."""
    meeting = locked_meeting(meeting)
    check_not_cancelled(meeting)
    if not reason.strip():
        raise BoardError("Give the reason for cancelling: the members are told it.")
    if has_begun(meeting, today):
        raise BoardError("The meeting has been held: it can no longer be cancelled.")
    before = _snapshot(meeting)
    meeting.cancelled_at, meeting.cancellation_reason = timezone.now(), reason.strip()
    meeting.save(update_fields=["cancelled_at", "cancellation_reason"])
    return _record(actor, meeting, MeetingChangeKind.CANCELLED,
                   f"The {meeting} is cancelled.", reason, before, "board.meeting_cancelled")


@transaction.atomic
def postpone_meeting(*, actor, meeting: Meeting, held_on: date, start_time: time | None = None,
                     reason: str = "", today: date | None = None) -> MeetingChange:
    """Move a meeting not yet held to a later day (and time). Notice already served stays
    good: it was served earlier than the new day needs. Proxies stand; their deadline moves
    with the meeting."""
    meeting = locked_meeting(meeting)
    check_not_cancelled(meeting)
    if has_begun(meeting, today):
        raise BoardError("The meeting has been held: adjourn it instead of postponing it.")
    if held_on is None or held_on <= meeting.held_on:
        raise BoardError(f"Postpone to a day after {meeting.held_on:%d %B %Y}; to hold it "
                         "earlier, cancel it and call a new meeting with full notice.")
    before = _snapshot(meeting)
    old = _when(meeting.held_on, meeting.start_time)
    meeting.held_on = held_on
    meeting.start_time = start_time or meeting.start_time
    meeting.save(update_fields=["held_on", "start_time"])
    return _record(actor, meeting, MeetingChangeKind.POSTPONED,
                   f"The meeting called for {old} is postponed to "
                   f"{_when(meeting.held_on, meeting.start_time)}.", reason, before,
                   "board.meeting_postponed")


@transaction.atomic
def adjourn_meeting(*, actor, meeting: Meeting, held_on: date, start_time: time | None = None,
                    place: str = "", reason: str = "",
                    today: date | None = None) -> MeetingChange:
    """The meeting, once its day has come, adjourns to a later day before any vote (e.g. for
    want of a quorum). It is the same meeting resumed: its agenda, notice and live proxies
    stand (the proxy deadline is counted from the new start); attendance is taken afresh, so
    the first session's attendance is written into the audit entry and its rows removed."""
    meeting = locked_meeting(meeting)
    check_not_cancelled(meeting)
    today = today or timezone.localdate()
    if today < meeting.held_on:
        raise BoardError("A meeting adjourns once it has met; before its day, postpone it.")
    if MeetingVote.objects.filter(agenda_item__meeting=meeting).exists():
        raise BoardError("The meeting has voted: record the remaining business at a new "
                         "meeting instead of adjourning it.")
    if held_on is None or held_on <= today:
        raise BoardError("Adjourn to a later day than today.")
    before = _snapshot(meeting)
    first_session = [
        {"member": a.member.member_number, "mode": a.mode}
        for a in meeting.attendance.select_related("member").order_by("member__member_number")]
    for row in Attendance.objects.filter(meeting=meeting):
        row.delete()
    old = _when(meeting.held_on, meeting.start_time)
    meeting.adjourned_from = meeting.adjourned_from or meeting.held_on
    meeting.held_on = held_on
    meeting.start_time = start_time or meeting.start_time
    meeting.place = place.strip() or meeting.place
    meeting.save(update_fields=["adjourned_from", "held_on", "start_time", "place"])
    before["attendance"] = first_session
    where = f" at {' '.join(meeting.place.split())}" if meeting.place else ""
    return _record(actor, meeting, MeetingChangeKind.ADJOURNED,
                   f"The meeting of {old} stands adjourned to "
                   f"{_when(meeting.held_on, meeting.start_time)}{where}.", reason, before,
                   "board.meeting_adjourned")


@transaction.atomic
def edit_meeting_details(*, actor, meeting: Meeting, values: dict, reason: str = "",
                         today: date | None = None) -> MeetingChange | None:
    """Change the start time, place, online link, chair or length of a meeting not yet held.
    The members are told of a new time, place or link; None when nothing changed."""
    meeting = locked_meeting(meeting)
    check_not_cancelled(meeting)
    if has_begun(meeting, today):
        raise BoardError("The meeting has been held: its record can no longer be edited.")
    values = {k: (v.strip() if isinstance(v, str) else v) for k, v in values.items()
              if k in DETAILS}
    if "duration_minutes" in values and not values["duration_minutes"]:
        raise BoardError("The meeting needs a length in minutes.")
    changed = [k for k, v in values.items() if getattr(meeting, k) != v]
    if not changed:
        return None
    if "start_time" in changed:
        _check_advance_voting(meeting, values["start_time"])
    before = _snapshot(meeting)
    for field in changed:
        setattr(meeting, field, values[field])
    meeting.save(update_fields=changed)
    lines = []
    if "start_time" in changed:
        lines.append(f"It now starts {_when(meeting.held_on, meeting.start_time)}."
                     if meeting.start_time else "Its start time is to be confirmed.")
    if "place" in changed:
        lines.append(f"Place: {' '.join(meeting.place.split()) or 'to be confirmed'}.")
    if "online_link" in changed:
        lines.append(f"Online: {meeting.online_link or 'no longer online'}.")
    if "chair_name" in changed:
        lines.append(f"In the chair: {meeting.chair_name or 'to be confirmed'}.")
    if "duration_minutes" in changed:
        lines.append(f"Expected length: {meeting.duration_minutes} minutes.")
    summary = f"The details of the {meeting} have changed. " + " ".join(lines)
    # A new chair or length is recorded, but the members are sent no notice of it.
    return _record(actor, meeting, MeetingChangeKind.EDITED, summary, reason, before,
                   "board.meeting_edited",
                   notify=any(field in NOTIFIED_DETAILS for field in changed))
