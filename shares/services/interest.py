"""Share interest: a member's choice to reinvest, and the yearly interest run (start,
compute, post or discard)."""

from dataclasses import dataclass
from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.acting import user_or_none
from config import bulk
from shares import ledger
from shares.models import (
    Holding,
    InterestLine,
    InterestRun,
    InterestRunStatus,
    ShareAccount,
    ShareClass,
    TransactionKind,
)
from shares.queries import cap_pence
from shares.services.common import WRITE_CHUNK, ShareError, long_date, today
from shares.services.posting import Leg, lock_account, post_to_ledger
from societies import audit


@transaction.atomic
def set_reinvestment(*, actor, member, reinvest: bool) -> ShareAccount:
    society = member.society
    if reinvest and not ShareClass.objects.filter(society=society,
                                                  allows_reinvestment=True).exists():
        raise ShareError("No share class of this society allows interest to be reinvested.")
    account = lock_account(member)
    if account.reinvest_interest != reinvest:
        account.reinvest_interest = reinvest
        account.save(update_fields=["reinvest_interest"])
    audit.record(society, actor, "shares.reinvestment_chosen", member,
                 {"member_number": member.member_number, "reinvest": reinvest})
    return account


def financial_year_ending(society, year_end: date) -> tuple[date, date]:
    start, end = ledger.financial_year(society.financial_year_end_month,
                                       society.financial_year_end_day, year_end.year)
    if end != year_end:
        raise ShareError(f"The society's financial year ends on "
                         f"{society.financial_year_end_display}, not {year_end:%d %B}.")
    return start, end


@transaction.atomic
def start_interest_run(*, actor, society, year_end: date) -> InterestRun:
    """Start share interest for the year ending `year_end`; a worker computes it after commit."""
    from jobs.queue import enqueue
    from shares.tasks import compute_interest_run as compute_task

    start, end = financial_year_ending(society, year_end)
    if end >= today():
        raise ShareError(f"The year to {long_date(end)} has not ended yet.")
    existing = InterestRun.objects.filter(society=society, year_end=end).first()
    if existing is not None:
        raise ShareError(_already_run(existing))
    rates = {str(c.pk): str(c.interest_rate_percent) for c in
             ShareClass.objects.filter(society=society, interest_rate_percent__gt=0)}
    if not rates:
        raise ShareError("No share class pays interest: set a class's interest rate first.")
    try:
        with transaction.atomic():
            run = InterestRun.objects.create(society=society, period_start=start, year_end=end,
                                             rates=rates, started_by=user_or_none(actor))
    except IntegrityError:
        raise ShareError(f"Share interest for the year to {long_date(end)} has already been "
                         "run.") from None
    audit.record(society, actor, "shares.interest_run_started", run, {
        "year_end": end.isoformat(), "rates": {ShareClass.objects.get(pk=k).name: v
                                               for k, v in rates.items()},
    })
    enqueue(society, compute_task, run.pk)
    return run


def _already_run(run) -> str:
    if run.status == InterestRunStatus.POSTED:
        return (f"Share interest for the year to {long_date(run.year_end)} was posted on "
                f"{long_date(timezone.localtime(run.posted_at))}; a year is run only once.")
    if run.status == InterestRunStatus.POSTING:
        return (f"Share interest for the year to {long_date(run.year_end)} is being posted; a "
                "year is run only once.")
    return (f"Share interest for the year to {long_date(run.year_end)} has already been run "
            "and is not posted yet: post it, or discard it to run it again.")


def _reinvestment_plan(society, lines, *, lock: bool):
    """Split each line's interest into new shares and cash, for members who chose to
    reinvest, in classes that allow it, within the cap and the class maximum."""
    classes = {c.pk: c for c in ShareClass.objects.filter(society=society)}
    eligible = {c.pk for c in classes.values() if c.allows_reinvestment}
    needed = {line.member_id for line in lines if line.share_class_id in eligible}
    accounts = {}
    if needed:
        chosen = ShareAccount.objects.filter(society=society, reinvest_interest=True)
        if lock:
            chosen = chosen.select_for_update(of=("self",)).order_by("member_id")
        accounts = {a.member_id: a for a in chosen if a.member_id in needed}
    active = _active_member_ids(society, list(accounts))
    holdings = {}
    if accounts:
        ids = sorted(accounts)
        for start in range(0, len(ids), WRITE_CHUNK):
            for member_id, class_id, shares in Holding.objects.filter(
                    member_id__in=ids[start:start + WRITE_CHUNK]).values_list(
                    "member_id", "share_class_id", "shares"):
                holdings[(member_id, class_id)] = shares
    cap = cap_pence(society)
    headroom = {m: ledger.cap_headroom_pence(a.withdrawable_pence, cap)
                for m, a in accounts.items()}
    for line in lines:
        share_class = classes[line.share_class_id]
        if (line.member_id not in accounts or line.member_id not in active
                or not share_class.allows_reinvestment):
            split = ledger.Reinvestment(0, 0, line.interest_pence)
        else:
            room = headroom[line.member_id] if share_class.is_withdrawable else None
            maximum = share_class.maximum_holding
            more = None if maximum is None else maximum - holdings.get(
                (line.member_id, share_class.pk), 0)
            split = ledger.split_reinvestment(line.interest_pence,
                                              share_class.nominal_value_pence, room, more)
            if share_class.is_withdrawable:
                headroom[line.member_id] -= split.reinvested_pence
        line.reinvested_shares = split.shares
        line.reinvested_pence = split.reinvested_pence
        line.paid_pence = split.paid_pence
    return classes


def _active_member_ids(society, member_ids) -> set[int]:
    from members.models import Member

    active = set()
    for start in range(0, len(member_ids), WRITE_CHUNK):
        active.update(Member.objects.filter(
            society=society, pk__in=member_ids[start:start + WRITE_CHUNK],
            ceased_on__isnull=True).values_list("pk", flat=True))
    return active


def _set_totals(run, lines):
    run.member_count = len({line.member_id for line in lines})
    run.gross_pence = sum(line.interest_pence for line in lines)
    run.reinvested_pence = sum(line.reinvested_pence for line in lines)
    run.paid_pence = sum(line.paid_pence for line in lines)


@dataclass
class PlannedLine:
    """An interest line while it is worked out (no model instance per member)."""

    member_id: int
    share_class_id: int
    pence_days: int
    interest_pence: int
    reinvested_shares: int = 0
    reinvested_pence: int = 0
    paid_pence: int = 0
    pk: int | None = None


LINE_FIELDS = ["reinvested_shares", "reinvested_pence", "paid_pence"]


@transaction.atomic
def compute_interest_run(*, actor, run: InterestRun) -> InterestRun:
    """Work out every member's interest for the run's year from the ledger: one aggregate
    query over the ledger, then exact arithmetic per member and class (shares.ledger)."""
    from shares.queries import pence_days_by_member_and_class

    society = run.society
    locked = InterestRun.objects.select_for_update(of=("self",)).get(pk=run.pk)
    if locked.status != InterestRunStatus.COMPUTING:
        return locked
    calculators = {int(k): ledger.interest_calculator(v, locked.days_in_year)
                   for k, v in locked.rates.items()}
    lines = []
    for member_id, class_id, pence_days in pence_days_by_member_and_class(
            society, locked.period_start, locked.year_end, list(calculators)):
        interest = calculators[class_id](pence_days)
        if interest > 0:
            lines.append(PlannedLine(member_id, class_id, pence_days, interest))
    _reinvestment_plan(society, lines, lock=False)
    InterestLine.objects.filter(run=locked).delete()
    bulk.insert_rows(InterestLine, [
        "society_id", "run_id", "member_id", "share_class_id", "pence_days", "interest_pence",
        *LINE_FIELDS,
    ], ((society.pk, locked.pk, line.member_id, line.share_class_id, line.pence_days,
         line.interest_pence, line.reinvested_shares, line.reinvested_pence, line.paid_pence)
        for line in lines))
    _set_totals(locked, lines)
    locked.status = InterestRunStatus.DRAFT
    locked.computed_at = timezone.now()
    locked.save(update_fields=["member_count", "gross_pence", "reinvested_pence",
                               "paid_pence", "status", "computed_at"])
    audit.record(society, actor, "shares.interest_computed", locked, {
        "year_end": locked.year_end.isoformat(), "members": locked.member_count,
        "gross_pence": locked.gross_pence, "reinvested_pence": locked.reinvested_pence,
    })
    return locked


def _check_postable(run, on_date: date, *, allow_posting: bool) -> None:
    """A run is posted once, from a computed draft, on a date after its year."""
    if run.status == InterestRunStatus.POSTED:
        raise ShareError(_already_run(run))
    if run.status == InterestRunStatus.COMPUTING:
        raise ShareError("The run is still being computed.")
    if run.status == InterestRunStatus.POSTING and not allow_posting:
        raise ShareError(_already_run(run))
    if on_date <= run.year_end:
        raise ShareError("Interest is posted after the year it is for.")
    if on_date > today():
        raise ShareError("Interest cannot be posted on a date in the future.")


@transaction.atomic
def start_posting_interest_run(*, actor, run: InterestRun,
                               on_date: date | None = None) -> InterestRun:
    """Ask a worker to post the run (minutes for a large society, longer than a page may
    take): the run is "being posted" until `post_interest_run` finishes in the task, or
    back to a draft with the reason if it could not be posted."""
    from jobs.queue import enqueue
    from shares.tasks import post_interest_run as post_task

    locked = InterestRun.objects.select_for_update(of=("self",)).get(pk=run.pk)
    on_date = on_date or today()
    _check_postable(locked, on_date, allow_posting=False)
    locked.status = InterestRunStatus.POSTING
    locked.post_on = on_date
    locked.posted_by = user_or_none(actor)
    locked.post_error = ""
    locked.save(update_fields=["status", "post_on", "posted_by", "post_error"])
    audit.record(locked.society, actor, "shares.interest_posting_started", locked, {
        "year_end": locked.year_end.isoformat(), "post_on": on_date.isoformat(),
    })
    enqueue(locked.society, post_task, locked.pk)
    return locked


@transaction.atomic
def interest_posting_failed(*, run: InterestRun, reason: str) -> InterestRun:
    """The worker could not post the run: nothing was posted (the posting is one
    transaction), so the run is a draft again, showing why."""
    locked = InterestRun.objects.select_for_update(of=("self",)).get(pk=run.pk)
    if locked.status != InterestRunStatus.POSTING:
        return locked  # posted meanwhile (a task delivered twice), or already reverted
    locked.status = InterestRunStatus.DRAFT
    locked.post_error = reason[:1000]
    locked.save(update_fields=["status", "post_error"])
    audit.record(locked.society, None, "shares.interest_posting_failed", locked, {
        "year_end": locked.year_end.isoformat(), "reason": locked.post_error,
    })
    return locked


@transaction.atomic
def post_interest_run(*, actor, run: InterestRun, on_date: date | None = None) -> InterestRun:
    """Post the run once: reinvested interest becomes new shares (within the cap, with
    certificates); the rest is to be paid gross (the run's CSV). The year is then closed.

    The pages call `start_posting_interest_run`, whose task calls this with the date asked
    for; called directly (a draft), it posts at once."""
    society = run.society
    locked = InterestRun.objects.select_for_update(of=("self",)).get(pk=run.pk)
    if locked.status == InterestRunStatus.POSTING:
        on_date = locked.post_on
    on_date = on_date or today()
    _check_postable(locked, on_date, allow_posting=True)
    lines = [PlannedLine(*row) for row in InterestLine.objects.filter(run=locked).values_list(
        "member_id", "share_class_id", "pence_days", "interest_pence", *LINE_FIELDS, "pk")]
    preview = {line.pk: (line.reinvested_shares, line.paid_pence) for line in lines}
    classes = _reinvestment_plan(society, lines, lock=True)
    bulk.set_rows(InterestLine, {
        line.pk: (line.reinvested_shares, line.reinvested_pence, line.paid_pence)
        for line in lines if preview[line.pk] != (line.reinvested_shares, line.paid_pence)
    }, LINE_FIELDS)
    reinvesting = [line for line in lines if line.reinvested_shares]
    if reinvesting:
        from members.models import Member

        members = {}
        ids = sorted({line.member_id for line in reinvesting})
        for start in range(0, len(ids), WRITE_CHUNK):
            members.update(Member.objects.only(
                "id", "society_id", "member_number", "full_name").in_bulk(
                ids[start:start + WRITE_CHUNK]))
        post_to_ledger(actor=actor, society=society, on_date=on_date,
                       reference=f"interest for the year to {long_date(locked.year_end)}",
                       legs=[Leg(members[line.member_id], classes[line.share_class_id],
                                 TransactionKind.REINVESTMENT, line.reinvested_shares,
                                 line.reinvested_pence) for line in reinvesting])
    _set_totals(locked, lines)
    locked.status = InterestRunStatus.POSTED
    locked.posted_at = timezone.now()
    locked.posted_by = user_or_none(actor)
    locked.post_on = on_date
    locked.post_error = ""
    locked.save(update_fields=["member_count", "gross_pence", "reinvested_pence", "paid_pence",
                               "status", "posted_at", "posted_by", "post_on", "post_error"])
    audit.record(society, actor, "shares.interest_posted", locked, {
        "year_end": locked.year_end.isoformat(), "members": locked.member_count,
        "gross_pence": locked.gross_pence, "reinvested_pence": locked.reinvested_pence,
        "paid_pence": locked.paid_pence,
    })
    return locked


@transaction.atomic
def discard_interest_run(*, actor, run: InterestRun) -> None:
    locked = InterestRun.objects.select_for_update(of=("self",)).get(pk=run.pk)
    if locked.status in (InterestRunStatus.POSTED, InterestRunStatus.POSTING):
        raise ShareError(_already_run(locked))
    audit.record(locked.society, actor, "shares.interest_run_discarded", locked,
                 {"year_end": locked.year_end.isoformat()})
    InterestLine.objects.filter(run=locked).delete()
    locked.delete()
