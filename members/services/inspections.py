"""Inspection of the register: recording who read or exported it, and a member's request to
inspect it, granted or answered by the secretary."""

from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.acting import user_or_none
from members.models import (
    InspectionStatus,
    Member,
    RegisterInspection,
)
from members.services.common import INSPECTION_MAX_DAYS, MemberError
from societies import audit
from societies.models import Society


@transaction.atomic
def record_register_access(*, actor, society: Society, action: str, what: dict) -> None:
    """`action`: "register.viewed" or "register.exported"; `what`: as-at date, filters,
    format."""
    if action not in {"register.viewed", "register.exported"}:
        raise ValueError(action)
    audit.record(society, actor, action, None, what)


def _open_inspection_request(member: Member) -> RegisterInspection | None:
    return RegisterInspection.objects.filter(member=member,
                                             status=InspectionStatus.REQUESTED).first()


def current_inspection_grant(member: Member, on: date) -> RegisterInspection | None:
    """The member's grant to inspect the register online that covers `on`, if any."""
    return (RegisterInspection.objects.filter(
        member=member, status=InspectionStatus.GRANTED, granted_from__lte=on,
        granted_until__gte=on).order_by("-granted_until").first())


@transaction.atomic
def request_register_inspection(*, actor, member: Member, note: str = "") -> RegisterInspection:
    """A member asks to inspect the duplicate register; the secretary answers."""
    if not member.is_active:
        raise MemberError("Only current members may ask to inspect the register.")
    existing = _open_inspection_request(member)
    if existing is not None:
        raise MemberError(f"You asked on {timezone.localtime(existing.requested_at):%d %B %Y}; "
                          "the secretary has not answered yet.")
    grant = current_inspection_grant(member, timezone.localdate())
    if grant is not None:
        raise MemberError(f"You may already inspect the register online until "
                          f"{grant.granted_until:%d %B %Y}.")
    inspection = RegisterInspection(society=member.society, member=member,
                                    note=" ".join(note.split())[:500])
    try:
        with transaction.atomic():
            inspection.save()
    except IntegrityError:
        raise MemberError("You have already asked; the secretary has not answered yet.") from None
    audit.record(member.society, actor, "register.inspection_requested", inspection,
                 {"member_number": member.member_number})
    return inspection


def _locked_open_inspection(inspection: RegisterInspection) -> RegisterInspection:
    locked = RegisterInspection.objects.select_for_update(of=("self",)).select_related(
        "member").get(pk=inspection.pk)
    if locked.status != InspectionStatus.REQUESTED:
        raise MemberError("That request has already been answered.")
    return locked


def _long_date(day: date | None) -> str:
    return f"{day.day} {day:%B %Y}" if day else ""


def _tell_member(member: Member, kind: str, inspection: RegisterInspection) -> None:
    from notifications.services import notify

    notify(society=member.society, member=member, kind=kind,
           context={"granted_from": _long_date(inspection.granted_from),
                    "granted_until": _long_date(inspection.granted_until),
                    "answer": inspection.answer},
           dedup_key=f"{kind}:{inspection.public_id}")


@transaction.atomic
def grant_register_inspection(*, actor, inspection: RegisterInspection, granted_from: date,
                              granted_until: date) -> RegisterInspection:
    """Let the member inspect the duplicate register online from `granted_from` to
    `granted_until` (both included); they are told by their own channel."""
    locked = _locked_open_inspection(inspection)
    if not locked.member.is_active:
        raise MemberError(f"{locked.member.full_name} is no longer a member.")
    if granted_until < granted_from:
        raise MemberError("The period must end on or after the day it starts.")
    if granted_until < timezone.localdate():
        raise MemberError("The period has already ended: choose dates from today on.")
    if granted_until - granted_from >= timedelta(days=INSPECTION_MAX_DAYS):
        raise MemberError(f"Grant at most {INSPECTION_MAX_DAYS} days at a time; the member can "
                          "ask again.")
    locked.status = InspectionStatus.GRANTED
    locked.granted_from, locked.granted_until = granted_from, granted_until
    locked.decided_by, locked.decided_at = user_or_none(actor), timezone.now()
    locked.save(update_fields=["status", "granted_from", "granted_until", "decided_by",
                               "decided_at"])
    _tell_member(locked.member, "members.inspection_granted", locked)
    audit.record(locked.society, actor, "register.inspection_granted", locked,
                 {"member_number": locked.member.member_number,
                  "from": granted_from.isoformat(), "until": granted_until.isoformat()})
    return locked


@transaction.atomic
def answer_register_inspection(*, actor, inspection: RegisterInspection,
                               answer: str) -> RegisterInspection:
    """Answer a request another way, e.g. an appointment to inspect it at the office."""
    locked = _locked_open_inspection(inspection)
    answer = " ".join(answer.split())
    if not answer:
        raise MemberError("Say how the member may inspect the register, for example at the "
                          "registered office and when.")
    locked.status = InspectionStatus.ANSWERED
    locked.answer = answer[:500]
    locked.decided_by, locked.decided_at = user_or_none(actor), timezone.now()
    locked.save(update_fields=["status", "answer", "decided_by", "decided_at"])
    _tell_member(locked.member, "members.inspection_answered", locked)
    audit.record(locked.society, actor, "register.inspection_answered", locked,
                 {"member_number": locked.member.member_number})
    return locked
