"""What every share service shares: the error, dates in words, and the checks that
several kinds of movement make."""

from datetime import date

from django.utils import timezone

from shares.queries import membership_minimum, shares_held

WRITE_CHUNK = 2000


class ShareError(Exception):
    """A share change that cannot be made; the message says why, for a person."""


def today() -> date:
    return timezone.localdate()


def long_date(on: date) -> str:
    return f"{on.day} {on:%B %Y}"


def check_same_society(society, *objects):
    for obj in objects:
        if obj is not None and obj.society_id != society.pk:
            raise ShareError("That belongs to another society.")


def class_minimum(society, share_class) -> int:
    if share_class.is_qualifying:
        return membership_minimum(society, share_class)
    return share_class.minimum_holding


def member_label(member) -> str:
    return f"{member.full_name} (no. {member.member_number})"


def notify_member(member, kind: str, about, context: dict) -> None:
    """Tell the member, by their chosen channel, after this transaction commits (the
    notifications outbox); the calling service's audit entry covers it."""
    from notifications.services import notify

    notify(society=member.society, member=member, kind=kind, context=context,
           dedup_key=f"{kind}:{about.public_id}")


def check_member_active(member, on_date: date):
    if not member.is_active_on(on_date):
        raise ShareError(f"{member_label(member)} is not a member on {long_date(on_date)}.")


def check_positive(shares: int) -> int:
    if shares is None or shares < 1:
        raise ShareError("The number of shares must be at least 1.")
    return shares


def check_decision(decided_on, decision_reference):
    if decided_on is None or not (decision_reference or "").strip():
        raise ShareError("Record the date and reference (e.g. the minute) of the board's "
                         "decision.")
    if decided_on > today():
        raise ShareError("The decision date cannot be in the future.")
    return decision_reference.strip()


def check_receives(society, member, share_class, shares):
    held = shares_held(member, share_class)
    minimum = class_minimum(society, share_class)
    if held + shares < minimum:
        raise ShareError(f"{member_label(member)} would hold {held + shares} {share_class.name} "
                         f"shares; the class needs at least {minimum}.")
