"""Attendance at a meeting: present in person, online, or apologies, for one member or many
at once; a member present ends their own proxy."""

from datetime import date

from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from accounts.acting import user_or_none
from boards.models import Attendance, AttendanceMode, Meeting, ProxyAppointment, ProxyRevocation
from boards.services.common import (
    BoardError,
    check_not_cancelled,
    check_same_society,
    locked_meeting,
)
from societies import audit

# Lookups by many ids go in slices: SQLite limits the parameters of one statement.
ID_SLICE = 500


def _slices(values: list, size: int = ID_SLICE):
    for start in range(0, len(values), size):
        yield values[start:start + size]


def _check_attendance(meeting: Meeting, mode: str, today: date):
    check_not_cancelled(meeting)
    if mode not in AttendanceMode.values:
        raise BoardError(f"Unknown attendance: {mode!r}.")
    if mode != AttendanceMode.APOLOGIES and meeting.held_on > today:
        raise BoardError(
            f"The {meeting} has not started: members are recorded present on "
            f"{meeting.held_on.day} {meeting.held_on:%B %Y} or after (apologies may be "
            "recorded before).")


def _mark_attendance(actor, meeting: Meeting, members: list, mode: str) -> dict:
    """Write `mode` for each member (one row each, changed in place) with row history, and
    end the live proxies of members now present ("attended"). Returns what changed."""
    now = timezone.now()
    user = user_or_none(actor)
    ids = [m.pk for m in members]
    existing = {}
    for chunk in _slices(ids):
        existing.update({row.member_id: row for row in meeting.attendance.filter(
            member_id__in=chunk)})
    added = [Attendance(society=meeting.society, meeting=meeting, member_id=pk, mode=mode,
                        recorded_at=now) for pk in ids if pk not in existing]
    changed = [row for row in existing.values() if row.mode != mode]
    for row in changed:
        row.mode, row.recorded_at = mode, now
    if added:
        bulk_create_with_history(added, Attendance, batch_size=ID_SLICE, default_user=user)
    if changed:
        bulk_update_with_history(changed, Attendance, ["mode", "recorded_at"],
                                 batch_size=ID_SLICE, default_user=user)
    revoked = []
    if mode != AttendanceMode.APOLOGIES:
        for chunk in _slices(ids):
            appointments = list(meeting.proxy_appointments.select_for_update(of=("self",))
                                .filter(appointer_id__in=chunk, revoked_at__isnull=True))
            for appointment in appointments:
                appointment.revoked_at = now
                appointment.revoked_reason = ProxyRevocation.ATTENDED
            if appointments:
                bulk_update_with_history(appointments, ProxyAppointment,
                                         ["revoked_at", "revoked_reason"], default_user=user)
            revoked += [str(a.public_id) for a in appointments]
    return {"added": len(added), "changed": len(changed), "proxy_revoked": revoked}


@transaction.atomic
def record_attendance(*, actor, meeting: Meeting, member, mode: str,
                      today: date | None = None) -> Attendance:
    """Present in person, online, or apologies: one row per member per meeting (changed if
    recorded again). Present only from the meeting's day; apologies at any time. A member
    present revokes their own proxy ("attended in person")."""
    meeting = locked_meeting(meeting)
    society = meeting.society
    check_same_society(society, member)
    _check_attendance(meeting, mode, today or timezone.localdate())
    if not member.is_active_on(meeting.held_on):
        raise BoardError(f"{member.full_name} is not a member on {meeting.held_on:%d %B %Y}.")
    done = _mark_attendance(actor, meeting, [member], mode)
    row = meeting.attendance.get(member=member)
    audit.record(society, actor, "board.attendance_recorded", row, {
        "meeting": str(meeting.public_id), "member": member.member_number, "mode": mode,
        "proxy_revoked": done["proxy_revoked"],
    })
    return row


@transaction.atomic
def record_attendance_many(*, actor, meeting: Meeting, members: list, mode: str,
                           today: date | None = None) -> dict:
    """The same for many members at once (ticked on the page or a pasted list of numbers):
    all or nothing — if any member cannot be recorded, nobody is. Returns how many rows were
    added and changed and which proxies ended."""
    meeting = locked_meeting(meeting)
    society = meeting.society
    _check_attendance(meeting, mode, today or timezone.localdate())
    members = list({m.pk: m for m in members}.values())
    if not members:
        raise BoardError("Choose at least one member.")
    check_same_society(society, *members)
    not_members = [m for m in members if not m.is_active_on(meeting.held_on)]
    if not_members:
        names = ", ".join(f"{m.full_name} (no. {m.member_number})" for m in not_members[:10])
        more = f" and {len(not_members) - 10} more" if len(not_members) > 10 else ""
        raise BoardError(f"Not members on {meeting.held_on:%d %B %Y}: {names}{more}. "
                         "Nobody was recorded.")
    done = _mark_attendance(actor, meeting, members, mode)
    audit.record(society, actor, "board.attendance_recorded_many", meeting, {
        "meeting": str(meeting.public_id), "mode": mode,
        "members": sorted(m.member_number for m in members), **done,
    })
    return done
