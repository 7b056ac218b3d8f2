"""What waits for the secretary in the members app (societies.todo)."""

from django.db.models import Count, Q
from django_scopes import scopes_disabled

from members.models import (
    Application,
    ApplicationStatus,
    InspectionStatus,
    Member,
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


def federation_links(society, visitor, now) -> list[Todo]:
    """Federations that list this society as a member and wait for its secretary to confirm
    (read across societies for this society's own memberships only)."""
    with scopes_disabled():
        waiting = Member.objects.filter(member_society=society, ceased_on__isnull=True,
                                        member_society_confirmed_at__isnull=True).count()
    return [Todo(f"{plural(waiting, 'federation')} listing us as a member, waiting for you to "
                 "confirm", link(society, "members:federations"), count=waiting,
                 detail="Confirm only a membership that is ours; then appoint our "
                        "representative.")]
