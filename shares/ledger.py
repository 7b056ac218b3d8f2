"""Share ledger arithmetic, free of Django: balances as at a date, holding periods, share
interest and its rounding, financial years, notice periods and the withdrawable cap.

Conventions (docs/shares.md):
- A movement on date D counts from the close of D: the holding *at* a date is the sum of every
  movement dated on or before it, and a day earns interest on the holding at its close.
- Share interest is simple interest on the amount paid up: rate per year x pence held x days
  held / days in the financial year (365, or 366 when the year contains 29 February), summed
  over each holding period, per member per share class, and rounded once, half up, to a penny.
- Money is integer pence; rates are exact decimals; no floats anywhere.
"""

import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

from societies.money import format_pence  # noqa: F401 - where the ledger's callers find it

# Co-operative and Community Benefit Societies Act 2014, s.24: withdrawable share cap.
LEGAL_MAX_WITHDRAWABLE_PENCE = 100_000 * 100
# Co-operative and Community Benefit Societies Act 2014, s.37: nominations up to £5,000.
NOMINATION_LIMIT_PENCE = 5_000 * 100


@dataclass(frozen=True)
class Movement:
    """One ledger row as the arithmetic sees it: a signed change on a date."""

    on: date
    shares: int
    amount_pence: int


@dataclass(frozen=True)
class Balance:
    shares: int = 0
    amount_pence: int = 0

    def __add__(self, other: "Balance") -> "Balance":
        return Balance(self.shares + other.shares, self.amount_pence + other.amount_pence)


@dataclass(frozen=True)
class HoldingPeriod:
    """Days `start` to `end` inclusive during which the holding stayed the same."""

    start: date
    end: date
    shares: int
    amount_pence: int

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def balance_as_at(movements: Iterable[Movement], on: date) -> Balance:
    shares = amount = 0
    for movement in movements:
        if movement.on <= on:
            shares += movement.shares
            amount += movement.amount_pence
    return Balance(shares, amount)


def first_negative_day(movements: Iterable[Movement]) -> date | None:
    """The first date whose closing holding is below zero, or None if it never is.

    Movements on the same day are netted first: the holding is judged at the close of a day.
    """
    by_day: dict[date, int] = {}
    for movement in movements:
        by_day[movement.on] = by_day.get(movement.on, 0) + movement.shares
    running = 0
    for day in sorted(by_day):
        running += by_day[day]
        if running < 0:
            return day
    return None


def holding_periods(opening: Balance, movements: Iterable[Movement], start: date,
                    end: date) -> list[HoldingPeriod]:
    """The holding through [start, end]: `opening` is the holding at the close of start - 1;
    `movements` are those dated within the period (others are ignored). Periods with nothing
    held are left out."""
    if end < start:
        raise ValueError("The period ends before it starts")
    changes: dict[date, Balance] = {}
    for movement in movements:
        if start <= movement.on <= end:
            changes[movement.on] = changes.get(movement.on, Balance()) + Balance(
                movement.shares, movement.amount_pence
            )
    periods = []
    current, since = opening, start
    for day in sorted(changes):
        if day > since:
            periods.append(HoldingPeriod(since, day - timedelta(days=1), current.shares,
                                         current.amount_pence))
        current, since = current + changes[day], day
    periods.append(HoldingPeriod(since, end, current.shares, current.amount_pence))
    return [p for p in periods if p.shares or p.amount_pence]


def pence_days(opening_pence: int, movements: Iterable[Movement], start: date, end: date) -> int:
    """Sum over the days of [start, end] of the pence held at each day's close.

    The closed form the interest run computes in SQL: the opening amount for every day of the
    period, plus each movement for the days from its date to the end.
    """
    total = opening_pence * days_between(start, end)
    for movement in movements:
        if start <= movement.on <= end:
            total += movement.amount_pence * days_between(movement.on, end)
    return total


def days_between(first: date, last: date) -> int:
    """Days from `first` to `last`, both included."""
    return (last - first).days + 1


def as_fraction(rate) -> Fraction:
    """An exact rate from a Decimal, int, Fraction or decimal string; floats are refused."""
    if isinstance(rate, float):
        raise TypeError("Rates must be exact: pass a Decimal or a string, not a float")
    if isinstance(rate, str):
        rate = Decimal(rate)
    return Fraction(rate)


def round_half_up(value: Fraction) -> int:
    """Nearest integer; exact halves go away from zero (0.5p -> 1p, -0.5p -> -1p)."""
    sign = -1 if value < 0 else 1
    magnitude = abs(value)
    whole, remainder = divmod(magnitude.numerator, magnitude.denominator)
    if 2 * remainder >= magnitude.denominator:
        whole += 1
    return sign * whole


def interest_pence(pence_days_held: int, rate_percent, days_in_year: int) -> int:
    """Interest, in pence, on `pence_days_held` at `rate_percent` a year; rounded half up."""
    return interest_calculator(rate_percent, days_in_year)(pence_days_held)


def interest_calculator(rate_percent, days_in_year: int):
    """interest_pence at one rate for many holdings: exact integer arithmetic, the rate
    converted once (an interest run calls it 100,000 times)."""
    if days_in_year not in (365, 366):
        raise ValueError(f"A financial year has 365 or 366 days, not {days_in_year}")
    rate = as_fraction(rate_percent)
    if rate < 0:
        raise ValueError("Interest rates cannot be negative")
    numerator, denominator = rate.numerator, rate.denominator * 100 * days_in_year

    def interest(pence_days_held: int) -> int:
        whole, remainder = divmod(abs(numerator * pence_days_held), denominator)
        if 2 * remainder >= denominator:
            whole += 1
        return whole if pence_days_held >= 0 else -whole

    return interest


def interest_for_periods(periods: Iterable[HoldingPeriod], rate_percent,
                         days_in_year: int) -> int:
    """The same interest, from a statement's holding periods (for showing the working)."""
    return interest_pence(sum(p.amount_pence * p.days for p in periods), rate_percent,
                          days_in_year)


def period_interest(period: HoldingPeriod, rate_percent, days_in_year: int) -> Fraction:
    """Unrounded interest of one period, for the lines of a statement."""
    return as_fraction(rate_percent) * period.amount_pence * period.days / (100 * days_in_year)


def year_end_date(end_month: int, end_day: int, year: int) -> date:
    """The year end falling in calendar `year`; a day past the month's end means its last day
    (a year end of 29 February is 28 February in other years)."""
    last = calendar.monthrange(year, end_month)[1]
    return date(year, end_month, min(end_day, last))


def financial_year(end_month: int, end_day: int, ending_in: int) -> tuple[date, date]:
    """(first day, last day) of the financial year ending in calendar year `ending_in`."""
    end = year_end_date(end_month, end_day, ending_in)
    start = year_end_date(end_month, end_day, ending_in - 1) + timedelta(days=1)
    return start, end


def financial_year_containing(end_month: int, end_day: int, on: date) -> tuple[date, date]:
    start, end = financial_year(end_month, end_day, on.year)
    if on > end:
        return financial_year(end_month, end_day, on.year + 1)
    return start, end


def earliest_payable_on(requested_on: date, notice_days: int) -> date:
    """A withdrawal on `notice_days` days' notice given on `requested_on` is payable from."""
    if notice_days < 0:
        raise ValueError("A notice period cannot be negative")
    return requested_on + timedelta(days=notice_days)


def remainder_allowed(held: int, withdrawing: int, minimum: int) -> bool:
    """A withdrawal may leave nothing or at least the minimum holding, never in between."""
    left = held - withdrawing
    return 0 < withdrawing <= held and (left == 0 or left >= minimum)


def cap_headroom_pence(withdrawable_held_pence: int, cap_pence: int) -> int:
    """How much more withdrawable share capital a member may hold under `cap_pence`."""
    return max(0, min(cap_pence, LEGAL_MAX_WITHDRAWABLE_PENCE) - withdrawable_held_pence)


@dataclass(frozen=True)
class Reinvestment:
    shares: int
    reinvested_pence: int
    paid_pence: int


def split_reinvestment(interest: int, nominal_pence: int, headroom_pence: int | None,
                       max_shares: int | None = None) -> Reinvestment:
    """Whole new shares bought with `interest`, within the cap headroom (None: no cap) and the
    class's maximum (None: none); whatever is left over is paid out."""
    if interest < 0 or nominal_pence <= 0:
        raise ValueError("Interest must not be negative and the nominal value must be positive")
    shares = interest // nominal_pence
    if headroom_pence is not None:
        shares = min(shares, headroom_pence // nominal_pence)
    if max_shares is not None:
        shares = min(shares, max(0, max_shares))
    reinvested = shares * nominal_pence
    return Reinvestment(shares, reinvested, interest - reinvested)
