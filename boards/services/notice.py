"""The notice of a general meeting, served on every member through notifications."""

from datetime import date

from django.db import transaction
from django.utils import timezone

from boards.models import Meeting
from boards.services.common import BoardError, check_not_cancelled, locked_meeting
from boards.services.reads import notice_context
from societies import audit

MEETING_NOTICE_KIND = "boards.meeting_notice"


@transaction.atomic
def serve_notice(*, actor, meeting: Meeting, today: date | None = None) -> int:
    """Send the notice of a general meeting to every member through notifications (email or
    post, as each member prefers; the messages are the record of service). Refused when it is
    too late for the clear days' notice. Safe to repeat: one message per member per meeting."""
    from members.models import Member
    from notifications.services import NotificationError, create_notice, notify_members

    meeting = locked_meeting(meeting)
    society = meeting.society
    check_not_cancelled(meeting)
    if not meeting.is_general:
        raise BoardError("Only a general meeting's notice is served on the members.")
    today = today or timezone.localdate()
    members = Member.objects.filter(society=society, ceased_on__isnull=True)
    if today > meeting.notice_served_by:
        raise BoardError(
            f"Too late: {society.notice_clear_days} clear days' notice of a meeting on "
            f"{meeting.held_on:%d %B %Y} had to be served by {meeting.notice_served_by:%d %B %Y}.")
    by_post = members.exclude(contact_channel="email", electronic_consent=True).count() + (
        members.filter(contact_channel="email", electronic_consent=True, email="").count())
    if by_post and today > meeting.notice_posted_by:
        raise BoardError(
            f"Too late for post: {by_post} members get their notice by post, which had to be "
            f"posted by {meeting.notice_posted_by:%d %B %Y}.")
    if not meeting.agenda_items.exists():
        raise BoardError("Put the business on the agenda before serving notice.")
    first = meeting.notice_id is None
    try:
        if first:
            meeting.notice = create_notice(
                society=society, kind=MEETING_NOTICE_KIND, title=f"Notice of the {meeting}",
                audience="All members", created_by=actor)
            meeting.notice_served_at = timezone.now()
            meeting.save(update_fields=["notice", "notice_served_at"])
        written = notify_members(notice=meeting.notice, members=members,
                                 context=notice_context(meeting))
    except NotificationError as error:
        raise BoardError(str(error)) from None
    audit.record(society, actor, "board.notice_served", meeting, {
        "notice": str(meeting.notice.public_id), "messages": written, "first": first,
        "served_on": today.isoformat(),
    })
    return written
