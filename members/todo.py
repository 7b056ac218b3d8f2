"""What waits for the secretary in the members app (societies.todo)."""

from django.db.models import Count, Q

from members.models import (
    Application,
    ApplicationStatus,
    InspectionStatus,
    RegisterInspection,
)
from societies.audit_text import plural
from societies.todo import Todo, link


def applications(society, visitor, now) -> list[Todo]:
    counts = Application.objects.filter(society=society).aggregate(
        pending=Count("id", filter=Q(status=ApplicationStatus.PENDING)),
        voting=Count("id", filter=Q(status=ApplicationStatus.AWAITING_VOTE)))
    url = link(society, "members:applications")
    return [
        Todo(f"{plural(counts['pending'], 'application')} waiting for a decision", url,
             count=counts["pending"]),
        Todo(f"{plural(counts['voting'], 'application')} waiting for the members' vote", url,
             count=counts["voting"],
             detail="Put each to a vote of the members from its page, if that is not done."),
    ]


def inspection_requests(society, visitor, now) -> list[Todo]:
    waiting = RegisterInspection.objects.filter(
        society=society, status=InspectionStatus.REQUESTED).count()
    return [Todo(f"{plural(waiting, 'request')} to inspect the register waiting for an answer",
                 link(society, "members:register_inspections"), count=waiting,
                 detail="Grant online inspection for a period, or arrange another way.")]
