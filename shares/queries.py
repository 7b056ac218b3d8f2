"""Reading the share ledger: holdings as at a date (for the register of members), the
interest run's aggregate (hand-written, in shares/sql.py), statements and the year-end figures;
and the reads the share services and pages share (what joining costs, the cap, a member's
holding, a suspension of withdrawals). No writes here: the changes are in shares/services/."""

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple

from django.db.models import Count, F, Max, Q, Sum
from django.db.models.functions import Coalesce
from django_scopes import scope

from shares import ledger
from shares.models import (
    Holding,
    InterestLine,
    InterestRun,
    InterestRunStatus,
    ShareClass,
    ShareTransaction,
    TransactionKind,
    WithdrawalSuspension,
)

# The interest run imports the aggregate from here.
from shares.sql import pence_days_by_member_and_class as pence_days_by_member_and_class


class HeldShares(NamedTuple):
    shares: int
    amount_paid_pence: int


NOTHING = HeldShares(0, 0)


def holdings_as_at(society, member_ids, on_date: date) -> dict[int, HeldShares]:
    """Shares held and amount paid, all classes together, per member id at the close of
    `on_date`: {member_id: (shares, amount_paid_pence)}, with (0, 0) for members holding none.

    One aggregate query over the ledger, served by the (member, on_date) covering index; meant
    for a page of the register (tens or hundreds of ids), not the whole society at once.
    """
    member_ids = list(member_ids)
    held = {member_id: NOTHING for member_id in member_ids}
    if not member_ids:
        return held
    rows = (ShareTransaction.objects.filter(society=society, member_id__in=member_ids,
                                            on_date__lte=on_date)
            .order_by().values_list("member_id")
            .annotate(shares=Sum("shares"), amount=Sum("amount_pence")))
    for member_id, shares, amount in rows:
        held[member_id] = HeldShares(int(shares), int(amount))
    return held


def holdings_by_class_as_at(society, member_ids, on_date: date
                            ) -> dict[int, dict[int, HeldShares]]:
    """The same, per class: {member_id: {share_class_id: (shares, amount_paid_pence)}};
    classes a member does not hold on the date are left out."""
    held: dict[int, dict[int, HeldShares]] = {member_id: {} for member_id in member_ids}
    if not held:
        return held
    rows = (ShareTransaction.objects.filter(society=society, member_id__in=list(held),
                                            on_date__lte=on_date)
            .order_by().values_list("member_id", "share_class_id")
            .annotate(shares=Sum("shares"), amount=Sum("amount_pence")))
    for member_id, class_id, shares, amount in rows:
        if shares or amount:
            held[member_id][class_id] = HeldShares(int(shares), int(amount))
    return held


def members_paid_at_least(society, on_date: date, minimum_pence: int):
    """Ids of the members whose shares were paid up to at least `minimum_pence` (all classes
    together) at the close of `on_date`, as a subquery: the electorate of a contest with a
    minimum shareholding (ballots.services.eligible_members)."""
    return (ShareTransaction.objects.filter(society=society, on_date__lte=on_date)
            .order_by().values("member_id")
            .annotate(paid=Sum("amount_pence")).filter(paid__gte=minimum_pence)
            .values("member_id"))


def society_has_shares(society) -> bool:
    """Whether the society has any share class (a company limited by guarantee has none)."""
    return ShareClass.objects.filter(society=society).exists()


def member_movements(member, share_class, until: date | None = None) -> list[ledger.Movement]:
    rows = ShareTransaction.objects.filter(member=member, share_class=share_class)
    if until is not None:
        rows = rows.filter(on_date__lte=until)
    return [ledger.Movement(d, s, a) for d, s, a in
            rows.order_by().values_list("on_date", "shares", "amount_pence")]


@dataclass
class StatementPeriod:
    period: ledger.HoldingPeriod
    interest: Decimal


@dataclass
class StatementClass:
    share_class: ShareClass
    rate_percent: str
    line: InterestLine | None
    periods: list[StatementPeriod] = field(default_factory=list)


def interest_statement(run: InterestRun, member) -> list[StatementClass]:
    """The working behind a member's interest for a run: each holding period, its days and
    its (unrounded) interest, per class; the line holds the rounded total."""
    lines = {line.share_class_id: line for line in
             InterestLine.objects.filter(run=run, member=member)}
    statement = []
    for share_class in ShareClass.objects.filter(society=run.society, pk__in=[
            int(k) for k in run.rates]).order_by("name"):
        rate = run.rates[str(share_class.pk)]
        movements = member_movements(member, share_class, until=run.year_end)
        opening = ledger.balance_as_at([m for m in movements if m.on < run.period_start],
                                       run.period_start - timedelta(days=1))
        periods = ledger.holding_periods(opening, movements, run.period_start, run.year_end)
        if not periods and share_class.pk not in lines:
            continue
        entry = StatementClass(share_class, rate, lines.get(share_class.pk))
        for period in periods:
            exact = ledger.period_interest(period, rate, run.days_in_year)
            shown = (Decimal(exact.numerator) / Decimal(exact.denominator) / 100).quantize(
                Decimal("0.0001"), rounding=ROUND_HALF_UP)
            entry.periods.append(StatementPeriod(period, shown))
        statement.append(entry)
    return statement


ISSUED = (TransactionKind.ISSUE, TransactionKind.REINVESTMENT)
WITHDRAWN = (TransactionKind.WITHDRAWAL, TransactionKind.DEATH_PAYMENT)


@dataclass
class YearEndFigures:
    start: date
    end: date
    members_at_start: int
    members_at_end: int
    admitted: int
    ceased: int
    capital_at_start_pence: int
    capital_at_end_pence: int
    issued_pence: int
    reinvested_pence: int
    withdrawn_pence: int
    forfeited_pence: int
    other_pence: int
    interest_run: InterestRun | None

    @property
    def days(self) -> int:
        return ledger.days_between(self.start, self.end)

    @property
    def interest_paid_pence(self) -> int | None:
        if self.interest_run is None or self.interest_run.status != InterestRunStatus.POSTED:
            return None
        return self.interest_run.gross_pence


def year_end_figures(society, start: date, end: date) -> YearEndFigures:
    """The figures a society files each year, for the financial year [start, end].

    Reversals count against the kind of entry they reverse, so a corrected issue is not
    counted as issued.
    """
    from members.models import Member, active_on_q

    before = start - timedelta(days=1)
    members = Member.objects.filter(society=society).aggregate(
        at_start=Count("pk", filter=active_on_q(before)),
        at_end=Count("pk", filter=active_on_q(end)),
        admitted=Count("pk", filter=Q(admitted_on__gte=start, admitted_on__lte=end)),
        ceased=Count("pk", filter=Q(ceased_on__gte=start, ceased_on__lte=end)),
    )
    ledger_rows = ShareTransaction.objects.filter(society=society).order_by()
    capital = ledger_rows.aggregate(
        at_start=Coalesce(Sum("amount_pence", filter=Q(on_date__lte=before)), 0),
        at_end=Coalesce(Sum("amount_pence", filter=Q(on_date__lte=end)), 0),
    )
    by_kind = dict(
        ledger_rows.filter(on_date__gte=start, on_date__lte=end)
        .annotate(effective=Coalesce(F("reverses__kind"), F("kind")))
        .values_list("effective").annotate(total=Sum("amount_pence"))
    )
    issued = sum(by_kind.pop(kind, 0) for kind in ISSUED if kind != TransactionKind.REINVESTMENT)
    reinvested = by_kind.pop(TransactionKind.REINVESTMENT, 0)
    withdrawn = -sum(by_kind.pop(kind, 0) for kind in WITHDRAWN)
    forfeited = -by_kind.pop(TransactionKind.FORFEIT, 0)
    return YearEndFigures(
        start=start, end=end,
        members_at_start=members["at_start"], members_at_end=members["at_end"],
        admitted=members["admitted"], ceased=members["ceased"],
        capital_at_start_pence=int(capital["at_start"]),
        capital_at_end_pence=int(capital["at_end"]),
        issued_pence=int(issued), reinvested_pence=int(reinvested),
        withdrawn_pence=int(withdrawn), forfeited_pence=int(forfeited),
        other_pence=int(sum(by_kind.values())),
        interest_run=InterestRun.objects.filter(society=society, year_end=end).first(),
    )



# What the share services and pages both read


def membership_minimum(society, share_class) -> int:
    """Shares of the qualifying class a member must hold to stay a member."""
    return max(society.minimum_shares, share_class.minimum_holding)


def cap_pence(society) -> int:
    """The withdrawable cap for the society: its rules' figure, never above the law's."""
    return min(society.max_withdrawable_pence, ledger.LEGAL_MAX_WITHDRAWABLE_PENCE)


def last_closed_year_end(society) -> date | None:
    """Entries cannot be dated on or before the end of a year whose interest is posted."""
    return InterestRun.objects.filter(
        society=society, status=InterestRunStatus.POSTED
    ).aggregate(last=Max("year_end"))["last"]


def qualifying_class(society) -> ShareClass | None:
    return ShareClass.objects.filter(society=society, is_qualifying=True).first()


@dataclass(frozen=True)
class AdmissionTerms:
    """What joining costs: the qualifying shares a new member pays for with the application."""

    share_class: ShareClass
    shares: int

    @property
    def cost_pence(self) -> int:
        return self.shares * self.share_class.nominal_value_pence


def admission_terms(society) -> AdmissionTerms | None:
    """The shares a new member must buy to join, or None where joining needs none."""
    with scope(society=society):
        share_class = qualifying_class(society)
        if share_class is None:
            return None
        shares = membership_minimum(society, share_class)
    return AdmissionTerms(share_class, shares) if shares >= 1 else None


def shares_held(member, share_class) -> int:
    holding = Holding.objects.filter(member=member, share_class=share_class).first()
    return holding.shares if holding else 0


def suspension_on(society, on: date) -> WithdrawalSuspension | None:
    """The suspension of withdrawals in force on `on`, if any."""
    return WithdrawalSuspension.objects.filter(society=society, suspended_on__lte=on).exclude(
        resumed_on__lte=on).first()


def open_suspension(society) -> WithdrawalSuspension | None:
    return WithdrawalSuspension.objects.filter(society=society, resumed_on__isnull=True).first()
