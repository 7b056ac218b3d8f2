"""What the board services share: the error, a date as the audit writes it, a year on, who may
hold office, and the checks and the lock that every meeting service starts with."""

from datetime import date

from boards.models import Meeting


class BoardError(Exception):
    """A change to the board records that cannot be made; the message says why, for a person."""


def iso(value):
    return value.isoformat() if isinstance(value, date) else value


def check_can_hold_office(member, on: date, *, requires_membership: bool, what: str,
                          seat_category=None):
    """Under-16s may not be officers or board members (DESIGN.md §5); members must be active,
    and of a class the seats allow."""
    if member is None:
        if requires_membership:
            raise BoardError(f"Only members of the society may be {what}.")
        return
    if requires_membership and not member.is_active_on(on):
        raise BoardError(f"{member.full_name} is not an active member on {on:%d %B %Y}.")
    if member.is_under_16_on(on):
        raise BoardError(f"{member.full_name} is under 16 on {on:%d %B %Y} and may not be {what}.")
    refusal = seat_category.holder_class_refusal(member) if seat_category is not None else ""
    if refusal:
        raise BoardError(refusal)


def add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return date(day.year + years, 3, 1)


def locked_meeting(meeting: Meeting) -> Meeting:
    return Meeting.objects.select_for_update(of=("self",)).get(pk=meeting.pk)


def check_not_cancelled(meeting: Meeting):
    if meeting.cancelled_at is not None:
        raise BoardError(f"The {meeting} was cancelled.")


def check_same_society(society, *objects):
    for obj in objects:
        if obj is not None and obj.society_id != society.pk:
            raise BoardError("That record belongs to another society.")
