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
- Votes at a meeting: the meeting must have begun (its day reached, attendance taken); the
  figures entered cannot be more than the votes there are to cast (members present who have not
  voted in advance, and proxies held at the holders' discretion).
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction

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


# --- Votes counted at a meeting ------------------------------------------------------------

ANSWERS = ("for", "against", "abstain")


@dataclass(frozen=True)
class Count:
    """Votes for, against and abstentions from one source."""

    votes_for: int = 0
    against: int = 0
    abstain: int = 0

    def __post_init__(self):
        for value in (self.votes_for, self.against, self.abstain):
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"a count of votes must be a whole number >= 0, not {value!r}")

    @classmethod
    def of(cls, figures: dict) -> Count:
        """From a {"for": n, "against": n, "abstain": n} dict (missing answers are 0)."""
        return cls(figures.get("for", 0), figures.get("against", 0), figures.get("abstain", 0))

    def __add__(self, other: Count) -> Count:
        return Count(self.votes_for + other.votes_for, self.against + other.against,
                     self.abstain + other.abstain)

    @property
    def total(self) -> int:
        return self.votes_for + self.against + self.abstain

    def as_dict(self) -> dict:
        return {"for": self.votes_for, "against": self.against, "abstain": self.abstain}

    def largest(self) -> str:
        """The answer with the most votes ("for" on a tie): where a person looks first."""
        figures = self.as_dict()
        return max(ANSWERS, key=lambda answer: (figures[answer], -ANSWERS.index(answer)))

    def describe(self) -> str:
        """"40 votes for", or "45 votes (40 for, 3 against, 2 abstentions)"."""
        parts = [f"{n} {word}" for n, word in (
            (self.votes_for, "for"), (self.against, "against"),
            (self.abstain, "abstention" if self.abstain == 1 else "abstentions")) if n]
        if not parts:
            return "no votes"
        if len(parts) > 1:
            return f"{_votes(self.total)} ({', '.join(parts)})"
        if self.abstain:
            return parts[0]
        return f"{_votes(self.total)} {parts[0].split(' ', 1)[1]}"


def _votes(n: int) -> str:
    return f"{n} vote{'' if n == 1 else 's'}"


def _members(n: int) -> str:
    return f"{n} member{'' if n == 1 else 's'}"


def _proxies(n: int) -> str:
    return f"{n} prox{'y' if n == 1 else 'ies'}"


@dataclass(frozen=True)
class VotersAtMeeting:
    """Who can still vote on one resolution at the meeting.

    present: members recorded present (in person or online) who have not voted in advance on
    it; voted_in_advance: those present who have (their vote is in the advance count);
    instructed_proxies: proxies counted as instructed (not entered by hand);
    discretionary_proxies: proxies whose holders vote as they choose (entered by hand).
    """

    present: int
    discretionary_proxies: int
    instructed_proxies: int = 0
    voted_in_advance: int = 0

    @property
    def could_be_entered(self) -> int:
        return self.present + self.discretionary_proxies


@dataclass(frozen=True)
class CountProblem:
    """A figure that cannot be right: `source` ("room" or "discretion") and the `answer` the
    person should look at first name the field; the message says why, with the numbers."""

    source: str
    answer: str
    message: str


def meeting_not_started(*, held_on: date, today: date, attendance_taken: bool,
                        cancelled: bool = False) -> str | None:
    """Why no vote can be entered yet (None once the meeting is under way)."""
    if cancelled:
        return "The meeting was cancelled: it takes no votes."
    if held_on > today:
        return (f"The meeting has not started: it is on {held_on.day} {held_on:%B %Y} and "
                f"today is {today.day} {today:%B %Y}. Votes are entered at the meeting.")
    if not attendance_taken:
        return "Take the attendance first: no one is recorded at the meeting yet."
    return None


def check_meeting_count(voters: VotersAtMeeting, room: Count, discretion: Count
                        ) -> list[CountProblem]:
    """What is impossible in the figures entered for one resolution (empty when they fit).

    A member present has one vote in the room; a proxy held at the holder's discretion is one
    more vote, entered apart; proxies with instructions are counted by the system."""
    problems = []
    entered = room + discretion
    present, discretionary = voters.present, voters.discretionary_proxies
    advance = (f" ({_members(voters.voted_in_advance)} present voted in advance and "
               "are counted there.)" if voters.voted_in_advance else "")
    if entered.total > voters.could_be_entered:
        source = "room" if room.total > present or not discretion.total else "discretion"
        counted = room if source == "room" else discretion
        problems.append(CountProblem(source, counted.largest(), (
            f"{entered.describe()}, but only {_members(present)} "
            f"{'is' if present == 1 else 'are'} present and {_proxies(discretionary)} "
            f"held at the holders' discretion: at most {_votes(voters.could_be_entered)} "
            f"can be cast.{advance}")))
        return problems
    if room.total > present:
        problems.append(CountProblem("room", room.largest(), (
            f"{room.describe()} in the room, but only {_members(present)} "
            f"{'is' if present == 1 else 'are'} present: enter the votes of proxies held at "
            f"the holders' discretion under “Discretionary proxies”.{advance}")))
    if discretion.total > discretionary:
        problems.append(CountProblem("discretion", discretion.largest(), (
            f"{discretion.describe()} by discretionary proxies, but only "
            f"{_proxies(discretionary)} on this resolution "
            f"{'is' if discretionary == 1 else 'are'} at the holder's discretion.")))
    return problems


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
