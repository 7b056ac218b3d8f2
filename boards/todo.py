"""The next general meeting and the notices to serve (societies.todo)."""

from django.db.models import Count, Min
from django.utils import timezone

from boards import rules
from boards.models import Meeting, MeetingKind
from societies.audit_text import plural
from societies.todo import Todo, day, link

GENERAL = [MeetingKind.AGM, MeetingKind.SPECIAL]


def general_meetings(society, visitor, now) -> list[Todo]:
    """The next general meeting; for those who serve notices, the day its notice is due, and
    any later general meeting whose notice is still to serve."""
    today = timezone.localdate(now)
    upcoming = Meeting.objects.filter(society=society, kind__in=GENERAL, held_on__gte=today,
                                      cancelled_at__isnull=True)
    meeting = upcoming.order_by("held_on", "id").only("public_id", "kind", "held_on",
                                                     "notice_id").first()
    if meeting is None:
        return []
    label = f"Next general meeting: {meeting.get_kind_display().lower()} on {day(meeting.held_on)}"
    url = link(society, "boards:meeting", public_id=meeting.public_id)
    if not visitor.can("boards:manage"):
        return [Todo(label, url)]
    if meeting.notice_id:
        items = [Todo(label, url, detail="Its notice has been served.")]
    else:
        served_by = rules.latest_service_date(meeting.held_on, society.notice_clear_days)
        late = served_by < today
        items = [Todo(label, url, due=served_by, overdue=late, detail=(
            "Its notice is late: check the rules on short notice before serving it." if late
            else f"Serve its notice by then: {society.notice_clear_days} clear days before the "
                 "meeting."))]
    later = upcoming.filter(notice__isnull=True).exclude(pk=meeting.pk).aggregate(
        count=Count("id"), first=Min("held_on"))
    if later["count"]:
        served_by = rules.latest_service_date(later["first"], society.notice_clear_days)
        items.append(Todo(
            f"{plural(later['count'], 'later general meeting')} whose notice is still to serve",
            link(society, "boards:meetings"), count=later["count"], due=served_by,
            overdue=served_by < today, detail="The date is when the first of them must be served."))
    return items
