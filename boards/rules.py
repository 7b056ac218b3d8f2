"""Board and general-meeting arithmetic: notice dates, quorum, thresholds and rotation.

Django-free (tests drive it with plain data) and exact: integers and Fractions, never floats.

Conventions (docs/boards.md says more):
- Clear days: neither the day notice is served (or deemed served) nor the meeting day counts,
  so for a meeting on D with N clear days notice must be served by D - (N + 1).
- Post is deemed served a number of working days after posting (Monday to Friday, less any
  holidays given); the latest posting day is the last day whose deemed service still falls on
  or before the latest service day.
- Quorum is the greater of a fixed number and a percentage of the members on the roll, the
  percentage rounded up to a whole person.
- Rotation: the nearest whole number to the fraction (one third) of the members subject to
  rotation, a half rounded up; those retiring anyway are not counted; the longest in office
  since their last election go first; ties by agreement (the order given) or by lot (seed).
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction

from ballots.counting.resolution import ResolutionResult, count_resolution

ONE_DAY = timedelta(days=1)


# --- Notice ---------------------------------------------------------------------------------

def is_working_day(day: date, holidays: Iterable[date] = ()) -> bool:
    return day.weekday() < 5 and day not in set(holidays)


def add_working_days(day: date, working_days: int, holidays: Iterable[date] = ()) -> date:
    """The day `working_days` working days after `day` (posting on Friday + 2 = Tuesday)."""
    if working_days < 0:
        raise ValueError("working_days must be >= 0")
    holidays = set(holidays)
    while working_days:
        day += ONE_DAY
        if is_working_day(day, holidays):
            working_days -= 1
    return day


def latest_service_date(meeting_on: date, clear_days: int) -> date:
    """Latest day notice may be served (or deemed served) for a meeting on `meeting_on`."""
    if clear_days < 0:
        raise ValueError("clear_days must be >= 0")
    return meeting_on - timedelta(days=clear_days + 1)


def latest_sending_date(
    meeting_on: date, clear_days: int, deemed_after_working_days: int = 0,
    holidays: Iterable[date] = (),
) -> date:
    """Latest day notice may be sent when it is deemed served `deemed_after_working_days`
    working days later (0 for hand delivery or email deemed served the same day)."""
    holidays = set(holidays)
    deadline = latest_service_date(meeting_on, clear_days)
    sent = deadline
    while add_working_days(sent, deemed_after_working_days, holidays) > deadline:
        sent -= ONE_DAY
    return sent


def clear_days_between(served_on: date, meeting_on: date) -> int:
    """Whole days strictly between service and the meeting (negative if served too late)."""
    return (meeting_on - served_on).days - 1


# --- Quorum ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class QuorumResult:
    required: int
    present: int
    quorate: bool
    explanation: str


def quorum_required(roll_size: int, minimum_members: int, percent: Fraction | int = 0) -> int:
    """The greater of `minimum_members` and `percent`% of `roll_size`, rounded up."""
    if roll_size < 0 or minimum_members < 0:
        raise ValueError("roll_size and minimum_members must be >= 0")
    share = Fraction(percent) * roll_size / 100
    by_percent = -(-share.numerator // share.denominator)
    return max(minimum_members, by_percent)


def check_quorum(
    *, roll_size: int, in_person: int, proxies: int = 0, minimum_members: int,
    percent: Fraction | int = 0, count_proxies: bool = True,
) -> QuorumResult:
    required = quorum_required(roll_size, minimum_members, percent)
    present = in_person + (proxies if count_proxies else 0)
    counted = f"{in_person} present in person"
    if proxies:
        counted += f" and {proxies} by proxy" + ("" if count_proxies else " (not counted)")
    quorate = present >= required
    return QuorumResult(
        required=required,
        present=present,
        quorate=quorate,
        explanation=f"{'Quorate' if quorate else 'Not quorate'}: {counted}; {required} needed "
        f"(the greater of {minimum_members} and {percent}% of {roll_size} on the roll).",
    )


# --- Resolutions ----------------------------------------------------------------------------

def decide_resolution(
    *, online_for: int = 0, online_against: int = 0, online_abstain: int = 0,
    proxy_for: int = 0, proxy_against: int = 0, proxy_abstain: int = 0,
    room_for: int = 0, room_against: int = 0, room_abstain: int = 0,
    kind: str = "ordinary", fraction: Fraction = Fraction(2, 3),
    casting_vote: str | None = None,
) -> ResolutionResult:
    """Advance online, proxy and in-room votes added together, then counted as one resolution
    (ballots.counting.resolution: abstentions are not votes cast)."""
    return count_resolution(
        online_for + proxy_for + room_for,
        online_against + proxy_against + room_against,
        online_abstain + proxy_abstain + room_abstain,
        kind=kind, fraction=fraction, casting_vote=casting_vote,
    )


# --- Retirement by rotation -----------------------------------------------------------------

@dataclass(frozen=True)
class Holder:
    key: str
    last_elected: date
    retiring_anyway: bool = False


@dataclass(frozen=True)
class RotationResult:
    number: int
    retiring_by_rotation: tuple[str, ...]
    retiring_anyway: tuple[str, ...]
    lot_used: bool
    explanation: str


def nearest_whole(value: Fraction) -> int:
    """Nearest whole number, a half rounded up."""
    return int((value + Fraction(1, 2)).__floor__())


def number_to_retire(subject_to_rotation: int, fraction: Fraction = Fraction(1, 3)) -> int:
    if subject_to_rotation < 0:
        raise ValueError("subject_to_rotation must be >= 0")
    return nearest_whole(Fraction(fraction) * subject_to_rotation)


def retirement_by_rotation(
    holders: Sequence[Holder], fraction: Fraction = Fraction(1, 3), seed: str | None = None,
) -> RotationResult:
    """Who retires at the next AGM. Holders are in agreed order for ties when `seed` is None;
    with a seed, ties are broken by a reproducible lot."""
    anyway = tuple(h.key for h in holders if h.retiring_anyway)
    rotating = [h for h in holders if not h.retiring_anyway]
    number = number_to_retire(len(rotating), fraction)
    by_date: dict[date, list[Holder]] = {}
    for holder in rotating:
        by_date.setdefault(holder.last_elected, []).append(holder)
    chosen: list[str] = []
    lot_used = False
    notes = []
    for day in sorted(by_date):
        group = by_date[day]
        room = number - len(chosen)
        if room <= 0:
            break
        if len(group) > room:
            if seed is not None:
                group = sorted(group, key=lambda h: h.key)
                random.Random(f"{seed}:{day.isoformat()}").shuffle(group)
                lot_used = True
                notes.append(f"lot (seed {seed!r}) among those elected on {day.isoformat()}")
            else:
                notes.append(f"agreement among those elected on {day.isoformat()}")
        chosen.extend(h.key for h in group[:room])
    explanation = (
        f"{number} of {len(rotating)} subject to rotation retire (nearest whole number to "
        f"{fraction} of them), longest in office since last election first"
    )
    if anyway:
        explanation += f"; {len(anyway)} retiring anyway not counted"
    if notes:
        explanation += "; ties broken by " + ", ".join(notes)
    return RotationResult(number, tuple(chosen), anyway, lot_used, explanation + ".")


# --- Terms ----------------------------------------------------------------------------------

def years_between(start: date, end: date) -> int:
    """Whole years from `start` to `end` (anniversary reached counts)."""
    years = end.year - start.year
    if (end.month, end.day) < (start.month, start.day):
        years -= 1
    return years


def consecutive_terms(terms: Sequence[tuple[date, date | None]], gap_days: int = 0) -> int:
    """How many terms, latest first backwards, follow one another with no break longer than
    `gap_days` (the count that 'maximum consecutive terms' limits)."""
    ordered = sorted(terms, key=lambda t: t[0], reverse=True)
    if not ordered:
        return 0
    run = 1
    for later, earlier in zip(ordered, ordered[1:], strict=False):
        earlier_end = earlier[1]
        if earlier_end is None or (later[0] - earlier_end).days > gap_days + 1:
            break
        run += 1
    return run
