"""Proxies for a general meeting: appointed online or on a paper form, and revoked."""

from datetime import datetime

from django.db import connection, transaction
from django.utils import timezone

from accounts.acting import user_or_none
from boards.models import (
    AgendaItem,
    AttendanceMode,
    Meeting,
    MeetingVote,
    ProxyAppointment,
    ProxyInstruction,
    ProxyRevocation,
    ProxyVoteInstruction,
)
from boards.services.common import BoardError, check_not_cancelled, check_same_society
from boards.services.reads import proxy_deadline, resolution_items
from societies import audit


def _share_locked_meeting(meeting: Meeting) -> Meeting:
    """The meeting as stored, its row held FOR SHARE until commit: a change to the meeting
    (FOR UPDATE) waits for it or is waited for, while appointments do not wait on each other.
    Django has no FOR SHARE; SQLite has no row locks."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT cancelled_at FROM boards_meeting WHERE id = %s FOR SHARE",
                           [meeting.pk])
            meeting.cancelled_at = cursor.fetchone()[0]
    else:
        meeting.cancelled_at = Meeting.objects.values_list("cancelled_at", flat=True).get(
            pk=meeting.pk)
    return meeting


def _check_general(meeting: Meeting):
    if not meeting.is_general:
        raise BoardError("Proxies are for general meetings.")


@transaction.atomic
def appoint_proxy(*, actor, meeting: Meeting, appointer, holder=None, instructions: dict,
                  now: datetime | None = None, on_paper: bool = False) -> ProxyAppointment:
    """A member appoints another member, or (holder None) the chair of the meeting, with an
    instruction per resolution (`instructions`: agenda item public_id or item -> for /
    against / abstain / discretion; a resolution left out is at the proxy's discretion). A new
    appointment replaces the member's earlier one. A holder carries at most the society's cap
    (checked under a lock on the holder's member row; the chair is not capped)."""
    from members.models import Member

    society = meeting.society
    _check_general(meeting)
    check_same_society(society, appointer, holder)
    check_not_cancelled(_share_locked_meeting(meeting))
    now = now or timezone.now()
    if now >= proxy_deadline(meeting):
        raise BoardError(f"Too late: proxies had to be appointed by "
                         f"{timezone.localtime(proxy_deadline(meeting)):%H:%M on %d %B %Y}.")
    if not appointer.is_active_on(timezone.localdate(now)):
        raise BoardError(f"{appointer.full_name} is not a member.")
    if holder is not None:
        if holder.pk == appointer.pk:
            raise BoardError("A member cannot be their own proxy.")
        if not holder.is_active_on(timezone.localdate(now)):
            raise BoardError(f"{holder.full_name} is not a member and cannot hold a proxy.")
    if meeting.attendance.filter(member=appointer).exclude(
            mode=AttendanceMode.APOLOGIES).exists():
        raise BoardError(f"{appointer.full_name} is at the meeting and votes in person.")
    items = {str(i.public_id): i for i in resolution_items(meeting)}
    chosen = {}
    for key, instruction in instructions.items():
        key = str(key.public_id) if isinstance(key, AgendaItem) else str(key)
        if key not in items:
            raise BoardError("An instruction names a resolution that is not on this "
                             "meeting's agenda.")
        if instruction not in ProxyInstruction.values:
            raise BoardError(f"Unknown instruction for {items[key].title}: {instruction!r}.")
        chosen[key] = instruction
    # Lock the appointer (one live appointment each) and the holder (the cap), in pk order.
    locked = sorted(m.pk for m in (appointer, holder) if m is not None)
    list(Member.objects.select_for_update(of=("self",)).filter(pk__in=locked).order_by("pk"))
    cap = society.proxy_max_per_holder
    if holder is not None and cap is not None:
        held = meeting.proxy_appointments.filter(holder=holder, revoked_at__isnull=True).exclude(
            appointer=appointer).count()
        if held >= cap:
            raise BoardError(f"{holder.full_name} already holds {held} proxies, the most one "
                             "member may hold for this meeting. Choose someone else or the "
                             "chair of the meeting.")
    replaced = meeting.proxy_appointments.filter(appointer=appointer, revoked_at__isnull=True)
    replaced_ids = [str(p.public_id) for p in replaced]
    for old in replaced:
        old.revoked_at, old.revoked_reason = now, ProxyRevocation.REPLACED
        old.save(update_fields=["revoked_at", "revoked_reason"])
    appointment = ProxyAppointment.objects.create(
        society=society, meeting=meeting, appointer=appointer, holder=holder, created_at=now,
        created_by=user_or_none(actor))
    for key, item in items.items():
        ProxyVoteInstruction.objects.create(
            society=society, appointment=appointment, agenda_item=item,
            instruction=chosen.get(key, ProxyInstruction.DISCRETION))
    audit.record(society, actor, "board.proxy_appointed", appointment, {
        "meeting": str(meeting.public_id), "appointer": appointer.member_number,
        "holder": holder.member_number if holder else "chair", "replaced": replaced_ids,
        "on_paper": on_paper, "received_at": now.isoformat(),
    })
    return appointment


@transaction.atomic
def record_paper_proxy(*, actor, meeting: Meeting, appointer, holder=None, instructions: dict,
                       received_at: datetime | None = None) -> ProxyAppointment:
    """A proxy form received on paper, entered by the secretary: the same rules as an online
    appointment (deadline judged at `received_at`, the cap, one live appointment each), audited
    as received on paper. `received_at` may not be in the future, nor before the member's
    latest appointment (a later one stands)."""
    now = timezone.now()
    received_at = received_at or now
    if received_at > now:
        raise BoardError("The form cannot have been received in the future.")
    latest = meeting.proxy_appointments.filter(appointer=appointer).order_by(
        "-created_at").first()
    if latest is not None and latest.created_at > received_at:
        raise BoardError(f"{appointer.full_name} appointed a proxy after this form was "
                         f"received ({timezone.localtime(latest.created_at):%H:%M on %d %B %Y})"
                         ": the later appointment stands.")
    return appoint_proxy(actor=actor, meeting=meeting, appointer=appointer, holder=holder,
                         instructions=instructions, now=received_at, on_paper=True)


@transaction.atomic
def revoke_proxy(*, actor, appointment: ProxyAppointment,
                 reason: str = ProxyRevocation.REVOKED, now: datetime | None = None
                 ) -> ProxyAppointment:
    appointment = ProxyAppointment.objects.select_for_update(of=("self",)).get(
        pk=appointment.pk)
    if appointment.revoked_at is not None:
        raise BoardError("That proxy appointment has already ended.")
    if reason not in ProxyRevocation.values:
        raise BoardError(f"Unknown reason: {reason!r}.")
    if MeetingVote.objects.filter(agenda_item__meeting=appointment.meeting_id).exists():
        raise BoardError("Voting at the meeting has begun: the proxy can no longer be revoked.")
    appointment.revoked_at, appointment.revoked_reason = now or timezone.now(), reason
    appointment.save(update_fields=["revoked_at", "revoked_reason"])
    audit.record(appointment.society, actor, "board.proxy_revoked", appointment, {
        "meeting": str(appointment.meeting.public_id), "reason": reason,
    })
    return appointment
